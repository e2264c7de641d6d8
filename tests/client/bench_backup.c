/* SPDX-License-Identifier: MIT */
/* Benchmark: back up an emulated 1 MiB flash at 921600 baud through the
 * chip's stub and compare the read time with the wire time (bytes x 10 /
 * baud).  Prints figures; only a wrong backup fails it.
 * Usage: bench_backup [baud] [flash bytes] [chip: esp8266ex|esp32|esp32c3] */
#include <string.h>
#include <time.h>

#include "rig.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned baud = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 921600u;
	uint32_t size = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 1u << 20;
	enum emu_chip chip = EMU_ESP8266EX;
	if (argc > 3 && emu_chip_parse(argv[3], &chip) != 0) {
		fprintf(stderr, "bench_backup: unknown chip '%s'\n", argv[3]);
		return 2;
	}
	struct emu_config c;
	rig_defaults_chip(&c, chip);
	c.fast_flash = 0; /* real flash timing for the chip's MD5 */
	c.flash_size = size;
	struct rig r;
	double t0 = now_s();
	rig_open(&r, &c, 115200, baud);
	struct esp_chip_info ci;
	rig_ready(&r, &ci);
	double t1 = now_s();
	uint8_t *b = malloc(size);
	CHECK_OK(&r, esp_flash_read(r.s, 0, size, b));
	double t2 = now_s();
	uint8_t md5[16];
	CHECK_OK(&r, esp_flash_md5(r.s, 0, size, md5));
	double t3 = now_s();
	uint32_t n;
	uint8_t *orig = rig_flash(&r, &n);
	CHECK(memcmp(orig, b, size) == 0);
	double wire = (double)size * 10.0 / baud;
	printf("backup benchmark: %s, %u bytes at %u baud (stub)\n", ci.description, size, baud);
	printf("  connect+detect+stub : %7.3f s\n", t1 - t0);
	printf("  READ_FLASH          : %7.3f s   wire time %.3f s   ratio %.3f (target <= 1.15)\n",
	       t2 - t1, wire, (t2 - t1) / wire);
	printf("  chip MD5            : %7.3f s\n", t3 - t2);
	printf("  backup total        : %7.3f s   ratio to wire time %.3f\n", t3 - t1,
	       (t3 - t1) / wire);
	printf("  throughput          : %7.1f KiB/s (wire limit %.1f KiB/s)\n",
	       size / 1024.0 / (t2 - t1), baud / 10.0 / 1024.0);
	free(orig);
	free(b);
	rig_close(&r);
	return 0;
}
