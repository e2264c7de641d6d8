/* SPDX-License-Identifier: MIT */
/* Seeded PRNG (xoshiro256** seeded through splitmix64): one stream per purpose,
 * so enabling one fault kind does not shift the choices of another. */
#pragma once

#include <stdint.h>

struct emu_rng {
	uint64_t s[4];
};

void emu_rng_seed(struct emu_rng *r, uint64_t seed, uint64_t stream);
uint64_t emu_rng_next(struct emu_rng *r);
uint32_t emu_rng_below(struct emu_rng *r, uint32_t n);     /* uniform in [0, n), n > 0 */
int emu_rng_ppm(struct emu_rng *r, unsigned ppm);          /* 1 with probability ppm / 1e6 */
