/* SPDX-License-Identifier: MIT */
/* The virtual UART: a host at the wrong baud gets no valid frame, the ROM
 * autobauds only within its range, the stub's CHANGE_BAUDRATE needs the host
 * to follow, and bytes never move faster than the wire allows. */
#include <stdlib.h>
#include <string.h>

#include "test_emu_util.h"

static int open_synced(struct th *t, unsigned baud, const char *name)
{
	struct emu_config c;

	th_config(&c);
	return th_open(t, &c, baud, name) == 0 && th_sync(t, NULL) == 8 ? 0 : -1;
}

static void test_mismatch_rom(void)
{
	struct th t;
	uint32_t v;

	if (open_synced(&t, 115200, "wire-rom") < 0) {
		fprintf(stderr, "setup failed\n");
		exit(1);
	}
	/* the ROM autobauds only before the first SYNC: now 230400 is foreign */
	th_set_baud(&t, 230400);
	th_drain(&t, 10);
	TH_CHECK(&t, th_sync(&t, NULL) == 0, "sync answered at a foreign baud");
	TH_CHECK(&t, th_read_reg(&t, 0x40001000, &v) < 0, "read_reg answered at a foreign baud");
	/* back at the right rate it works again */
	th_set_baud(&t, 115200);
	th_drain(&t, 10);
	TH_CHECK(&t, th_read_reg(&t, 0x40001000, &v) == 0 && v == 0xFFF0C101, "after returning");
	TH_CHECK(&t, th_log_count(&t, "\"who\":\"host\",\"baud\":230400") == 1, "host baud not logged");
	th_close(&t);
	th_finish(&t, "wire-rom");
	if (t.failures)
		exit(1);
}

static void test_autobaud_range(void)
{
	struct emu_config c;
	struct th t;

	th_config(&c);
	if (th_open(&t, &c, 2000000, "wire-range") < 0)
		exit(1);
	TH_CHECK(&t, th_sync(&t, NULL) == 0, "ROM synced at 2000000 (beyond autobaud range)");
	th_set_baud(&t, 1500000);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "ROM did not autobaud to 1500000");
	TH_CHECK(&t, emu_device_baud(t.e) == 1500000, "device baud %u", emu_device_baud(t.e));
	th_close(&t);
	th_finish(&t, "wire-range");
	if (t.failures)
		exit(1);
}

static void test_change_baud(void)
{
	struct th t;
	struct th_resp r;
	uint8_t d[8], junk[4096];

	if (open_synced(&t, 115200, "wire-baud") < 0 || th_load_stub(&t, 0x4010C504) < 0)
		exit(1);
	th_put32(d, 921600);
	th_put32(d + 4, 115200);
	/* the reply still comes at the old rate */
	TH_CHECK(&t, th_cmd(&t, 0x0F, d, 8, 0, &r, 500) == 0 && r.st[0] == 0, "CHANGE_BAUDRATE");
	th_sleep_ms(30);
	TH_CHECK(&t, emu_device_baud(t.e) == 921600, "device baud %u", emu_device_baud(t.e));
	/* a host that forgets to switch: nothing valid comes back */
	TH_CHECK(&t, th_sync(&t, NULL) == 0, "sync worked without switching");
	/* device-to-host at the wrong rate: stub SYNC answers are 96 bytes at
	 * 921600, seen at 115200 as ~12 junk bytes and no frame */
	th_set_baud(&t, 921600);
	th_drain(&t, 10);
	uint8_t s[36] = { 0x07, 0x07, 0x12, 0x20 };
	memset(s + 4, 0x55, 32);
	th_send_cmd(&t, 0x08, s, 36, 0);
	th_sleep_ms(1);
	th_set_baud(&t, 115200);
	size_t n = th_read_raw(&t, junk, sizeof junk, 60);
	TH_CHECK(&t, memchr(junk, 0xC0, n) == NULL, "a frame delimiter survived the baud mismatch");
	TH_CHECK(&t, n < 40, "junk length %zu (expected about 96 / 8)", n);
	th_set_baud(&t, 921600);
	th_drain(&t, 10);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync after switching");
	th_close(&t);
	th_finish(&t, "wire-baud");
	if (t.failures)
		exit(1);
}

