/* SPDX-License-Identifier: MIT */
/* xoshiro256** with splitmix64 seeding (public-domain algorithms, own code). */
#include "emu_rng.h"

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void emu_rng_seed(struct emu_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

uint64_t emu_rng_next(struct emu_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t emu_rng_below(struct emu_rng *r, uint32_t n)
{
	/* 64-bit source, 32-bit range: the modulo bias is below 2^-32 */
	return (uint32_t)(emu_rng_next(r) % n);
}

int emu_rng_ppm(struct emu_rng *r, unsigned ppm)
{
	if (ppm == 0)
		return 0;
	return emu_rng_below(r, 1000000) < ppm;
}
