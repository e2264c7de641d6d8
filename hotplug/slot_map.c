/* SPDX-License-Identifier: MIT */
/* Slot resolution: which named slot of the rack a port is plugged into.
 * ModemManager's physdev precedence (an explicit udev property first, then a
 * table by physical path); pure, no libudev. */
#include <string.h>

#include "hotplug.h"

const char *slot_resolve(const struct slot_map *map, const struct hp_event *ev)
{
	if (!ev)
		return "";
	/* a udev rule knows the hub better than the config: it wins */
	if (ev->slot[0])
		return ev->slot;
	/* a port without ID_PATH never matches, not even an empty map entry */
	if (!map || !ev->id_path[0])
		return "";
	for (unsigned i = 0; i < map->n && i < SLOT_MAP_MAX; i++)
		if (!strcmp(map->e[i].id_path, ev->id_path))
			return map->e[i].slot;
	return "";
}
