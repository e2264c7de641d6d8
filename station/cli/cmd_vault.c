/* SPDX-License-Identifier: MIT */
/* vault import: a backup made by hand (esptool's read_flash, the tutorial's
 * image1M.bin) into the vault, for one MAC.  Checked first (a whole flash:
 * a power of two from 256 KiB to 16 MiB, not blank; a boot image at 0x0, or
 * a warning), stored 0600 like every backup, recorded as `imported` with who
 * imported it and from which file.  Restore then treats it as the unit's
 * original when it has none, and writes it onto that MAC only. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_cmds.h"
#include "cli_common.h"
#include "db.h"
#include "esp_hash.h"
#include "file_io.h"
#include "vault_import.h"

enum { OPT_MAC = CLI_OPT_CMD_BASE, OPT_DB, OPT_CONFIG };

struct vault_args {
	const char *mac, *db, *config;
};

static int vault_opt(void *user, int id, const char *arg)
{
	struct vault_args *a = user;
	switch (id) {
	case OPT_MAC: a->mac = arg; return 0;
	case OPT_DB: a->db = arg; return 0;
	case OPT_CONFIG: a->config = arg; return 0;
	}
	return -1;
}

/* Who runs this: the operator behind sudo if any, else the login. */
static const char *operator_name(void)
{
	const char *s = getenv("SUDO_USER");
	if (s && *s)
		return s;
	const struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

/* A whole flash, not blank; a boot image at 0x0 or a warning. */
static int check_file(const char *path, const uint8_t *d, size_t n)
{
	if (n < 0x40000 || n > 0x1000000 || (n & (n - 1)))
		return cli_fail(CLI_EXIT_REFUSED, "vault import: %s is %zu bytes: a backup is a whole "
				"flash, a power of two from 256 KiB to 16 MiB (was it read with "
				"'read_flash 0 0x100000'?)", path, n);
	if (esp_is_erased(d, n))
		return cli_fail(CLI_EXIT_REFUSED, "vault import: %s is all 0xFF: a blank flash holds "
				"no firmware to restore", path);
	struct esp_image_info info;
	struct esp_error err = {0};
	if (d[0] != ESP_IMAGE_MAGIC || esp_image_parse(d, n, &info, &err) != ESP_OK)
		fprintf(stderr, "warning: %s has no valid ESP8266 boot image at 0x0 (first byte "
			"0x%02x): stored anyway; check it is the unit's flash\n", path, d[0]);
	return 0;
}

static int import(struct db *db, const struct st_config *cfg, const char *mac, const char *path,
		  const uint8_t *d, size_t n)
{
	int64_t backup_id = 0;
	char stored[512], verr[VAULT_ERR_LEN], shahex[65];
	if (vault_store(cfg->backup_dir, mac, d, n, NULL, stored, sizeof stored, verr))
		return cli_fail(CLI_EXIT_FILE, "vault import: %s", verr);
	const char *base = strrchr(path, '/');
	const struct vault_import im = {
		.mac = mac, .path = stored, .data = d, .len = n, .imported_by = operator_name(),
		.imported_from = base ? base + 1 : path,
	};
	if (vault_import_record(db, &im, &backup_id, shahex) != 0)
		return cli_fail(CLI_EXIT_FILE, "vault import: %s stored but not recorded: %s (remove "
				"it and import again)", stored, db_errmsg(db));
	printf("Imported %s for %s as backup %" PRId64 ": %s (SHA-256 %s)\n", path, mac, backup_id,
	       stored, shahex);
	return 0;
}

int cmd_vault(int argc, char **argv)
{
	static const struct option extra[] = {
		{"mac", required_argument, NULL, OPT_MAC},
		{"db", required_argument, NULL, OPT_DB},
		{"config", required_argument, NULL, OPT_CONFIG},
		{NULL, 0, NULL, 0},
	};
	struct vault_args a = {0};
	const struct cli_parser ps = {
		.cmd = "vault", .extra = extra, .handle = vault_opt, .user = &a,
		.min_args = 2, .max_args = 2,
	};
	struct cli_opts o;
	int first;
	int rc = cli_parse(&ps, argc, argv, &o, &first);
	if (rc >= 0)
		return rc;
	if (strcmp(argv[first], "import") != 0)
		return cli_fail(CLI_EXIT_USAGE, "vault: unknown action '%s'; use 'vault import --mac "
				"MAC FILE'", argv[first]);
	char mac[DB_MAC_LEN];
	if (!a.mac || db_mac_normalize(a.mac, mac) != 0)
		return cli_fail(CLI_EXIT_USAGE, "vault import: --mac MAC is required: the eFuse MAC "
				"of the unit the file was read from (e.g. 5c:cf:7f:01:02:03)");
	/* the file first: a bad one changes nothing, not even the database */
	char err[FIO_ERR_LEN];
	uint8_t *d;
	size_t n;
	const char *path = argv[first + 1];
	if (fio_read_all(path, 0, &d, &n, err) != 0)
		return cli_fail(CLI_EXIT_FILE, "vault import: %s", err);
	struct st_config cfg;
	struct db *db = NULL;
	rc = check_file(path, d, n);
	if (rc == 0)
		rc = cli_open_db("vault import", a.db, a.config, 0, &cfg, &db);
	if (rc == 0)
		rc = import(db, &cfg, mac, path, d, n);
	db_close(db);
	free(d);
	return rc;
}
