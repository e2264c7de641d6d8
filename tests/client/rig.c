/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rig.h"

void rig_defaults(struct emu_config *cfg)
{
	emu_config_defaults(cfg);
	static const uint8_t mac[6] = {0x5c, 0xcf, 0x7f, 0x01, 0x02, 0x03};
	memcpy(cfg->mac, mac, 6);
	cfg->fast_flash = 1;
	cfg->flash_size = 1u << 20;
	cfg->boot_download_at_start = 0; /* only a working auto-reset gets us in */
	cfg->faults.seed = 1;
}

void rig_defaults_chip(struct emu_config *cfg, enum emu_chip chip)
{
	emu_config_defaults(cfg);
	emu_config_chip(cfg, chip);
	cfg->fast_flash = 1;
	cfg->flash_size = 1u << 20;
	cfg->boot_download_at_start = 0;
	cfg->faults.seed = 1;
}

enum esp_chip rig_esp_chip(enum emu_chip chip)
{
	switch (chip) {
	case EMU_ESP8266EX: return ESP_CHIP_ESP8266EX;
	case EMU_ESP8285: return ESP_CHIP_ESP8285;
	case EMU_ESP32: return ESP_CHIP_ESP32;
	case EMU_ESP32C3: return ESP_CHIP_ESP32C3;
	}
	return ESP_CHIP_UNKNOWN;
}

static enum esp_err route_lines(void *user_data, int dtr, int rts)
{
	struct rig *r = user_data;
	/* -1 = unchanged; the emulator wants absolute levels */
	if (dtr >= 0)
		r->dtr = dtr;
	if (rts >= 0)
		r->rts = rts;
	r->lines_calls++;
	emu_set_lines(r->emu, r->dtr, r->rts);
	return ESP_OK;
}

void rig_open(struct rig *r, const struct emu_config *cfg, unsigned rom_baud, unsigned stub_baud)
{
	rig_open_ex(r, cfg, rom_baud, stub_baud, 0);
}

void rig_open_ex(struct rig *r, const struct emu_config *cfg, unsigned rom_baud, unsigned stub_baud,
		 int no_compress)
{
	memset(r, 0, sizeof *r);
	char err[256];
	struct emu_config c = *cfg;
	snprintf(r->log_path, sizeof r->log_path, "/tmp/espstation-rig-%d-%p.log", (int)getpid(),
		 (void *)r);
	if (!c.log_path)
		c.log_path = r->log_path;
	r->emu = emu_new(&c, err, sizeof err);
	if (!r->emu) {
		fprintf(stderr, "emu_new: %s\n", err);
		exit(1);
	}
	CHECK(emu_open_pty(&r->master, r->slave, sizeof r->slave, NULL) == 0);
	CHECK(emu_start(r->emu, r->master, 1) == 0);
	int fd = open(r->slave, O_RDWR | O_NOCTTY);
	CHECK(fd >= 0);
	struct esp_error open_err;
	struct xport *x;
	enum esp_err e = xport_fd_open(fd, r->slave, rom_baud, route_lines, r, &open_err, &x);
	if (e) {
		fprintf(stderr, "xport_fd_open: %s\n", open_err.msg);
		exit(1);
	}
	struct esp_session_cfg sc = {.rom_baud = rom_baud, .stub_baud = stub_baud, .connect_ms = 8000,
				      .no_compress = no_compress};
	CHECK(esp_session_open(x, &sc, &r->s) == ESP_OK);
	CHECK(esp_stub_builtin_for(rig_esp_chip(cfg->chip), &r->stub, NULL) == ESP_OK);
}

void rig_close(struct rig *r)
{
	esp_session_close(r->s);
	emu_stop(r->emu);
	/* after an unplug the emulator has closed the master itself */
	int unplugged = emu_is_unplugged(r->emu);
	emu_free(r->emu);
	if (!unplugged)
		close(r->master);
	esp_stub_free(&r->stub);
	unlink(r->log_path);
}

void rig_ready(struct rig *r, struct esp_chip_info *ci)
{
	struct esp_reset_plan plan = {.mode = ESP_RESET_AUTO};
	CHECK_OK(r, esp_connect(r->s, &plan));
	CHECK_OK(r, esp_detect(r->s, ci));
	CHECK_OK(r, esp_stub_start(r->s, &r->stub));
}

uint8_t *rig_flash(struct rig *r, uint32_t *ret_len)
{
	uint32_t n = emu_flash_size(r->emu);
	uint8_t *b = malloc(n);
	CHECK(b && emu_get_flash(r->emu, b, n) == 0);
	*ret_len = n;
	return b;
}

uint8_t *rig_random(uint32_t len, uint32_t seed)
{
	uint8_t *b = malloc(len);
	uint32_t x = seed ? seed : 1;
	for (uint32_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
	return b;
}

int rig_log_wait(struct rig *r, const char *needle, unsigned max_ms)
{
	int n = rig_log_count(r, needle);
	/* the emulator's thread writes its log on its own time: a line that is
	 * due may not be on disk yet */
	for (unsigned waited = 0; n <= 0 && waited < max_ms; waited += 20) {
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
		n = rig_log_count(r, needle);
	}
	return n;
}

int rig_log_count(struct rig *r, const char *needle)
{
	FILE *f = fopen(r->log_path, "r");
	if (!f)
		return -1;
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}
