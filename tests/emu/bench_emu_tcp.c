/* SPDX-License-Identifier: MIT */
/* Benchmark, not a check: one device over loopback TCP, as served (with
 * TCP_NODELAY) and with Nagle switched back on (the old behaviour).  Prints
 * ROM READ_REG round-trip time and stub READ_FLASH time against wire time.
 * Usage: bench_emu_tcp [round_trips] [KiB] [baud] */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "test_emu_util.h"

#define REQ_BYTES 14.0      /* SLIP-encoded READ_REG 0x60000014 request */

static int read_flash(struct th *t, uint32_t len)
{
	struct th_resp r;
	uint8_t d[16], pkt[8192];
	uint32_t got = 0;

	th_put32(d, 0);
	th_put32(d + 4, len);
	th_put32(d + 8, 4096);
	th_put32(d + 12, 64);
	if (th_cmd(t, 0xD2, d, 16, 0, &r, 1000) < 0 || r.st[0] != 0)
		return -1;
	while (got < len) {
		long n = th_read_frame(t, pkt, sizeof pkt, 3000);
		if (n <= 0)
			return -1;
		got += (uint32_t)n;
		th_put32(d, got);
		th_send_frame(t, d, 4);
	}
	return th_read_frame(t, pkt, sizeof pkt, 3000) == 16 ? 0 : -1;
}

static int bench(int nodelay, int trips, uint32_t kib, unsigned baud)
{
	struct th t;
	struct emu_config c;
	struct th_resp r;
	uint8_t d[8];
	uint32_t v;
	int off = 0;

	th_config(&c);
	c.boot_banner = 0;
	if (th_open_tcp(&t, &c, "bench-tcp") < 0)
		goto fail;
	if (!nodelay)
		setsockopt(t.master, IPPROTO_TCP, TCP_NODELAY, &off, sizeof off);
	if (th_sync(&t, NULL) != 8)
		goto fail;
	th_drain(&t, 20);

	uint64_t raw0 = t.raw_bytes;
	double t0 = th_now();
	for (int i = 0; i < trips; i++)
		if (th_read_reg(&t, 0x60000014, &v) < 0)
			goto fail;
	double rt = (th_now() - t0) / trips;
	double rt_wire = ((double)(t.raw_bytes - raw0) / trips + REQ_BYTES) * 10.0 / 115200;

	if (th_load_stub(&t, 0x4010C504) < 0)
		goto fail;
	th_put32(d, baud);
	th_put32(d + 4, 115200);
	if (th_cmd(&t, 0x0F, d, 8, 0, &r, 500) < 0)
		goto fail;
	th_sleep_ms(30);
	th_drain(&t, 5);
	raw0 = t.raw_bytes;
	t0 = th_now();
	if (read_flash(&t, kib * 1024) < 0)
		goto fail;
	double rf = th_now() - t0;
	double rf_wire = (double)(t.raw_bytes - raw0) * 10.0 / baud;

	printf("tcp, TCP_NODELAY %-3s: ROM READ_REG round trip %6.2f ms (wire %.2f ms, x%.2f); "
	       "READ_FLASH %u KiB at %u: %6.2f s (wire %.2f s, x%.2f)\n", nodelay ? "on" : "off",
	       rt * 1e3, rt_wire * 1e3, rt / rt_wire, kib, baud, rf, rf_wire, rf / rf_wire);
	fflush(stdout);
	th_close(&t);
	return th_finish(&t, "bench-tcp");
fail:
	fprintf(stderr, "bench-tcp (TCP_NODELAY %s): a request failed\n", nodelay ? "on" : "off");
	th_close(&t);
	return 1;
}

int main(int argc, char **argv)
{
	int trips = argc > 1 ? atoi(argv[1]) : 100;
	uint32_t kib = argc > 2 ? (uint32_t)atoi(argv[2]) : 256;
	unsigned baud = argc > 3 ? (unsigned)atoi(argv[3]) : 460800;

	if (trips < 1 || kib < 1 || kib > 1024 || baud < 9600) {
		fprintf(stderr, "usage: bench_emu_tcp [round_trips] [KiB <= 1024] [baud]\n");
		return 2;
	}
	int fails = bench(1, trips, kib, baud);
	fails += bench(0, trips, kib, baud);
	return fails ? 1 : 0;
}
