/* SPDX-License-Identifier: MIT */
/* Fuzz driver for builds without libFuzzer (gcc, and ctest by default):
 * replays every file given (directories are read in name order) through
 * LLVMFuzzerTestOneInput, then runs a seeded pseudo-random smoke: mutations
 * of the corpus and plain random bytes, so the test exercises more than the
 * seeds even without libFuzzer.  A crash names the input and saves it as
 * ./crash-<name>.bin for the corpus.
 *
 *   fuzz_slip [--smoke=N] [--seed=S] FILE|DIR...
 *   environment: ST_FUZZ_SMOKE=N (default 100000, 0 = replay only), ST_FUZZ_SEED=S */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_MAX_INPUT (64 * 1024)

struct input {
	uint8_t *data;
	size_t size;
};

static struct input *corpus;
static size_t ncorpus, corpus_cap;

/* what is running now, for the crash report */
static const uint8_t *cur_data;
static size_t cur_size;
static char cur_name[512];

void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void report_crash(void)
{
	static const char head[] = "\n*** fuzz input that crashed: ";
	char path[64];
	int fd;

	if (!cur_data && !cur_size)
		return;
	(void)!write(2, head, sizeof(head) - 1);
	(void)!write(2, cur_name, strlen(cur_name));
	snprintf(path, sizeof(path), "crash-%ld.bin", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		(void)!write(fd, cur_data, cur_size);
		close(fd);
		(void)!write(2, " (saved as ", 11);
		(void)!write(2, path, strlen(path));
		(void)!write(2, ")", 1);
	}
	(void)!write(2, "\n", 1);
}

static void on_signal(int sig)
{
	report_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_one(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy: reads past the end are ASan findings */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, data, size);
	cur_data = copy;
	cur_size = size;
	(void)LLVMFuzzerTestOneInput(copy, size);
	cur_data = NULL;
	cur_size = 0;
	free(copy);
}

static int add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(FUZZ_MAX_INPUT);
	if (!buf) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, FUZZ_MAX_INPUT, f);
	fclose(f);
	snprintf(cur_name, sizeof(cur_name), "%s", path);
	run_one(buf, n);
	if (ncorpus == corpus_cap) {
		size_t cap = corpus_cap ? 2 * corpus_cap : 64;
		struct input *c = realloc(corpus, cap * sizeof(*c));

		if (!c) {
			free(buf);
			return -1;
		}
		corpus = c;
		corpus_cap = cap;
	}
	corpus[ncorpus++] = (struct input){ buf, n };
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(path);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char full[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*nn));

			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(full);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (names[i] && add_file(names[i]) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- seeded smoke --------------------------------------------------------- */

static uint64_t rng;

static uint64_t next(void)
{
	uint64_t x = rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* bytes that matter to the targets: SLIP, image magic, JSON and sequence syntax */
static const uint8_t interesting[] = { 0x00, 0x01, 0xFF, 0x7F, 0x80, 0xC0, 0xDB, 0xDC, 0xDD,
				       0xE9, 0xEA, 0x10, 0x20, '|', ',', '.', '-', 'D', 'R',
				       'U', 'W', '"', '{', '}', ':', '=', '0', '1', '9', ' ' };

static size_t mutate(uint8_t *buf, size_t n, size_t cap)
{
	int rounds = 1 + (int)(next() % 8);

	for (int r = 0; r < rounds; r++) {
		uint64_t x = next();
		size_t pos = n ? (size_t)(x >> 16) % n : 0;

		switch (x % 8) {
		case 0: /* flip a bit */
			if (n)
				buf[pos] ^= (uint8_t)(1u << ((x >> 8) % 8));
			break;
		case 1: /* interesting byte */
			if (n)
				buf[pos] = interesting[(x >> 8) % sizeof(interesting)];
			break;
		case 2: /* insert */
			if (n < cap) {
				memmove(buf + pos + 1, buf + pos, n - pos);
				buf[pos] = interesting[(x >> 8) % sizeof(interesting)];
				n++;
			}
			break;
		case 3: /* delete */
			if (n) {
				memmove(buf + pos, buf + pos + 1, n - pos - 1);
				n--;
			}
			break;
		case 4: /* truncate */
			n = pos;
			break;
		case 5: /* duplicate a chunk */
			if (n) {
				size_t len = 1 + (size_t)(x >> 40) % 16;

				if (pos + len > n)
					len = n - pos;
				if (n + len <= cap) {
					memmove(buf + pos + len, buf + pos, n - pos);
					n += len;
				}
			}
			break;
		case 6: /* splice another corpus entry's tail */
			if (ncorpus) {
				const struct input *o = &corpus[(x >> 8) % ncorpus];
				size_t from = o->size ? (size_t)(x >> 24) % o->size : 0;
				size_t len = o->size - from;

				if (pos + len > cap)
					len = cap - pos;
				memcpy(buf + pos, o->data + from, len);
				n = pos + len;
			}
			break;
		default: /* random byte */
			if (n)
				buf[pos] = (uint8_t)(x >> 32);
			break;
		}
	}
	return n;
}

static void smoke(unsigned long runs, uint64_t seed)
{
	uint8_t *buf = malloc(FUZZ_MAX_INPUT);

	if (!buf) {
		perror("malloc");
		exit(2);
	}
	rng = seed ? seed : 1;
	for (unsigned long i = 0; i < runs; i++) {
		size_t n;

		if (ncorpus && next() % 4 != 0) {
			const struct input *in = &corpus[next() % ncorpus];

			n = in->size < 4096 ? in->size : 4096;
			memcpy(buf, in->data, n);
			n = mutate(buf, n, 4096);
		} else {
			n = (size_t)(next() % 300);
			for (size_t k = 0; k < n; k++)
				buf[k] = next() % 3 ? (uint8_t)next()
						    : interesting[next() % sizeof(interesting)];
		}
		snprintf(cur_name, sizeof(cur_name), "smoke input #%lu (seed %llu)", i,
			 (unsigned long long)seed);
		run_one(buf, n);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	unsigned long runs = 100000;
	uint64_t seed = 0x5EED;
	const char *env;
	int rc = 0;

	if ((env = getenv("ST_FUZZ_SMOKE")) != NULL)
		runs = strtoul(env, NULL, 0);
	if ((env = getenv("ST_FUZZ_SEED")) != NULL)
		seed = strtoull(env, NULL, 0);
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGILL, on_signal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(report_crash);

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--smoke=", 8) == 0)
			runs = strtoul(argv[i] + 8, NULL, 0);
		else if (strncmp(argv[i], "--seed=", 7) == 0)
			seed = strtoull(argv[i] + 7, NULL, 0);
		else if (argv[i][0] == '-')
			; /* libFuzzer flags (-runs=, -seed=...) are accepted and ignored */
		else if (add_path(argv[i]) != 0)
			rc = 1;
	}
	if (!ncorpus)
		fprintf(stderr, "%s: no corpus inputs given; random smoke only\n", argv[0]);
	smoke(runs, seed);
	printf("%s: replayed %zu corpus inputs, ran %lu smoke inputs (seed 0x%llx)\n", argv[0],
	       ncorpus, runs, (unsigned long long)seed);
	for (size_t i = 0; i < ncorpus; i++)
		free(corpus[i].data);
	free(corpus);
	return rc;
}
