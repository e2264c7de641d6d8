/* SPDX-License-Identifier: MIT */
/* probe: what is on this port?  Chip, MAC, crystal, flash id and size,
 * from the ROM loader alone. */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "json_text.h"

enum { OPT_JSON = CLI_OPT_CMD_BASE };

struct probe_args {
	int json;
};

static int probe_opt(void *user, int id, const char *arg)
{
	struct probe_args *a = user;
	(void)arg;
	if (id != OPT_JSON)
		return -1;
	a->json = 1;
	return 0;
}

/* Port names come from the command line and may hold anything. */
static void print_json(const struct cli_run *r)
{
	const struct esp_chip_info *ci = &r->chip;
	char mac[18], size_name[16];
	printf("{\"port\":");
	st_json_string(stdout, r->opts.port);
	printf(",\"chip\":");
	st_json_string(stdout, ci->name);
	printf(",\"mac\":\"%s\"", esp_mac_str(ci->mac, mac));
	const char *family = esp_chip_family_name(ci->chip);
	printf(",\"family\":");
	st_json_string(stdout, family ? family : "");
	printf(",\"description\":");
	st_json_string(stdout, ci->description[0] ? ci->description : ci->name);
	if (ci->security.known) {
		const struct esp_security *sec = &ci->security;
		printf(",\"revision\":\"v%u.%u\",\"security\":{\"flash_encryption\":%s,"
		       "\"secure_boot\":%s,\"secure_download\":%s,\"dl_encrypt_disabled\":%s}",
		       ci->rev_major, ci->rev_minor, sec->flash_encrypted ? "true" : "false",
		       sec->secure_boot ? "true" : "false", sec->secure_download ? "true" : "false",
		       sec->dl_encrypt_disabled ? "true" : "false");
	}
	if (ci->crystal_mhz)
		printf(",\"crystal_mhz\":%u", ci->crystal_mhz);
	else
		printf(",\"crystal_mhz\":null");
	printf(",\"flash_id\":\"0x%06x\",\"flash_manufacturer\":\"0x%02x\",\"flash_device\":\"0x%04x\"",
	       (unsigned)ci->flash_id, ci->flash_manuf, ci->flash_device);
	if (ci->flash_size)
		printf(",\"flash_size\":%u,\"flash_size_name\":\"%s\"}\n", (unsigned)ci->flash_size,
		       esp_flash_size_name(ci->flash_size, size_name, sizeof size_name));
	else
		printf(",\"flash_size\":null,\"flash_size_name\":null}\n");
}

static void print_text(const struct cli_run *r)
{
	const struct esp_chip_info *ci = &r->chip;
	char mac[18], size_name[16];
	printf("Port:        %s\n", r->opts.port);
	printf("Chip:        %s\n", ci->description[0] ? ci->description : ci->name);
	printf("MAC:         %s\n", esp_mac_str(ci->mac, mac));
	if (ci->security.known) {
		const struct esp_security *sec = &ci->security;
		int any = sec->flash_encrypted || sec->secure_boot || sec->secure_download;
		printf("Security:    %s%s%s%s%s\n", any ? "" : "none (flash encryption off, secure boot off)",
		       sec->flash_encrypted ? "flash encryption ON " : "",
		       sec->secure_boot ? "secure boot ON " : "",
		       sec->secure_download ? "Secure Download Mode " : "",
		       any ? "- this unit cannot be refurbished" : "");
	}
	/* 0: the clock divider could not be measured against a known host baud
	 * rate, as through a TCP serial server. */
	if (ci->crystal_mhz)
		printf("Crystal:     %u MHz\n", ci->crystal_mhz);
	else if (strncmp(r->opts.port, "socket://", 9) == 0)
		printf("Crystal:     unknown (not measurable through a TCP serial server)\n");
	else
		printf("Crystal:     unknown\n");
	printf("Flash ID:    0x%06x (manufacturer 0x%02x, device 0x%04x)\n", (unsigned)ci->flash_id,
	       ci->flash_manuf, ci->flash_device);
	if (ci->flash_size)
		printf("Flash size:  %s (%u bytes)\n",
		       esp_flash_size_name(ci->flash_size, size_name, sizeof size_name),
		       (unsigned)ci->flash_size);
	else
		printf("Flash size:  unknown (the JEDEC capacity code is not in the table)\n");
}

int cmd_probe(int argc, char **argv)
{
	static const struct option extra[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0},
	};
	struct probe_args a = {0};
	const struct cli_parser ps = {
		.cmd = "probe", .extra = extra, .handle = probe_opt, .user = &a, .need_port = 1,
	};
	struct cli_run r = {0};
	int first;
	int rc = cli_parse(&ps, argc, argv, &r.opts, &first);
	if (rc >= 0)
		return rc;
	/* stdout must hold nothing but the object. */
	r.quiet_info = a.json;
	cli_run_init(&r);
	rc = cli_connect(&r, 0);
	if (rc == CLI_EXIT_OK) {
		if (a.json)
			print_json(&r);
		else
			print_text(&r);
		fflush(stdout);
	}
	return cli_finish(&r, rc);
}
