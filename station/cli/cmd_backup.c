/* SPDX-License-Identifier: MIT */
/* backup: the whole real flash into a file, proven against the chip's MD5,
 * written atomically with mode 0600. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "esp_hash.h"
#include "file_io.h"

/* Re-reads of a chunk whose data does not match the chip's MD5 before the
 * backup is declared corrupt: brown-out reads come in short bursts. */
#define BACKUP_RETRIES 3

enum { OPT_FORCE = CLI_OPT_CMD_BASE, OPT_OUTPUT = 'o' };

struct backup_args {
	const char *out;
	int force;
};

static int backup_opt(void *user, int id, const char *arg)
{
	struct backup_args *a = user;
	if (id == OPT_OUTPUT)
		a->out = arg;
	else if (id == OPT_FORCE)
		a->force = 1;
	else
		return -1;
	return 0;
}

/* Everything that can be known about the output before a minute-long read:
 * checked before the port is even opened. */
static int check_output(const struct backup_args *a)
{
	if (!a->out)
		return cli_fail(CLI_EXIT_USAGE, "backup: -o FILE is required");
	if (!*a->out)
		return cli_fail(CLI_EXIT_USAGE, "backup: -o '': the output file name is empty");
	char err[FIO_ERR_LEN];
	if (fio_check_output(a->out, a->force, err) != 0)
		return cli_fail(CLI_EXIT_FILE, "backup: %s", err);
	return 0;
}

static int read_and_save(struct cli_run *r, const struct backup_args *a)
{
	uint32_t size = cli_flash_size(r);
	if (!size)
		return cli_fail(CLI_EXIT_REFUSED, "flash size unknown (JEDEC id 0x%06x): cannot tell "
				"how much to back up", (unsigned)r->chip.flash_id);
	uint8_t *buf = malloc(size);
	if (!buf)
		return cli_fail(CLI_EXIT_FILE, "out of memory for a %u byte backup", (unsigned)size);
	int rc = 0;
	const struct esp_backup_plan plan = {.retries = BACKUP_RETRIES};
	struct esp_backup_result res = {0};
	if (esp_flash_backup(r->s, 0, size, buf, &plan, &res) != ESP_OK)
		rc = cli_fail_session(r, "cannot back up the flash");
	else
		cli_info(r, "Read %llu of %u bytes; %u of %u sectors hold data",
			 (unsigned long long)res.bytes_read, (unsigned)size,
			 (unsigned)res.sectors_data, (unsigned)(size / 4096));
	char err[FIO_ERR_LEN];
	int w = rc ? 0 : fio_write_atomic(a->out, buf, size, a->force, r->cancel, err);
	if (w == -2)
		rc = cli_fail(CLI_EXIT_CANCELLED, "backup: cancelled; %s not written", a->out);
	else if (w < 0)
		rc = cli_fail(CLI_EXIT_FILE, "cannot save the backup: %s", err);
	if (rc == 0) {
		uint8_t md5[ESP_MD5_LEN], sha[ESP_SHA256_LEN];
		char hex[2 * ESP_SHA256_LEN + 1], name[16];
		esp_md5(buf, size, md5);
		esp_sha256(buf, size, sha);
		progress_break(&r->prog);
		char mac[18];
		printf("Backup:   %s\n", a->out);
		printf("MAC:      %s\n", esp_mac_str(r->chip.mac, mac));
		printf("Size:     %u bytes (%s)\n", (unsigned)size,
		       esp_flash_size_name(size, name, sizeof name));
		printf("MD5:      %s\n", esp_hex(md5, sizeof md5, hex));
		printf("SHA-256:  %s\n", esp_hex(sha, sizeof sha, hex));
		fflush(stdout);
	}
	free(buf);
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	static const struct option extra[] = {
		{"output", required_argument, NULL, OPT_OUTPUT},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	struct backup_args a = {0};
	const struct cli_parser ps = {
		.cmd = "backup", .extra = extra, .short_opts = "o:", .handle = backup_opt,
		.user = &a, .need_port = 1,
	};
	struct cli_run r = {0};
	int first;
	int rc = cli_parse(&ps, argc, argv, &r.opts, &first);
	if (rc >= 0)
		return rc;
	rc = check_output(&a);
	if (rc)
		return rc;
	cli_run_init(&r);
	rc = cli_connect(&r, 1);
	if (rc == 0)
		rc = cli_start_stub(&r);
	if (rc == 0)
		rc = read_and_save(&r, &a);
	return cli_finish(&r, rc);
}
