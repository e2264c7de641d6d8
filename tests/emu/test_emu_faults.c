/* SPDX-License-Identifier: MIT */
/* Seeded faults and boot wiring: never_boot, bare adapter + power cycle,
 * brown-out reads (digest stays truthful), lying writes (MD5 exposes them),
 * byte flips reproducible from the seed, unplug_after hang-up. */
#include <errno.h>
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "test_emu_util.h"

static void md5_of(const uint8_t *p, size_t n, uint8_t out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, n, p);
	md5_digest(&c, MD5_DIGEST_SIZE, out);
}

static int stub_at(struct th *t, struct emu_config *c, unsigned baud, const char *name)
{
	struct th_resp r;
	uint8_t d[8];

	if (th_open(t, c, 1500000, name) < 0 || th_sync(t, NULL) != 8 ||
	    th_load_stub(t, 0x4010C504) < 0)
		return -1;
	th_put32(d, baud);
	th_put32(d + 4, 1500000);
	if (th_cmd(t, 0x0F, d, 8, 0, &r, 500) < 0)
		return -1;
	th_set_baud(t, baud);
	th_sleep_ms(20);
	th_drain(t, 5);
	return th_sync(t, NULL) == 8 ? 0 : -1;
}

/* READ_FLASH into out; returns 0 and the digest frame. */
static int read_all(struct th *t, uint32_t off, uint32_t len, uint8_t *out, uint8_t digest[16])
{
	uint8_t d[16], pkt[8192];
	struct th_resp r;
	uint32_t got = 0;

	th_put32(d, off);
	th_put32(d + 4, len);
	th_put32(d + 8, 4096);
	th_put32(d + 12, 64);
	if (th_cmd(t, 0xD2, d, 16, 0, &r, 1000) < 0)
		return -1;
	while (got < len) {
		long n = th_read_frame(t, pkt, sizeof pkt, 500);
		if (n <= 0 || got + (uint32_t)n > len)
			return -1;
		memcpy(out + got, pkt, (size_t)n);
		got += (uint32_t)n;
		th_put32(d, got);
		th_send_frame(t, d, 4);
	}
	return th_read_frame(t, digest, 16, 1000) == 16 ? 0 : -1;
}

static void test_never_boot(void)
{
	struct emu_config c;
	struct th t;

	th_config(&c);
	c.faults.never_boot = 1;
	if (th_open(&t, &c, 115200, "never-boot") < 0)
		exit(1);
	TH_CHECK(&t, th_reset_and_sync(&t) < 0, "synced although never_boot");
	TH_CHECK(&t, !emu_in_download_mode(t.e), "in download mode");
	TH_CHECK(&t, th_log_count(&t, "\"kind\":\"never_boot\"") >= 1, "fault not logged");
	th_close(&t);
	if (th_finish(&t, "never-boot"))
		exit(1);
}

/* esptool's "hard reset" (RTS pulse, DTR idle): GPIO0 high, the app runs;
 * the classic sequence gets back into the loader. */
static void test_hard_reset(void)
{
	struct emu_config c;
	struct th t;

	th_config(&c);
	if (th_open(&t, &c, 115200, "hard-reset") < 0 || th_sync(&t, NULL) != 8)
		exit(1);
	emu_set_lines(t.e, 0, 1);
	th_sleep_ms(20);
	emu_set_lines(t.e, 0, 0);
	th_sleep_ms(30);
	th_drain(&t, 10);
	TH_CHECK(&t, !emu_in_download_mode(t.e), "still in the loader after a hard reset");
	TH_CHECK(&t, th_sync(&t, NULL) == 0, "application answered SYNC");
	TH_CHECK(&t, th_reset_and_sync(&t) == 0, "classic reset did not reach the loader");
	th_close(&t);
	if (th_finish(&t, "hard-reset"))
		exit(1);
}

static void test_bare_adapter(void)
{
	struct emu_config c;
	struct th t;

	th_config(&c);
	c.wiring = EMU_WIRING_NONE;
	c.boot_download_at_start = 0;
	if (th_open(&t, &c, 115200, "bare") < 0)
		exit(1);
	TH_CHECK(&t, th_reset_and_sync(&t) < 0, "DTR/RTS reset worked without wiring");
	emu_power_cycle(t.e, 1);        /* operator holds the button while powering */
	th_sleep_ms(80);
	th_drain(&t, 10);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "no sync after power cycle with GPIO0 held");
	emu_power_cycle(t.e, 0);
	th_sleep_ms(80);
	th_drain(&t, 10);
	TH_CHECK(&t, th_sync(&t, NULL) == 0, "sync after a normal power cycle");
	th_close(&t);
	if (th_finish(&t, "bare"))
		exit(1);
}

static void test_brownout(void)
{
	struct emu_config c;
	struct th t;
	uint32_t len = 1u << 20;
	uint8_t *got = malloc(len), *flash = malloc(len), digest[16], truth[16];

	th_config(&c);
	c.faults.seed = 7;
	c.faults.brownout_reads = 3;
	if (stub_at(&t, &c, 3000000, "brownout") < 0)
		exit(1);
	TH_CHECK(&t, read_all(&t, 0, len, got, digest) == 0, "read");
	emu_get_flash(t.e, flash, len);
	md5_of(flash, len, truth);
	TH_CHECK(&t, memcmp(digest, truth, 16) == 0, "digest frame not truthful");
	int bad_pkts = 0;
	for (uint32_t p = 0; p < len / 4096; p++)
		bad_pkts += memcmp(got + p * 4096, flash + p * 4096, 4096) != 0;
	TH_CHECK(&t, bad_pkts == 3, "%d corrupted packets, wanted 3", bad_pkts);
	TH_CHECK(&t, th_log_count(&t, "\"kind\":\"brownout_read\"") == 3, "faults not logged");
	/* the second read of the same range is clean */
	TH_CHECK(&t, read_all(&t, 0, 65536, got, digest) == 0 && memcmp(got, flash, 65536) == 0,
		 "re-read not clean");
	th_close(&t);
	free(got);
	free(flash);
	if (th_finish(&t, "brownout"))
		exit(1);
}

