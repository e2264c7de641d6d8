/* SPDX-License-Identifier: MIT */
/* Device discovery and slot identity: which USB-UART adapters are plugged in,
 * into which physical port, and what they are.  A libudev monitor plus a
 * start-up enumeration with no gap between them, a settle delay after each
 * add, and the identity of every port remembered from its add (on remove,
 * sysfs is already gone).  Also: slot resolution, the udev rules directories
 * and the start-up check for "port thieves" (brltty, ModemManager).
 *
 * Files: hotplug.c reads libudev (the only file that includes <libudev.h>;
 * nothing from libudev crosses this header), port_table.c keeps the table of
 * known ports and its rules (pure, port_table.h, internal), slot_map.c
 * resolves slots, hp_thieves.c reads rules files and /proc.  hotplug/ may
 * call libudev and libc only, never core/, db/ or station/.  Functions
 * return 0 (or a count) on success and -errno on failure, libudev style;
 * nothing here prints. */
#pragma once

#include <stddef.h>

#define HP_MUST_CHECK __attribute__((warn_unused_result))

/* Time from an add (live, or found by the start-up enumeration) until it is
 * reported: lets the driver finish and udev apply permissions before a
 * worker opens the port.  The station's config may override it. */
#define HP_SETTLE_MS_DEFAULT 500u

/* A port found by the start-up enumeration that udev has not processed yet
 * (no udev database entry: ID_PATH, ESPSTATION_SLOT and permissions are
 * missing; typical while udev's coldplug still runs at boot) is held until
 * udev's own "add" for it arrives, at most this long; then it is reported
 * with what sysfs shows.  umockdev 0.17.16 never writes the udev database,
 * so under it every enumerated port takes this path. */
#define HP_INIT_WAIT_MS_DEFAULT 2000u
_Static_assert(HP_SETTLE_MS_DEFAULT < HP_INIT_WAIT_MS_DEFAULT,
	       "udev gets longer to finish a port than the driver gets to settle");

#define HP_FILTER_MAX 32
#define SLOT_MAP_MAX 64

enum hp_action { HP_ADD, HP_REMOVE };

/* One port as the station sees it.  A plain copy: no pointer into libudev,
 * safe to queue, compare or send to another thread or process.  Strings are
 * always NUL-terminated; "" when absent. */
struct hp_event {
	enum hp_action action;
	char devnode[64];         /* /dev/ttyUSB3 */
	char syspath[256];        /* /sys/devices/.../ttyUSB3/tty/ttyUSB3 */
	char id_path[128];        /* udev ID_PATH: the physical port (slot identity); "" if udev gave none */
	char slot[32];            /* ENV{ESPSTATION_SLOT} if a udev rule set it, else "" */
	unsigned vid, pid;        /* USB idVendor/idProduct of the adapter */
	char serial[64];          /* USB serial, "" if none (CH340) */
	char driver[32];          /* cp210x, ch341, ftdi_sio ... */
	char vendor[64], model[64]; /* USB manufacturer/product strings when present */
};
/* For HP_REMOVE every field is the one remembered at the port's add.  A
 * devnode, syspath or ID_PATH that does not fit its field makes the port
 * ignored (a truncated key could name another port); the other strings are
 * truncated. */

struct hp_usb_id {
	unsigned vid, pid;
};

/* The station's adapters.  n == 0 accepts any tty with a USB parent. */
struct hp_filter {
	unsigned n;
	struct hp_usb_id id[HP_FILTER_MAX];
};

struct hp_monitor;

/* Creates the monitor and starts receiving udev's (processed) events for
 * ttys at once, so that hp_monitor_enumerate() afterwards misses nothing.
 * Only ttys with a USB parent whose VID:PID is in *f (copied; NULL or n == 0
 * = any) are reported.  settle_ms: see HP_SETTLE_MS_DEFAULT (0 = report on
 * the next call).  Returns 0 and *ret, or -EINVAL (f->n > HP_FILTER_MAX,
 * ret NULL), -ENOMEM, or a libudev error.  One thread owns a monitor (libudev
 * objects are not thread-safe); its fd is close-on-exec. */
HP_MUST_CHECK int hp_monitor_new(const struct hp_filter *f, unsigned settle_ms,
				 struct hp_monitor **ret);
/* Accepts NULL.  Remembered ports are forgotten; no events are reported. */
void hp_monitor_free(struct hp_monitor *m);

/* How long an enumerated port that udev has not processed is held
 * (HP_INIT_WAIT_MS_DEFAULT unless set; never less than the settle delay). */
void hp_monitor_set_init_wait_ms(struct hp_monitor *m, unsigned ms);

/* poll() this for POLLIN, then call hp_monitor_next() until it returns 0. */
int hp_monitor_fd(const struct hp_monitor *m);

/* Milliseconds until hp_monitor_next() has a settled add to report (0 = now,
 * rounded up), or -1 if nothing is waiting: use it as poll()'s timeout. */
int hp_monitor_timeout_ms(const struct hp_monitor *m);

/* Start-up enumeration: queues an HP_ADD for every matching port present now
 * (the monitor is already receiving, so nothing falls between the two); each
 * waits out the settle delay like a live add, and one that udev has not
 * processed yet also waits for udev (HP_INIT_WAIT_MS_DEFAULT).  Ports already
 * known are not added twice.  Calling it again later resynchronises (after
 * -ENOBUFS from hp_monitor_next(), when uevents were lost): known ports no
 * longer present are reported as HP_REMOVE, new ones as HP_ADD, and a caller
 * that starts and stops its work on these events is reconciled with the
 * ports present.  Returns 0 or -errno. */