/* Bytes never arrive faster than 10 bit times each, both directions. */
static void test_pacing(void)
{
	struct th t;
	struct th_resp r;
	uint8_t d[16];

	if (open_synced(&t, 230400, "wire-pace") < 0)
		exit(1);
	/* RX: a 6 KiB MEM_DATA frame takes ~270 ms to arrive at 230400 */
	uint8_t *blk = malloc(16 + 0x1800);
	th_put32(d, 0x1800);
	th_put32(d + 4, 1);
	th_put32(d + 8, 0x1800);
	th_put32(d + 12, 0x40100000);
	TH_CHECK(&t, th_cmd(&t, 0x05, d, 16, 0, &r, 500) == 0, "MEM_BEGIN");
	th_put32(blk, 0x1800);
	th_put32(blk + 4, 0);
	th_put32(blk + 8, 0);
	th_put32(blk + 12, 0);
	memset(blk + 16, 0x11, 0x1800);
	double t0 = th_now();
	TH_CHECK(&t, th_cmd(&t, 0x07, blk, 16 + 0x1800, th_checksum(blk + 16, 0x1800), &r, 2000) == 0,
		 "MEM_DATA");
	double rx_wire = (8 + 16 + 0x1800 + 2 + 12) * 10.0 / 230400;
	double el = th_now() - t0;
	TH_CHECK(&t, el >= rx_wire, "request+reply took %.1f ms < wire %.1f ms", el * 1e3, rx_wire * 1e3);
	free(blk);

	/* TX: stub READ_FLASH of 256 KiB at 921600 */
	TH_CHECK(&t, th_load_stub(&t, 0x4010C504) == 0, "stub");
	th_put32(d, 921600);
	th_put32(d + 4, 230400);
	TH_CHECK(&t, th_cmd(&t, 0x0F, d, 8, 0, &r, 500) == 0, "baud");
	th_set_baud(&t, 921600);
	th_sleep_ms(20);
	th_drain(&t, 5);
	uint32_t len = 256 * 1024, got = 0;
	uint8_t pkt[8192];
	th_put32(d, 0);
	th_put32(d + 4, len);
	th_put32(d + 8, 4096);
	th_put32(d + 12, 64);
	uint64_t raw0 = t.raw_bytes;
	t0 = th_now();
	TH_CHECK(&t, th_cmd(&t, 0xD2, d, 16, 0, &r, 500) == 0, "READ_FLASH");
	while (got < len) {
		long n = th_read_frame(&t, pkt, sizeof pkt, 1000);
		if (n <= 0)
			break;
		got += (uint32_t)n;
		uint8_t ack[4];
		th_put32(ack, got);
		th_send_frame(&t, ack, 4);
	}
	long dn = th_read_frame(&t, pkt, sizeof pkt, 1000);
	el = th_now() - t0;
	double wire = (double)(t.raw_bytes - raw0) * 10.0 / 921600;
	TH_CHECK(&t, got == len && dn == 16, "read %u digest %ld", got, dn);
	TH_CHECK(&t, el >= wire, "received %llu bytes in %.1f ms < wire time %.1f ms",
		 (unsigned long long)(t.raw_bytes - raw0), el * 1e3, wire * 1e3);
	fprintf(stderr, "wire-pace: READ_FLASH 256 KiB at 921600: %.3f s, wire %.3f s, ratio %.3f\n",
		el, wire, el / wire);
	th_close(&t);
	th_finish(&t, "wire-pace");
	if (t.failures)
		exit(1);
}

static void en_pulse(struct th *t)
{
	emu_set_lines(t->e, 0, 1);
	th_sleep_ms(10);
	emu_set_lines(t->e, 0, 0);      /* EN rises with GPIO0 high: the application */
}

/* An application at 115200 read by a host at 921600 is pure junk. */
static void test_app_garble(void)
{
	struct emu_config c;
	struct th t;
	uint8_t buf[4096];

	th_config(&c);
	c.boot_download_at_start = 0;
	c.layout = EMU_LAYOUT_STOCK;    /* a bootable image: its firmware speaks */
	if (th_open(&t, &c, 921600, "wire-app") < 0)
		exit(1);
	en_pulse(&t);
	size_t n = th_read_raw(&t, buf, sizeof buf, 700);
	TH_CHECK(&t, n > 0 && memmem(buf, n, "SDK ver", 7) == NULL, "app text readable at 921600 "
		 "(%zu bytes)", n);
	TH_CHECK(&t, memchr(buf, 0xC0, n) == NULL, "delimiter in junk");
	th_set_baud(&t, 115200);
	en_pulse(&t);
	n = th_read_raw(&t, buf, sizeof buf, 700);
	TH_CHECK(&t, memmem(buf, n, "SDK ver: ", 9) != NULL, "app text not readable at 115200");
	TH_CHECK(&t, th_sync(&t, NULL) == 0, "application answered SYNC");
	th_close(&t);
	th_finish(&t, "wire-app");
	if (t.failures)
		exit(1);
}

int main(void)
{
	test_mismatch_rom();
	test_autobaud_range();
	test_change_baud();
	test_app_garble();
	test_pacing();
	return 0;
}
