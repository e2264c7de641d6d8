/* SPDX-License-Identifier: MIT */
/* erase: the whole chip, or one 4 KiB aligned region (stub). */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"
#include "cli_common.h"

#define ERASE_SECTOR 0x1000u

enum { OPT_REGION = CLI_OPT_CMD_BASE };

struct erase_args {
	int region;
	uint32_t addr, len;
};

static int erase_opt(void *user, int id, const char *arg)
{
	struct erase_args *a = user;
	if (id != OPT_REGION)
		return -1;
	if (cli_parse_region(arg, &a->addr, &a->len) < 0 || a->len == 0 ||
	    a->addr % ERASE_SECTOR || a->len % ERASE_SECTOR)
		return cli_fail(-1, "erase: --region wants ADDR:LEN, both multiples of 4 KiB "
				"(e.g. 0xfc000:0x4000), not '%s'", arg);
	a->region = 1;
	return 0;
}

/* Checked before the stub goes up, so that a refused erase leaves the unit
 * as it was. */
static int check_erase(struct cli_run *r, const struct erase_args *a)
{
	uint32_t flash = cli_flash_size(r);
	char name[16];
	if (a->region && flash && (a->addr >= flash || a->len > flash - a->addr))
		return cli_fail(CLI_EXIT_REFUSED, "region 0x%x+0x%x ends beyond the %s flash",
				(unsigned)a->addr, (unsigned)a->len,
				esp_flash_size_name(flash, name, sizeof name));
	if (!a->region && !flash)
		return cli_fail(CLI_EXIT_REFUSED, "flash size unknown (JEDEC id 0x%06x); erase a "
				"--region instead", (unsigned)r->chip.flash_id);
	return 0;
}

static int do_erase(struct cli_run *r, const struct erase_args *a)
{
	uint32_t flash = cli_flash_size(r);
	char name[16];
	if (a->region) {
		if (esp_flash_erase_region(r->s, a->addr, a->len) != ESP_OK)
			return cli_fail_session(r, "cannot erase 0x%x+0x%x", (unsigned)a->addr,
						(unsigned)a->len);
		cli_info(r, "Erased 0x%06x..0x%06x", (unsigned)a->addr, (unsigned)(a->addr + a->len - 1));
		return 0;
	}
	if (esp_flash_erase_chip(r->s, flash) != ESP_OK)
		return cli_fail_session(r, "cannot erase the flash");
	cli_info(r, "Erased the whole flash (%s)", esp_flash_size_name(flash, name, sizeof name));
	return 0;
}

int cmd_erase(int argc, char **argv)
{
	static const struct option extra[] = {
		{"region", required_argument, NULL, OPT_REGION},
		{NULL, 0, NULL, 0},
	};
	struct erase_args a = {0};
	const struct cli_parser ps = {
		.cmd = "erase", .extra = extra, .handle = erase_opt, .user = &a, .need_port = 1,
	};
	struct cli_run r = {0};
	int first;
	int rc = cli_parse(&ps, argc, argv, &r.opts, &first);
	if (rc >= 0)
		return rc;
	cli_run_init(&r);
	rc = cli_connect(&r, 1);
	if (rc == 0)
		rc = check_erase(&r, &a);
	if (rc == 0)
		rc = cli_start_stub(&r);
	if (rc == 0)
		rc = do_erase(&r, &a);
	return cli_finish(&r, rc);
}
