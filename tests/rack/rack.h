/* SPDX-License-Identifier: MIT */
/*
 * The virtual rack (vrack): fake USB-UART adapters in a umockdev testbed,
 * each wired to an emulated ESP8266, ESP8285, ESP32 or ESP32-C3 (tests/emu).
 * Internal header shared by vrack's files; see README.md beside it for the
 * user's view.
 *
 * Threads: everything here runs in vrack's main thread except the ioctl
 * handler (rack_ioctl.c), which runs in umockdev's worker thread and only
 * touches its own struct rack_port under port->lock.
 */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "emu.h"

/* GLib types, named without pulling GLib into every file. */
typedef struct _UMockdevTestbed UMockdevTestbed;
typedef struct _UMockdevIoctlBase UMockdevIoctlBase;

#define RACK_MAX_SLOTS     64
#define RACK_SLOTS_PER_HUB 8   /* slot N sits on hub N/8+1, port N%8+1 */
#define RACK_EXIT_INTERNAL 125 /* vrack itself failed (like env(1)) */
#define RACK_EXIT_TIMEOUT  124 /* --timeout expired (like timeout(1)) */

/* ---- rack_slot.c: adapter kinds and slot specs ---------------------------- */

struct rack_kind {
	const char *name;         /* "cp2102" */
	const char *vid, *pid;    /* "10c4", "ea60" */
	const char *driver;       /* usb-serial driver: cp210x, ch341, ftdi_sio */
	const char *manufacturer; /* NULL: the chip has no manufacturer string */
	const char *product;
	const char *bcd_device;
	const char *dev_class;  /* bDeviceClass */
	int has_serial;         /* CH340: no iSerial, slots differ only by ID_PATH */
	unsigned max_baud;      /* the Linux driver (or the chip) clamps higher rates to this */
	enum emu_wiring wiring; /* how boards with this adapter are usually wired */
	int acm;                /* CDC-ACM class device: cdc_acm, /dev/ttyACMn, no usb-serial node */
};

/* The unit (the Sonoff) clipped onto a slot's adapter. */
struct rack_unit {
	struct emu_config emu; /* log_path and flash_image are set at each plug */
	char *image;           /* flash preload file, NULL: emu.layout */
	int layout_given;      /* layout= was set (refused together with image=) */
	double button_s;       /* wiring none: the operator presses after this; <0 never */
	/* wiring none: once per plug, the operator power-cycles (no button) when
	 * the unit has sat this long in its loader, talked to and then quiet
	 * (the station waiting for a boot); <0 never */
	double cycle_s;
	int mac_given;
};

/* "ESP32-D0WD-V3 (revision v3.1), flash encrypted, secure boot": the
 * unit's chip as esptool names it, then its security eFuses if any. */
const char *rack_unit_chip_str(const struct emu_config *c, char *buf, size_t cap);

struct rack_slot {
	int defined;
	unsigned index;
	const struct rack_kind *kind;
	char serial[40]; /* USB serial; "" = none */
	struct rack_unit unit;
	unsigned generation; /* units swapped in so far (0 = the first) */
	uint8_t *flash;      /* the unit's flash while unplugged; NULL = factory */
	uint32_t flash_len;
	unsigned plugs;         /* times plugged so far */
	struct rack_port *port; /* plugged adapter, NULL while unplugged */
	int64_t button_at;      /* pending operator button press (rack clock), 0 = none */
	int cycle_armed;        /* the operator's plain power-cycle is still to come this plug */
};

const struct rack_kind *rack_kind_find(const char *name);
/* Parses "N key=value ..." into slots[N] (see --help).  Returns 0, or -1
 * with a message naming the fix in err. */
int rack_slot_parse(const char *spec, struct rack_slot *slots, char *err, size_t errlen);
/* One spec per line, '#' comments; errors are "FILE:LINE: ...". */
int rack_slots_load(const char *path, struct rack_slot *slots, char *err, size_t errlen);
/* The unit's MAC after `generation` swaps (last bytes count up). */
void rack_slot_mac(const struct rack_slot *s, uint8_t ret_mac[6]);
void rack_slot_free(struct rack_slot *s);
/* "aa:bb:cc:dd:ee:ff" */
const char *rack_mac_str(const uint8_t mac[6], char buf[18]);

/* ---- rack_timeline.c ------------------------------------------------------ */

enum rack_action { RACK_PLUG, RACK_UNPLUG, RACK_SWAP, RACK_POWER_CYCLE, RACK_RESEAT };

struct rack_event {
	double t; /* seconds on the timeline clock */
	enum rack_action action;
	unsigned slot;
	int button;    /* power-cycle: hold GPIO0 */
	unsigned line; /* where it came from, for messages */
};

struct rack_timeline {
	const char *path;
	struct rack_event *ev; /* sorted by t, file order kept for equal t */
	size_t n;
};

int rack_timeline_load(const char *path, struct rack_timeline *ret, char *err, size_t errlen);
void rack_timeline_free(struct rack_timeline *tl);
/* Checks every event's slot is defined and the plug/unplug order makes
 * sense; sets ret_start_plugged[i] for slots plugged in before the command
 * starts (every defined slot whose first event is not "plug").  tl may be
 * empty: then every defined slot starts plugged in. */
int rack_timeline_check(const struct rack_timeline *tl, const struct rack_slot *slots,
			int *ret_start_plugged, char *err, size_t errlen);
const char *rack_action_name(enum rack_action a);

/* ---- the rack (rack.c) ---------------------------------------------------- */