static void test_lie_write(void)
{
	struct emu_config c;
	struct th t;
	struct th_resp r;
	uint32_t len = 20000, off = 0x10000;
	uint8_t *data = malloc(len), d[20], md5[16];
	uLongf clen = compressBound(len);
	uint8_t *z = malloc(16 + clen);

	th_config(&c);
	c.faults.seed = 3;
	c.faults.lie_writes = 1;
	if (stub_at(&t, &c, 3000000, "lie") < 0)
		exit(1);
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	compress2(z + 16, &clen, data, len, 9);
	th_put32(d, len);
	th_put32(d + 4, 1);
	th_put32(d + 8, 0x4000);
	th_put32(d + 12, off);
	TH_CHECK(&t, th_cmd(&t, 0x10, d, 16, 0, &r, 500) == 0 && r.st[0] == 0, "DEFL_BEGIN");
	th_put32(z, (uint32_t)clen);
	th_put32(z + 4, 0);
	th_put32(z + 8, 0);
	th_put32(z + 12, 0);
	TH_CHECK(&t, th_cmd(&t, 0x11, z, 16 + clen, th_checksum(z + 16, clen), &r, 1000) == 0 &&
		 r.st[0] == 0, "DEFL_DATA");
	th_put32(d, 1);
	TH_CHECK(&t, th_cmd(&t, 0x12, d, 4, 0, &r, 1000) == 0 && r.st[0] == 0, "the lie: END reports OK");
	memset(d, 0, 16);
	th_put32(d, off);
	th_put32(d + 4, len);
	TH_CHECK(&t, th_cmd(&t, 0x13, d, 16, 0, &r, 1000) == 0 && r.dlen == 16, "MD5");
	md5_of(data, len, md5);
	TH_CHECK(&t, memcmp(md5, r.data, 16) != 0, "MD5 matches although a write lied");
	TH_CHECK(&t, th_log_count(&t, "\"kind\":\"lie_write\"") == 1, "lie not logged");
	th_close(&t);
	free(data);
	free(z);
	if (th_finish(&t, "lie"))
		exit(1);
}

/* Same seed, same flips: two devices read the same flash identically wrong. */
static void read_flipped(uint64_t seed, uint8_t *out, uint32_t len, const char *name)
{
	struct emu_config c;
	struct th t;
	struct th_resp r;
	uint8_t d[16];

	th_config(&c);
	memset(out, 0, len);
	if (stub_at(&t, &c, 3000000, name) == 0) {
		struct emu_faults f = { .seed = seed, .flip_ppm = 2000 };
		emu_set_faults(t.e, &f);
		th_put32(d, 0);
		th_put32(d + 4, len);
		th_put32(d + 8, 4096);
		th_put32(d + 12, 64);
		th_send_cmd(&t, 0xD2, d, 16, 0);
		(void)r;
		th_read_raw(&t, out, len, 300);     /* raw wire bytes, no ACKs: one packet */
	}
	th_close(&t);
	unlink(t.log_path);
}

static void test_seeded(void)
{
	uint32_t len = 4096;
	uint8_t *a = malloc(len), *b = malloc(len), *c = malloc(len);
	struct th t = { .failures = 0 };

	read_flipped(11, a, len, "seed-a");
	read_flipped(11, b, len, "seed-b");
	read_flipped(12, c, len, "seed-c");
	TH_CHECK(&t, memcmp(a, b, len) == 0, "same seed, different bytes");
	TH_CHECK(&t, memcmp(a, c, len) != 0, "different seeds, same bytes");
	free(a);
	free(b);
	free(c);
	if (th_finish(&t, "seeded"))
		exit(1);
}

static void test_unplug_after(void)
{
	struct emu_config c;
	struct th t;
	uint8_t buf[256];

	th_config(&c);
	c.faults.unplug_after = 300;
	if (th_open(&t, &c, 115200, "unplug") < 0)
		exit(1);
	int n = 0;
	while (n < 10 && th_sync(&t, NULL) == 8)
		n++;
	/* SYNC is 46 bytes out, 96 back: the third one crosses 300 bytes */
	TH_CHECK(&t, n == 2, "%d syncs before the hang-up", n);
	TH_CHECK(&t, emu_is_unplugged(t.e), "not unplugged");
	ssize_t r = read(t.slave, buf, sizeof buf);
	TH_CHECK(&t, r == 0 || (r < 0 && errno == EIO), "host read after hang-up: %zd", r);
	TH_CHECK(&t, th_log_count(&t, "\"ev\":\"unplug\"") == 1, "unplug not logged");
	th_close(&t);
	if (th_finish(&t, "unplug"))
		exit(1);
}

int main(void)
{
	test_never_boot();
	test_hard_reset();
	test_bare_adapter();
	test_brownout();
	test_lie_write();
	test_seeded();
	test_unplug_after();
	return 0;
}
