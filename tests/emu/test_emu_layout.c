/* SPDX-License-Identifier: MIT */
/* Initial flash layouts: "simple" (the default) is byte for byte what it
 * always was; "stock" has a valid boot loader image at 0, a v2 user1 image
 * at 0x1000, the cloud identity (with the MAC) and Wi-Fi sectors where the
 * SDK keeps them, nothing outside its regions, about 60 % of a 1 MB unit
 * erased, deterministic from seed and MAC, scaled for 256 KB..16 MB; "blank"
 * is all 0xFF; the log's "config" and "layout" events describe it. */
#include <nettle/md5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_emu_util.h"

#define KB 1024u
#define MB (1024u * 1024u)

struct unit {
	struct emu *e;
	uint8_t *flash;
	uint32_t size;
	struct emu_region reg[EMU_MAX_REGIONS];
	unsigned nreg;
	char log_path[128];
};

static int unit_new(struct th *t, struct unit *u, enum emu_layout l, uint32_t size, uint64_t seed,
		    const uint8_t mac[6])
{
	struct emu_config c;
	char err[256];
	static int no;

	th_config(&c);
	c.layout = l;
	c.flash_size = size;
	c.faults.seed = seed;
	if (mac)
		memcpy(c.mac, mac, 6);
	snprintf(u->log_path, sizeof u->log_path, "/tmp/emu-test-layout-%ld-%d.jsonl", (long)getpid(),
		 no++);
	c.log_path = u->log_path;
	u->e = emu_new(&c, err, sizeof err);
	TH_CHECK(t, u->e != NULL, "emu_new: %s", err);
	if (!u->e)
		return -1;
	u->size = size;
	u->flash = malloc(size);
	emu_get_flash(u->e, u->flash, size);
	u->nreg = emu_layout_regions(u->e, u->reg, EMU_MAX_REGIONS);
	return 0;
}

static void unit_free(struct th *t, struct unit *u)
{
	emu_free(u->e);
	free(u->flash);
	if (!t->failures && !getenv("EMU_TEST_KEEP_LOGS"))
		unlink(u->log_path);
	else
		fprintf(stderr, "log kept: %s\n", u->log_path);
}

static const struct emu_region *find(const struct unit *u, const char *name)
{
	for (unsigned i = 0; i < u->nreg; i++)
		if (strcmp(u->reg[i].name, name) == 0)
			return &u->reg[i];
	return NULL;
}

static void md5_hex(const uint8_t *p, size_t n, char out[33])
{
	struct md5_ctx c;
	uint8_t d[16];

	md5_init(&c);
	md5_update(&c, n, p);
	md5_digest(&c, MD5_DIGEST_SIZE, d);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return 0;
	return 1;
}

static double erased_fraction(const struct unit *u)
{
	unsigned n = 0;

	for (uint32_t a = 0; a < u->size; a += 4096)
		n += erased(u->flash + a, 4096);
	return (double)n / (u->size / 4096);
}

static int contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Walks an ESP8266 v1 image (0xE9) at p, which is at file offset base: its
 * length (checksum at the end of a 16-byte line of the file, valid) or 0. */
static uint32_t v1_image_len(const uint8_t *p, uint32_t room, uint32_t base)
{
	if (room < 16 || p[0] != 0xE9 || p[1] == 0 || p[1] > 16)
		return 0;
	uint32_t pos = 8;
	uint8_t chk = 0xEF;
	for (unsigned s = 0; s < p[1]; s++) {
		if (pos + 8 > room)
			return 0;
		uint32_t len = le32(p + pos + 4);
		if (len > room - pos - 8)
			return 0;
		for (uint32_t i = 0; i < len; i++)
			chk ^= p[pos + 8 + i];
		pos += 8 + len;
	}
	pos += 15 - (base + pos) % 16;
	if (pos >= room || p[pos] != chk)
		return 0;
	return pos + 1;
}

