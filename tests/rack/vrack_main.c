/* SPDX-License-Identifier: MIT */
/* vrack: runs a command inside a virtual rack of fake USB-UART adapters
 * wired to emulated ESP8266, ESP8285, ESP32 or ESP32-C3 units.  `vrack --help`
 * and README.md tell how. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "rack.h"
#include "rack_cli.h"

/* umockdev only fakes sysfs and uevents for processes running its preload
 * library; umockdev-wrapper sets it.  Started without it, restart under it
 * (ASan builds then need verify_asan_link_order=0: the preload comes first). */
static void ensure_preload(char **argv)
{
	const char *pre = getenv("LD_PRELOAD");
	if (pre && strstr(pre, "libumockdev-preload"))
		return;
	char *val = pre && *pre ? g_strdup_printf("libumockdev-preload.so.0:%s", pre)
				: g_strdup("libumockdev-preload.so.0");
	(void)setenv("LD_PRELOAD", val, 1);
	g_free(val);
	const char *asan = getenv("ASAN_OPTIONS");
	if (!asan || !strstr(asan, "verify_asan_link_order")) {
		char *a = asan && *asan ? g_strdup_printf("%s:verify_asan_link_order=0", asan)
					: g_strdup("verify_asan_link_order=0");
		(void)setenv("ASAN_OPTIONS", a, 1);
		g_free(a);
	}
	execv("/proc/self/exe", argv);
	perror("vrack: cannot restart under umockdev's preload library");
}

static int load(struct rack *r, const struct rack_opts *o, struct rack_timeline *tl,
		int start_plugged[RACK_MAX_SLOTS])
{
	char err[512];
	if (o->timeline_file && rack_timeline_load(o->timeline_file, tl, err, sizeof err) < 0) {
		fprintf(stderr, "vrack: %s\n", err);
		return -1;
	}
	if (rack_timeline_check(tl, r->slots, start_plugged, err, sizeof err) < 0) {
		fprintf(stderr, "vrack: %s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	ensure_preload(argv);
	struct rack r;
	struct rack_opts o;
	struct rack_timeline tl = {.path = ""};
	int start_plugged[RACK_MAX_SLOTS];
	memset(&r, 0, sizeof r);
	int rc = rack_cli_parse(argc, argv, &o, r.slots);
	if (rc < 0 && load(&r, &o, &tl, start_plugged) < 0)
		rc = RACK_EXIT_INTERNAL;
	if (rc >= 0) {
		for (unsigned i = 0; i < RACK_MAX_SLOTS; i++)
			rack_slot_free(&r.slots[i]);
		rack_timeline_free(&tl);
		return rc;
	}
	/* Blocked before any thread exists (umockdev's worker, the emulators),
	 * so that only rack_run's signalfd sees them. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* a closed stderr must not kill vrack before it has cleaned up (the
	 * command gets the default disposition back) */
	signal(SIGPIPE, SIG_IGN);

	rc = rack_open(&r, &o) < 0 ? RACK_EXIT_INTERNAL : 0;
	for (unsigned i = 0; rc == 0 && i < RACK_MAX_SLOTS; i++)
		if (start_plugged[i] && rack_plug(&r, i) < 0)
			rc = RACK_EXIT_INTERNAL;
	if (rc == 0)
		rc = rack_run(&r, &tl);
	int kept = r.own_workdir && o.keep;
	rack_close(&r);
	if (kept)
		fprintf(stderr, "vrack: workdir kept: %s\n", r.workdir);
	rack_timeline_free(&tl);
	return rc;
}
