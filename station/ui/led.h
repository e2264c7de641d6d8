/* SPDX-License-Identifier: MIT */
/* One LED per slot through the Linux LED class (/sys/class/leds/<name>):
 * idle off, busy blinking, pass on, fail fast blink, needs-operator slow
 * blink.  The root is configurable so tests use a fake sysfs directory. */
#pragma once

enum led_state { LED_IDLE, LED_BUSY, LED_PASS, LED_FAIL, LED_OPERATOR };

/* Sets the LED; returns 0, or -errno (the caller logs it once). */
int led_set(const char *root, const char *name, enum led_state st);
const char *led_state_name(enum led_state st);