/* A v2 image (0xEA, IROM segment, then a v1 image, then 4 CRC bytes). */
static uint32_t v2_image_len(const uint8_t *p, uint32_t room)
{
	if (room < 16 || p[0] != 0xEA || p[1] != 4)
		return 0;
	uint32_t irom = le32(p + 12);
	if (irom > room - 16)
		return 0;
	uint32_t v1 = v1_image_len(p + 16 + irom, room - 16 - irom, 16 + irom);
	return v1 ? 16 + irom + v1 + 4 : 0;
}

static uint8_t size_code(uint32_t size)
{
	switch (size / KB) {
	case 256: return 1;
	case 512: return 0;
	case 1024: return 2;
	case 2048: return 3;
	case 4096: return 4;
	case 8192: return 8;
	default: return 9;
	}
}

/* Checks common to every size. */
static void check_stock(struct th *t, const struct unit *u, const uint8_t mac[6])
{
	char macs[18], mach[13];
	const struct emu_region *boot = find(u, "boot"), *user1 = find(u, "user1"),
				*app = find(u, "app_cfg"), *app2 = find(u, "app_cfg2"),
				*user2 = find(u, "user2"), *wifi = find(u, "wifi");

	snprintf(macs, sizeof macs, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	snprintf(mach, sizeof mach, "%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	TH_CHECK(t, u->nreg == 10 && boot && user1 && app && app2 && user2 && wifi,
		 "%u KB: %u regions", u->size / KB, u->nreg);
	if (!(boot && user1 && app && app2 && user2 && wifi))
		return;
	/* boot loader: a valid v1 image in sector 0, the chip's size in its header */
	uint32_t bl = v1_image_len(u->flash, 4096, 0);
	TH_CHECK(t, bl == boot->data && bl >= 3 * KB && bl <= 4 * KB && boot->offset == 0,
		 "%u KB: boot loader image %u bytes (region %u)", u->size / KB, bl, boot->data);
	TH_CHECK(t, u->flash[3] >> 4 == size_code(u->size), "%u KB: header size byte %02x",
		 u->size / KB, u->flash[3]);
	/* user1: a v2 image at 0x1000 that fits its slot */
	uint32_t ul = v2_image_len(u->flash + 0x1000, user1->size);
	TH_CHECK(t, user1->offset == 0x1000 && ul == user1->data && ul > 0, "%u KB: user1 %u / %u",
		 u->size / KB, ul, user1->data);
	TH_CHECK(t, user1->offset + user1->size <= app->offset, "%u KB: user1 slot overlaps app_cfg",
		 u->size / KB);
	/* the cloud identity: the MAC in both forms, a cloud key made from it */
	char key[40];
	snprintf(key, sizeof key, "\"cloud_key\":\"ck-%s-", mach);
	TH_CHECK(t, contains(u->flash + app->offset, app->data, macs) &&
		 contains(u->flash + app->offset, app->data, key) &&
		 contains(u->flash + app2->offset, app2->data, key), "%u KB: no identity in app_cfg",
		 u->size / KB);
	TH_CHECK(t, app->offset == u->size / 2 - 0x4000 || (u->size > 2 * MB && app->offset == 0xFC000),
		 "%u KB: app_cfg at %x", u->size / KB, app->offset);
	/* the SDK's sectors: rf_cal at size - 0x5000 ... flag at size - 0x1000 */
	const struct emu_region *rf = find(u, "rf_cal"), *flag = find(u, "wifi_flag");
	TH_CHECK(t, rf && rf->offset == u->size - 0x5000 && flag && flag->offset == u->size - 0x1000 &&
		 wifi->offset == u->size - 0x3000, "%u KB: SDK sectors misplaced", u->size / KB);
	TH_CHECK(t, contains(u->flash + wifi->offset, wifi->data, "ITEAD-"), "%u KB: no soft-AP name",
		 u->size / KB);
	TH_CHECK(t, erased(u->flash + user2->offset, user2->size) && user2->data == 0 &&
		 user2->offset == (u->size / 2 < MB ? u->size / 2 : MB) + 0x1000,
		 "%u KB: user2 not erased", u->size / KB);
	TH_CHECK(t, erased(u->flash + u->size - 0x2000, 0x1000), "%u KB: wifi_bak not erased",
		 u->size / KB);
	/* nothing outside the regions' data, regions in order and disjoint */
	uint8_t *mask = calloc(1, u->size);
	for (unsigned i = 0; i < u->nreg; i++) {
		const struct emu_region *r = &u->reg[i];
		TH_CHECK(t, r->offset + r->size <= u->size && r->data <= r->size &&
			 (i == 0 || r->offset >= u->reg[i - 1].offset + u->reg[i - 1].size),
			 "%u KB: region %s [%x +%x)", u->size / KB, r->name, r->offset, r->size);
		if (r->offset + r->data <= u->size)
			memset(mask + r->offset, 1, r->data);
	}
	uint32_t stray = 0;
	for (uint32_t a = 0; a < u->size; a++)
		stray += !mask[a] && u->flash[a] != 0xFF;
	TH_CHECK(t, stray == 0, "%u KB: %u bytes written outside the regions", u->size / KB, stray);
	free(mask);
}

static void test_simple_unchanged(struct th *t)
{
	/* MD5s of the default flash before layouts existed (MAC 18:fe:34:12:34:56) */
	static const struct {
		uint32_t size;
		uint8_t last;
		const char *md5;
	} known[] = {
		{ 256 * KB, 0x56, "16e30844c914ccde7165aad52c53b5d2" },
		{ 1 * MB, 0x56, "16ab730835d0a55eb1d32758ca80f31b" },
		{ 4 * MB, 0x99, "46c0744802621da2a17621d4e05473a5" },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		uint8_t mac[6] = { 0x18, 0xFE, 0x34, 0x12, 0x34, known[i].last };
		struct unit u;
		char md5[33];
		struct emu_config c;

		emu_config_defaults(&c);
		TH_CHECK(t, c.layout == EMU_LAYOUT_SIMPLE, "default layout is not simple");
		if (unit_new(t, &u, EMU_LAYOUT_SIMPLE, known[i].size, 7 + i, mac) < 0)
			continue;
		md5_hex(u.flash, u.size, md5);
		TH_CHECK(t, strcmp(md5, known[i].md5) == 0, "simple %u KB changed: %s", u.size / KB, md5);
		unit_free(t, &u);
	}
}

static void test_stock_1mb(struct th *t)
{
	double lo = 1, hi = 0;

	for (uint64_t seed = 1; seed <= 12; seed++) {
		uint8_t mac[6] = { 0x60, 0x01, 0x94, 0xA0, 0x00, (uint8_t)seed };
		struct unit u;
		if (unit_new(t, &u, EMU_LAYOUT_STOCK, MB, seed, mac) < 0)
			continue;
		check_stock(t, &u, mac);
		const struct emu_region *user1 = find(&u, "user1");
		TH_CHECK(t, user1 && user1->data >= 300 * KB && user1->data <= 401 * KB,
			 "seed %llu: user1 %u bytes", (unsigned long long)seed, user1 ? user1->data : 0);
		double f = erased_fraction(&u);
		lo = f < lo ? f : lo;
		hi = f > hi ? f : hi;
		TH_CHECK(t, f >= 0.55 && f <= 0.70, "seed %llu: %.3f of the sectors erased",
			 (unsigned long long)seed, f);
		/* the log: config names the layout, "layout" counts the erased sectors */
		struct th lt = { .failures = 0 };
		char line[4096];
		double es = 0;
		snprintf(lt.log_path, sizeof lt.log_path, "%s", u.log_path);
		TH_CHECK(t, th_log_count(&lt, "\"ev\":\"config\"") == 1 &&
			 th_log_count(&lt, "\"layout\":\"stock\"") == 1, "config event without layout");
		TH_CHECK(t, th_log_line(&lt, "\"ev\":\"layout\"", 0, line, sizeof line) == 0 &&
			 th_json_num(line, "erased_sectors", &es) == 0 && (int)es == (int)(f * 256 + 0.5) &&
			 strstr(line, "\"name\":\"user1\",\"offset\":4096,") != NULL,
			 "layout event: %s", line);
		unit_free(t, &u);
	}
	printf("stock 1 MB: %.1f-%.1f %% of the sectors erased (12 seeds)\n", lo * 100, hi * 100);
}

static void test_stock_sizes(struct th *t)
{
	static const struct {
		uint32_t size;
		double min_erased, max_erased;
	} sizes[] = {
		{ 256 * KB, 0.50, 0.70 }, { 512 * KB, 0.50, 0.72 }, { 2 * MB, 0.70, 0.80 },
		{ 4 * MB, 0.85, 0.90 },   { 16 * MB, 0.96, 0.98 },
	};
	uint8_t mac[6] = { 0xDC, 0x4F, 0x22, 0xA0, 0x00, 0x05 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		for (uint64_t seed = 1; seed <= 3; seed++) {
			struct unit u;
			if (unit_new(t, &u, EMU_LAYOUT_STOCK, sizes[i].size, seed, mac) < 0)
				continue;
			check_stock(t, &u, mac);
			double f = erased_fraction(&u);
			TH_CHECK(t, f >= sizes[i].min_erased && f <= sizes[i].max_erased,
				 "%u KB seed %llu: %.3f erased", sizes[i].size / KB,
				 (unsigned long long)seed, f);
			unit_free(t, &u);
		}
	}
}

/* Same seed and MAC: the same flash.  Another MAC: the same firmware, another
 * identity.  Another seed: another firmware. */
static void test_deterministic(struct th *t)
{
	uint8_t m1[6] = { 0x60, 0x01, 0x94, 0, 0, 1 }, m2[6] = { 0x60, 0x01, 0x94, 0, 0, 2 };
	struct unit a, b, c, d;

	if (unit_new(t, &a, EMU_LAYOUT_STOCK, MB, 42, m1) < 0 ||
	    unit_new(t, &b, EMU_LAYOUT_STOCK, MB, 42, m1) < 0 ||
	    unit_new(t, &c, EMU_LAYOUT_STOCK, MB, 42, m2) < 0 ||
	    unit_new(t, &d, EMU_LAYOUT_STOCK, MB, 43, m1) < 0)
		return;
	TH_CHECK(t, memcmp(a.flash, b.flash, MB) == 0, "same seed and MAC, different flash");
	const struct emu_region *u1 = find(&a, "user1"), *cfg = find(&a, "app_cfg");
	if (u1 && cfg) {
		TH_CHECK(t, memcmp(a.flash, c.flash, u1->offset + u1->data) == 0,
			 "another MAC changed the firmware");
		TH_CHECK(t, memcmp(a.flash + cfg->offset, c.flash + cfg->offset, cfg->data) != 0,
			 "another MAC, same identity");
		TH_CHECK(t, memcmp(a.flash + 0x1000, d.flash + 0x1000, 0x10000) != 0,
			 "another seed, same firmware");
	}
	unit_free(t, &a);
	unit_free(t, &b);
	unit_free(t, &c);
	unit_free(t, &d);
}

static void test_blank(struct th *t)
{
	struct unit u;

	if (unit_new(t, &u, EMU_LAYOUT_BLANK, 2 * MB, 1, NULL) < 0)
		return;
	TH_CHECK(t, erased(u.flash, u.size) && u.nreg == 0, "blank layout is not all 0xFF");
	unit_free(t, &u);
	enum emu_layout l;
	TH_CHECK(t, emu_layout_parse("stock", &l) == 0 && l == EMU_LAYOUT_STOCK &&
		 emu_layout_parse("blank", &l) == 0 && l == EMU_LAYOUT_BLANK &&
		 emu_layout_parse("simple", &l) == 0 && l == EMU_LAYOUT_SIMPLE &&
		 emu_layout_parse("stockish", &l) < 0 && strcmp(emu_layout_name(EMU_LAYOUT_STOCK),
								"stock") == 0, "layout names");
}

int main(void)
{
	struct th t;

	memset(&t, 0, sizeof t);
	t.master = t.slave = -1;
	test_simple_unchanged(&t);
	test_stock_1mb(&t);
	test_stock_sizes(&t);
	test_deterministic(&t);
	test_blank(&t);
	return th_finish(&t, "layout");
}
