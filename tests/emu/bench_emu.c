/* SPDX-License-Identifier: MIT */
/* Benchmark: N devices in one process, each read whole (1 MiB) by its own
 * host thread through the stub at 921600; prints wall time / wire time.
 * Usage: bench_emu [devices] [KiB] [baud] */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "test_emu_util.h"

struct job {
	struct th t;
	uint32_t len;
	unsigned baud;
	double wall, wire;
	int ok;
};

static void *run(void *arg)
{
	struct job *j = arg;
	struct th *t = &j->t;
	struct th_resp r;
	uint8_t d[16], pkt[8192];
	uint32_t got = 0;

	th_put32(d, 0);
	th_put32(d + 4, j->len);
	th_put32(d + 8, 4096);
	th_put32(d + 12, 64);
	uint64_t raw0 = t->raw_bytes;
	double t0 = th_now();
	if (th_cmd(t, 0xD2, d, 16, 0, &r, 1000) < 0)
		return NULL;
	while (got < j->len) {
		long n = th_read_frame(t, pkt, sizeof pkt, 3000);
		if (n <= 0)
			return NULL;
		got += (uint32_t)n;
		th_put32(d, got);
		th_send_frame(t, d, 4);
	}
	j->ok = th_read_frame(t, pkt, sizeof pkt, 3000) == 16;
	j->wall = th_now() - t0;
	j->wire = (double)(t->raw_bytes - raw0) * 10.0 / j->baud;
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	uint32_t kib = argc > 2 ? (uint32_t)atoi(argv[2]) : 1024;
	unsigned baud = argc > 3 ? (unsigned)atoi(argv[3]) : 921600;
	struct job *jobs = calloc((size_t)n, sizeof *jobs);
	pthread_t *th = calloc((size_t)n, sizeof *th);
	struct rusage ru0, ru1;

	for (int i = 0; i < n; i++) {
		struct emu_config c;
		struct th_resp r;
		uint8_t d[8];
		th_config(&c);
		c.flash_size = kib * 1024 > (1u << 20) ? 16u << 20 : 1u << 20;
		c.mac[5] = (uint8_t)i;
		jobs[i].len = kib * 1024;
		jobs[i].baud = baud;
		if (th_open(&jobs[i].t, &c, 921600, "bench") < 0 || th_sync(&jobs[i].t, NULL) != 8 ||
		    th_load_stub(&jobs[i].t, 0x4010C504) < 0)
			return 1;
		th_put32(d, baud);
		th_put32(d + 4, 921600);
		th_cmd(&jobs[i].t, 0x0F, d, 8, 0, &r, 500);
		th_set_baud(&jobs[i].t, baud);
		th_sleep_ms(20);
		th_drain(&jobs[i].t, 5);
	}
	getrusage(RUSAGE_SELF, &ru0);
	double t0 = th_now();
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, run, &jobs[i]);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	double wall = th_now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
			      ru0.ru_stime.tv_sec) + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
			      ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	double worst = 0;
	int ok = 0;
	for (int i = 0; i < n; i++) {
		ok += jobs[i].ok;
		if (jobs[i].ok && jobs[i].wall / jobs[i].wire > worst)
			worst = jobs[i].wall / jobs[i].wire;
		th_close(&jobs[i].t);
	}
	printf("devices %d, %u KiB each at %u baud: %d ok, wall %.2f s, worst wall/wire %.3f, "
	       "cpu %.2f s (%.0f%% of one core)\n", n, kib, baud, ok, wall, worst, cpu, 100 * cpu / wall);
	free(jobs);
	free(th);
	return ok == n ? 0 : 1;
}
