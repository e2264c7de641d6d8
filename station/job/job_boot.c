/* SPDX-License-Identifier: MIT */
/* The boot stage: does what was written boot?  (core/esp_boot.h judges;
 * this records the verdict and decides the job.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_boot.h"
#include "job.h"
#include "json_text.h"

int stage_boot_wanted(const struct job_spec *sp)
{
	return sp->boot_check;
}

/* Is a firmware that says nothing at boot known to be quiet? */
static int quiet_ok(const struct job *j)
{
	const struct job_spec *sp = j->spec;
	const char *name = NULL;
	if (sp->mode != ST_MODE_RESTORE && j->image) {
		const char *slash = strrchr(j->image->name, '/');
		name = slash ? slash + 1 : j->image->name;
	}
	for (unsigned i = 0; i < sp->n_quiet; i++)
		if (sp->mode == ST_MODE_RESTORE ? strcmp(sp->quiet[i], "restore") == 0
						 : name && strcmp(sp->quiet[i], name) == 0)
			return 1;
	return 0;
}

/* The verdict and the first lines heard, as a journal event. */
static int record_boot(struct job *j, const struct esp_boot_report *r, int quiet)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	if (!f)
		return -1;
	fprintf(f, "{\"result\": \"%s\", \"quiet_ok\": %s, \"rst_cause\": %d, \"boot_mode\": %d, "
		"\"banners\": %u, \"app_bytes\": %u, \"ms\": %u, \"why\": ",
		esp_boot_result_name(r->result), quiet ? "true" : "false", r->rst_cause, r->boot_mode,
		r->banners, r->app_bytes, r->ms);
	st_json_string(f, r->why);
	fputs(", \"log\": ", f);
	st_json_string(f, r->log);
	fputs("}", f);
	if (fclose(f) != 0) {
		free(json);
		return -1;
	}
	int rc = db_event(j->db, j->job_id, "boot.result", json, NULL);
	free(json);
	return rc;
}

/* Does what was written boot?  Resets into the firmware and listens to the
 * ROM and the firmware (esp_boot.h); anything but a boot fails the job. */
enum esp_err stage_boot(struct job *j)
{
	const struct job_spec *sp = j->spec;
	/* reset = "none": the adapter takes DTR/RTS but they reach nothing (a bare
	 * adapter), so the boot check must ask the operator for the power cycle */
	const struct esp_boot_plan plan = {
		.window_ms = sp->boot_window_ms, .app_baud = sp->boot_baud,
		.wait_ms = sp->link.connect_ms, .operator_reset = j->link.plan.mode == ESP_RESET_NONE,
	};
	struct esp_boot_report r;
	enum esp_err e = esp_boot_check(j->link.s, &j->link.chip, &plan, &r);
	if (e)
		return job_link_failed(j, e);
	j->booted = 1;
	int quiet = r.result == ESP_BOOT_NO_OUTPUT && quiet_ok(j);
	if (record_boot(j, &r, quiet) != 0)
		return job_fail_local(j, ESP_E_IO, "database: %s", db_errmsg(j->db));
	job_log(j, ESP_LOG_INFO, "boot: %s in %u ms%s", esp_boot_result_name(r.result), r.ms,
		quiet ? " (a firmware known to be quiet)" : "");
	if (r.result == ESP_BOOT_BOOTED || quiet)
		return ESP_OK;
	if (sp->mode == ST_MODE_RESTORE)
		return job_fail(j, ESP_E_BOOT, "the restored backup does not boot: corrupt or "
				"wrong-size backup? (%s: %s)", esp_boot_result_name(r.result), r.why);
	if (r.result == ESP_BOOT_DOWNLOAD)
		return job_fail(j, ESP_E_BOOT, "the unit does not start its firmware (%s): %s; "
				"release the button and power-cycle it", esp_boot_result_name(r.result),
				r.why);
	return job_fail(j, ESP_E_BOOT, "the unit does not boot the firmware written (%s: %s)%s",
			esp_boot_result_name(r.result), r.why,
			r.result == ESP_BOOT_NO_OUTPUT ? "; if this firmware is quiet at boot, list it "
			"in boot.quiet" : "");
}
