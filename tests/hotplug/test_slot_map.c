/* SPDX-License-Identifier: MIT */
/* slot_resolve(): the precedence ENV{ESPSTATION_SLOT} -> config map by
 * ID_PATH -> "" (unmapped), as a table. */
#include "../unit/test.h"

#include "hotplug.h"

#define P1 "pci-0000:00:14.0-usb-0:1.1:1.0"
#define P2 "pci-0000:00:14.0-usb-0:1.2:1.0"
#define P3 "pci-0000:00:14.0-usb-0:1.3:1.0"

static void set_map(struct slot_map *m)
{
	static const struct slot_map_entry e[] = {
		{P1, "A1"},
		{P2, "A2"},
		{P2, "dup"}, /* a second entry for P2: the first wins */
		{"", "empty"},
	};

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		m->e[m->n++] = e[i];
}

int main(void)
{
	static const struct {
		const char *id_path, *env_slot;
		int use_map;
		const char *want;
	} cases[] = {
		/* id_path               ESPSTATION_SLOT map  result */
		{P1, "", 1, "A1"},         /* map by ID_PATH */
		{P2, "", 1, "A2"},         /* first of two entries */
		{P1, "7", 1, "7"},         /* the udev rule wins over the map */
		{P3, "7", 1, "7"},         /* rule only */
		{P3, "", 1, ""},           /* unmapped */
		{"", "", 1, ""},           /* no ID_PATH never matches the "" entry */
		{"", "5", 1, "5"},         /* no ID_PATH, but the rule named it */
		{P1 "x", "", 1, ""},       /* no prefix matching */
		{"pci-0000:00:14.0-usb-0:1.1", "", 1, ""},
		{P1, "", 0, ""},           /* no map */
		{P1, "9", 0, "9"},
	};
	struct slot_map map;
	struct hp_event ev;

	set_map(&map);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_set_case("case %zu: id_path='%s' slot='%s' map=%d", i, cases[i].id_path,
			   cases[i].env_slot, cases[i].use_map);
		memset(&ev, 0, sizeof(ev));
		snprintf(ev.id_path, sizeof(ev.id_path), "%s", cases[i].id_path);
		snprintf(ev.slot, sizeof(ev.slot), "%s", cases[i].env_slot);
		T_EQ_STR(slot_resolve(cases[i].use_map ? &map : NULL, &ev), cases[i].want);
	}

	t_set_case("result points into the event or the map");
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.id_path, sizeof(ev.id_path), "%s", P1);
	T_CHECK(slot_resolve(&map, &ev) == map.e[0].slot);
	snprintf(ev.slot, sizeof(ev.slot), "4");
	T_CHECK(slot_resolve(&map, &ev) == ev.slot);

	t_set_case("NULL event");
	T_EQ_STR(slot_resolve(&map, NULL), "");

	t_set_case("n beyond the array is bounded");
	map.n = SLOT_MAP_MAX + 100;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.id_path, sizeof(ev.id_path), "%s", P3);
	T_EQ_STR(slot_resolve(&map, &ev), "");

	t_set_case("a full map: the last entry is found");
	memset(&map, 0, sizeof(map));
	for (unsigned i = 0; i < SLOT_MAP_MAX; i++) {
		snprintf(map.e[i].id_path, sizeof(map.e[i].id_path), "pci-0000:00:14.0-usb-0:%u:1.0", i);
		snprintf(map.e[i].slot, sizeof(map.e[i].slot), "S%u", i);
	}
	map.n = SLOT_MAP_MAX;
	snprintf(ev.id_path, sizeof(ev.id_path), "pci-0000:00:14.0-usb-0:%u:1.0", SLOT_MAP_MAX - 1);
	char want[16];
	snprintf(want, sizeof(want), "S%u", SLOT_MAP_MAX - 1);
	T_EQ_STR(slot_resolve(&map, &ev), want);
	return t_done("test_slot_map");
}
