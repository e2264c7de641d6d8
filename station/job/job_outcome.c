/* SPDX-License-Identifier: MIT */
/* The table behind job_outcome.h.  A switch rather than an array, so that
 * -Wswitch flags a new enum esp_err that nobody has placed yet. */
#include "job_outcome.h"

struct outcome {
	const char *result;
	enum cli_exit exit;
	const char *cause;
};

static struct outcome outcome_of(enum esp_err e)
{
	switch (e) {
	case ESP_OK: return (struct outcome){"passed", CLI_EXIT_OK, "done"};
	case ESP_E_INVAL: return (struct outcome){"failed", CLI_EXIT_USAGE, "bad setting - see log"};
	case ESP_E_NOMEM: return (struct outcome){"failed", CLI_EXIT_FILE, "out of memory"};
	case ESP_E_NOPORT:
	case ESP_E_PERM:
	case ESP_E_BUSY: return (struct outcome){"failed", CLI_EXIT_PORT, "port unusable - see log"};
	case ESP_E_NOSYNC:
		return (struct outcome){"failed", CLI_EXIT_NOANSWER,
					"check the jig: hold GPIO0 and power-cycle"};
	case ESP_E_TIMEOUT:
	case ESP_E_PROTO:
		return (struct outcome){"failed", CLI_EXIT_NOANSWER,
					"wire errors - check the cable and adapter"};
	case ESP_E_IO:
		return (struct outcome){"failed", CLI_EXIT_UNPLUGGED,
					"wire errors - check the cable and adapter"};
	case ESP_E_NODEV: return (struct outcome){"unplugged", CLI_EXIT_UNPLUGGED, "unplugged"};
	case ESP_E_DEVICE:
		return (struct outcome){"failed", CLI_EXIT_DEVICE, "device error - check the jig"};
	case ESP_E_VERIFY:
		return (struct outcome){"failed", CLI_EXIT_DEVICE, "verify failed - reject unit"};
	case ESP_E_READ:
		/* frames arrived whole, yet the data is not what the chip holds */
		return (struct outcome){"failed", CLI_EXIT_DEVICE,
					"unstable 3.3 V supply? backup MD5 mismatch"};
	case ESP_E_LOST:
		/* short or damaged frames */
		return (struct outcome){"failed", CLI_EXIT_NOANSWER,
					"bytes lost on the wire: cable, adapter or baud rate"};
	case ESP_E_STUB:
		return (struct outcome){"failed", CLI_EXIT_DEVICE,
					"stub did not start - check the 3.3 V supply"};
	case ESP_E_CHIP:
	case ESP_E_UNSUPPORTED:
		return (struct outcome){"refused", CLI_EXIT_REFUSED, "chip not supported - see log"};
	case ESP_E_IMAGE:
	case ESP_E_TOOBIG:
		return (struct outcome){"refused", CLI_EXIT_REFUSED, "image or backup unusable - see log"};
	case ESP_E_SECURITY:
		/* flash encryption, secure boot or Secure Download Mode */
		return (struct outcome){"refused", CLI_EXIT_REFUSED,
					"chip security on - see log"};
	case ESP_E_BOOT:
		/* verify proved the bytes; the unit does not run them */
		return (struct outcome){"failed", CLI_EXIT_DEVICE, "does not boot - see log"};
	case ESP_E_CANCELLED: return (struct outcome){"cancelled", CLI_EXIT_CANCELLED, "stopped"};
	}
	return (struct outcome){"failed", CLI_EXIT_DEVICE, "failed - see log"};
}

const char *job_result_for(enum esp_err e)
{
	return outcome_of(e).result;
}

const char *job_cause_for(enum esp_err e, enum st_stage st, int local)
{
	if (local && e != ESP_OK && e != ESP_E_CANCELLED)
		return st == ST_STAGE_BACKUP ? "backup not saved - nothing erased"
					     : "local disk or database error - see log";
	if (e == ESP_E_DEVICE && (st == ST_STAGE_ERASE || st == ST_STAGE_WRITE))
		return "flash write failed - reject unit";
	return outcome_of(e).cause;
}

enum cli_exit job_exit_for(enum esp_err e, int local)
{
	if (local && e != ESP_OK && e != ESP_E_CANCELLED)
		return CLI_EXIT_FILE;
	return outcome_of(e).exit;
}
