/* SPDX-License-Identifier: MIT */
/* Tiny assertion kit for the unit tests: every failed check prints
 * file:line, the expression and both values, and the test keeps going so one
 * run shows every broken case; test_done() turns the count into the exit
 * status.  T_REQUIRE stops at once (use it when going on would crash). */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;
static int t_checks;
static char t_case[200];

/* Names the table row being checked; printed with every failure. */
__attribute__((format(printf, 1, 2), unused)) static void t_set_case(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t_case, sizeof(t_case), fmt, ap);
	va_end(ap);
}

__attribute__((unused)) static void t_fail_head(const char *file, int line)
{
	t_failures++;
	fprintf(stderr, "%s:%d: FAIL", file, line);
	if (t_case[0])
		fprintf(stderr, " [%s]", t_case);
	fputs(": ", stderr);
}

__attribute__((unused)) static void t_hexdump(const char *label, const void *p, size_t n)
{
	const uint8_t *b = p;

	fprintf(stderr, "    %s (%zu bytes):", label, n);
	for (size_t i = 0; i < n && i < 96; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n      ", b[i]);
	if (n > 96)
		fputs(" ...", stderr);
	fputc('\n', stderr);
}

__attribute__((unused)) static int t_check_mem(const char *file, int line, const char *ea,
					       const void *a, size_t na, const char *eb,
					       const void *b, size_t nb)
{
	t_checks++;
	if (na == nb && (na == 0 || memcmp(a, b, na) == 0))
		return 1;
	t_fail_head(file, line);
	fprintf(stderr, "%s == %s\n", ea, eb);
	if (na == nb) {
		const uint8_t *x = a, *y = b;
		size_t i = 0;

		while (x[i] == y[i])
			i++;
		fprintf(stderr, "    first difference at offset %zu: 0x%02x vs 0x%02x\n", i, x[i],
			y[i]);
	}
	t_hexdump("got", a, na);
	t_hexdump("expected", b, nb);
	return 0;
}

#define T_CHECK(cond)                                                                    \
	do {                                                                             \
		t_checks++;                                                              \
		if (!(cond)) {                                                           \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s\n", #cond);                                  \
		}                                                                        \
	} while (0)

/* Stops the test program: for preconditions whose failure would crash. */
#define T_REQUIRE(cond)                                                                  \
	do {                                                                             \
		t_checks++;                                                              \
		if (!(cond)) {                                                           \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s (required, stopping)\n", #cond);             \
			exit(1);                                                         \
		}                                                                        \
	} while (0)

#define T_EQ_INT(a, b)                                                                   \
	do {                                                                             \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                  \
		t_checks++;                                                              \
		if (t_a_ != t_b_) {                                                      \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s == %s: got %lld, expected %lld\n", #a, #b, t_a_, \
				t_b_);                                                   \
		}                                                                        \
	} while (0)

#define T_EQ_HEX(a, b)                                                                   \
	do {                                                                             \
		unsigned long long t_a_ = (unsigned long long)(a);                       \
		unsigned long long t_b_ = (unsigned long long)(b);                       \
		t_checks++;                                                              \
		if (t_a_ != t_b_) {                                                      \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s == %s: got 0x%llx, expected 0x%llx\n", #a, #b, \
				t_a_, t_b_);                                             \
		}                                                                        \
	} while (0)

#define T_NE_INT(a, b)                                                                   \
	do {                                                                             \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);                  \
		t_checks++;                                                              \
		if (t_a_ == t_b_) {                                                      \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s != %s: both are %lld\n", #a, #b, t_a_);      \
		}                                                                        \
	} while (0)

#define T_EQ_STR(a, b)                                                                   \
	do {                                                                             \
		const char *t_a_ = (a), *t_b_ = (b);                                     \
		t_checks++;                                                              \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {                         \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s == %s: got \"%s\", expected \"%s\"\n", #a, #b, \
				t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");         \
		}                                                                        \
	} while (0)

/* haystack contains needle */
#define T_HAS_STR(hay, needle)                                                           \
	do {                                                                             \
		const char *t_h_ = (hay), *t_n_ = (needle);                              \
		t_checks++;                                                              \
		if (!t_h_ || !strstr(t_h_, t_n_)) {                                      \
			t_fail_head(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s contains \"%s\": got \"%s\"\n", #hay, t_n_,   \
				t_h_ ? t_h_ : "(null)");                                 \
		}                                                                        \
	} while (0)

#define T_EQ_MEM(a, na, b, nb) t_check_mem(__FILE__, __LINE__, #a, (a), (na), #b, (b), (nb))

/* Prints the summary; returns the exit status for main(). */
__attribute__((unused)) static int t_done(const char *name)
{
	if (t_failures) {
		fprintf(stderr, "%s: %d of %d checks FAILED\n", name, t_failures, t_checks);
		return 1;
	}
	printf("%s: all %d checks passed\n", name, t_checks);
	return 0;
}

/* Deterministic generator for "random" cases (xorshift64*); tests print the
 * seed they use so a failure can be replayed. */
__attribute__((unused)) static uint64_t t_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}