struct rack_opts {
	const char *workdir; /* NULL: a temporary one, removed at the end */
	const char *slots_file;
	const char *timeline_file;
	int baud_fast;    /* adapters accept any rate (no driver clamp) */
	int dump_flash;   /* write slotN.flash.bin at the end */
	int wait_ready;   /* timeline starts when the command writes to VRACK_READY_FD */
	int keep;         /* keep the temporary workdir */
	int quiet;        /* no rack.log lines on stderr */
	double timeout_s; /* 0 = none */
	char **argv;      /* the command */
};

/* One plug of one adapter: a fresh /dev/ttyUSBk (or /dev/ttyACMk).  Owned by its ioctl handler
 * object (umockdev may keep that alive in its worker thread after vrack has
 * let go), so the handler can never see freed memory. */
struct rack_port {
	struct rack_port *next; /* rack's list of every port plugged */
	struct rack *rack;
	UMockdevIoctlBase *handler; /* owns this struct */
	unsigned slot, tty;
	char devnode[32]; /* "/dev/ttyUSB3" */
	char name[16];    /* "ttyUSB3" */
	/* sys_serial: the usb-serial port, or a CDC-ACM adapter's data interface */
	char sys_usb[256], sys_intf[256], sys_serial[256], sys_tty[256];
	char pts[32];      /* the pty behind it, "/dev/pts/7" */
	int master;        /* pty master, -1 once the emulator closed it */
	int unplugged;     /* main thread only */
	unsigned max_baud; /* 0 = no clamp */
	int wired;         /* classic auto-reset circuit present */

	pthread_mutex_t lock; /* guards everything below */
	struct emu *emu;      /* NULL once the adapter is gone */
	FILE *lines;          /* WORKDIR/slotN.lines (append) */
	int64_t t0;           /* rack clock origin, copied for the worker thread */
	int dtr, rts;
	int excl; /* TIOCEXCL, until the last close */
	unsigned clients;
};

struct rack {
	const struct rack_opts *opts;
	UMockdevTestbed *tb;
	char workdir[4096];
	int own_workdir;
	FILE *log;   /* WORKDIR/rack.log */
	int64_t t0;  /* CLOCK_MONOTONIC ns: the rack clock's zero */
	int64_t tl0; /* the timeline clock's zero, 0 = not started */
	struct rack_slot slots[RACK_MAX_SLOTS];
	struct rack_port *ports;
	unsigned next_tty, next_acm, next_devnum;  /* ttyUSBn, ttyACMn, USB devnum */
	uint64_t hubs;        /* bit h: hub h+1 exists */
	char shadows[32][16]; /* real /dev tty names hidden behind placeholders */
	unsigned nshadows;
	unsigned char inherited_fds[128]; /* bit fd: open when vrack started */
};

int64_t rack_mono_ns(void);
int64_t rack_now(const struct rack *r); /* ns on the rack clock */
void rack_logf(struct rack *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Marks every descriptor vrack opened itself (not the ones it inherited,
 * not keep) close-on-exec, so the command gets only what vrack was given. */
void rack_cloexec_own_fds(struct rack *r, int keep);
/* Creates the testbed and the workdir.  Slots must be filled in already. */
int rack_open(struct rack *r, const struct rack_opts *o);
int rack_plug(struct rack *r, unsigned slot);
/* why: "timeline", "fault" (the unit hung up by itself), ... */
int rack_unplug(struct rack *r, unsigned slot, const char *why);
int rack_swap(struct rack *r, unsigned slot);
/* A fixed jig: the adapter stays, the unit in it is replaced (next MAC,
 * factory flash); the host's tty stays open and sees only a quiet line. */
int rack_reseat(struct rack *r, unsigned slot);
int rack_power_cycle(struct rack *r, unsigned slot, int button);
int rack_do(struct rack *r, const struct rack_event *ev);
/* Operator presses due, units that hung up by themselves.  Returns the ms
 * until it wants to run again (-1 = nothing pending). */
int rack_tick(struct rack *r);
/* Stops every emulator, dumps flash if asked, removes the testbed (and the
 * workdir if temporary). */
void rack_close(struct rack *r);

/* ---- rack_sysfs.c --------------------------------------------------------- */

/* ID_PATH of a slot: stable across replugs, e.g. pci-0000:00:14.0-usb-0:1.1:1.0 */
void rack_sysfs_id_path(unsigned slot, char *buf, size_t cap);
/* Adds the adapter's sysfs chain (parents first: USB device, interface,
 * usb-serial, tty); umockdev sends the add uevents and makes the pty. */
int rack_sysfs_plug(struct rack *r, struct rack_port *p, const struct rack_slot *s, char *err,
		    size_t errlen);
/* remove uevents and sysfs removal, leaf first; forgets the pty */
void rack_sysfs_unplug(struct rack *r, struct rack_port *p);
/* Placeholders hiding the real /dev/ttyUSB*, /dev/ttyACM* from the command. */
void rack_sysfs_shadow_real_ttys(struct rack *r);
void rack_sysfs_unshadow(struct rack *r, const char *name);

/* ---- rack_ioctl.c --------------------------------------------------------- */

/* A new port and the handler that owns it (one reference, the caller's):
 * /dev/ttyUSB<tty>, or /dev/ttyACM<tty> for a CDC-ACM adapter. */
struct rack_port *rack_port_new(struct rack *r, unsigned slot, unsigned tty, int acm);
/* Drops the caller's reference; the port lives on while umockdev uses it. */
void rack_port_unref(struct rack_port *p);
/* Appends "TIME NAME what" to the slot's lines file (any thread). */
void rack_port_note(struct rack_port *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- rack_run.c ----------------------------------------------------------- */

/* Runs opts->argv inside the rack: timeline, operator, signals, reaping.
 * Returns the command's exit status (128+N for signal N), or a RACK_EXIT_*. */
int rack_run(struct rack *r, const struct rack_timeline *tl);