HP_MUST_CHECK int hp_monitor_enumerate(struct hp_monitor *m);

/* Reads what the fd has and checks what has settled.  Returns 1 with *ev
 * filled when an event is ready (call again until it returns 0), 0 when none
 * is, or -errno (-ENOBUFS: the socket overflowed and uevents were lost; the
 * monitor stays usable, call hp_monitor_enumerate() to resynchronise).
 * - A remove of a port whose add has not been reported yet cancels that add;
 *   nothing is reported for the port at all.
 * - A remove carries the identity remembered at the add.
 * - An add for a known port (same devnode and syspath) is ignored, and so is
 *   a change: a port keeps the identity of its add (a slot rule edited later
 *   takes effect at the next plug, never in the middle of a job).  Except a
 *   port the enumeration took before udev had processed it: udev's add
 *   completes it, and if it was reported already with another identity, it
 *   is reported removed and added again.
 * - An add on a known devnode with another syspath means the remove was
 *   lost: the old port is reported removed and the new one is added.
 * - Removes are reported before adds; adds in the order they settle.  The
 *   settle delay runs from when this function reads the uevent, so call it
 *   whenever the fd is readable.
 * Does not block. */
HP_MUST_CHECK int hp_monitor_next(struct hp_monitor *m, struct hp_event *ev);

/* ---- remote ports (hp_remote.c) ---- */

/* A network serial port from the config ("rfc2217://HOST:PORT" or
 * "socket://HOST:PORT", at most 63 characters) served as a fixed jig: it
 * has no uevents, so hp_monitor_next() reports it as an HP_ADD once a TCP
 * connect to it succeeds (devnode, syspath and id_path are the URL, driver
 * "rfc2217" or "socket", no USB ids), probing again 1 s, 2 s, 4 s ... 60 s
 * apart while the server refuses or does not answer.  hp_monitor_enumerate()
 * leaves remote ports alone.  Returns 0 (also if already known), -EINVAL,
 * -ENAMETOOLONG or -ENOSPC (more than 32). */
HP_MUST_CHECK int hp_monitor_add_remote(struct hp_monitor *m, const char *url);
/* The worker of a remote port ended (the server went away, the connection
 * dropped): it is reported HP_REMOVE at the next hp_monitor_next() and
 * probed again after the back-off (from 1 s again if it had been plugged for
 * a minute or more).  Returns 1 for a plugged remote port, 0 otherwise (a
 * USB devnode: nothing happens). */
int hp_monitor_remote_ended(struct hp_monitor *m, const char *devnode);

/* ---- slots (pure; slot_map.c) ---- */

struct slot_map_entry {
	char id_path[128];        /* udev ID_PATH of a hub port */
	char slot[32];            /* slot name shown to the operator */
};

/* From the station's config: ID_PATH -> slot name.  The first entry for an
 * ID_PATH wins. */
struct slot_map {
	unsigned n;
	struct slot_map_entry e[SLOT_MAP_MAX];
};

/* The port's slot name, by precedence: ENV{ESPSTATION_SLOT} set by a udev
 * rule -> the map entry for its ID_PATH -> "" (unmapped: the station warns and
 * does not flash unless told to).  map may be NULL.  The result points into
 * ev or map (or is a static ""), so it lives as long as they do. */
const char *slot_resolve(const struct slot_map *map, const struct hp_event *ev);

/* ---- port thieves (no libudev; hp_thieves.c) ---- */

typedef void hp_warn_fn(void *user, const char *msg);

/* The udev rules directories in udev's precedence order (a file shadows one
 * of the same name in a later directory; a link to /dev/null masks it).
 * The one list: callers pass NULL for it (lint: check_hotplug_layers.sh). */
#define HP_RULES_DIRS_DEFAULT                                                             \
	{ "/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",      \
	  "/usr/lib/udev/rules.d", "/lib/udev/rules.d", NULL }

/* Start-up check for programs that grab the station's ports.
 * - brltty: an effective rules file of brltty's (named *brltty*, or a rule
 *   mentioning brltty) with an active rule matching a CH340 (1a86:7523), a
 *   CP210x (10c4:ea60) or an FT232R (0403:6001) by ENV{PRODUCT},
 *   ATTRS{idVendor}/{idProduct} or ENV{ID_VENDOR_ID}/{ID_MODEL_ID}: brltty
 *   then takes the tty as a braille display.  One finding per file and
 *   adapter, naming file:line.
 * - ModemManager: running (a process named ModemManager under proc_root) or
 *   installed (its 80-mm-candidate.rules among the rules), unless a rules
 *   file of the station's (named *espstation*) sets
 *   ENV{ID_MM_DEVICE_IGNORE}="1": it probes new serial ports with AT
 *   commands.  One finding.
 * rules_dirs: NULL-terminated, in precedence order (NULL =
 * HP_RULES_DIRS_DEFAULT); proc_root: NULL = "/proc".  Tests point both at a
 * fake tree.  Calls warn(user, msg) once per finding with one line naming the
 * problem and the fix (warn may be NULL to only count).  Missing or
 * unreadable places are skipped.  Returns the number of findings or -ENOMEM. */
HP_MUST_CHECK int hp_check_port_thieves(const char *const *rules_dirs, const char *proc_root,
					hp_warn_fn *warn, void *user);
