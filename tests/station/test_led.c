/* SPDX-License-Identifier: MIT */
/* led_set() against a fake LED class directory: <root>/<name>/{trigger,
 * brightness,delay_on,delay_off} as plain files.  Idle is off, pass is on,
 * busy/fail/needs-operator blink through the timer trigger at three distinct
 * speeds (fail fastest, needs-operator slowest); a missing LED is -ENOENT; an
 * empty name touches nothing. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/test.h"
#include "led.h"

static const char *const attrs[] = {"trigger", "brightness", "delay_on", "delay_off"};
#define N_ATTRS (sizeof attrs / sizeof attrs[0])
/* longer than anything led_set writes: a missing O_TRUNC would show */
static const char sentinel[] = "untouched-sentinel-value";

static void put(const char *root, const char *name, const char *attr, const char *val)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s/%s", root, name, attr);
	FILE *f = fopen(path, "w");
	T_REQUIRE(f != NULL);
	T_REQUIRE(fputs(val, f) >= 0);
	T_REQUIRE(fclose(f) == 0);
}

static const char *get(const char *root, const char *name, const char *attr)
{
	static char buf[4][128];
	static unsigned turn;
	char path[512], *b = buf[turn++ % 4];
	snprintf(path, sizeof path, "%s/%s/%s", root, name, attr);
	FILE *f = fopen(path, "r");
	T_REQUIRE(f != NULL);
	size_t n = fread(b, 1, sizeof buf[0] - 1, f);
	fclose(f);
	b[n] = '\0';
	b[strcspn(b, "\n")] = '\0';
	return b;
}

static void make_led(const char *root, const char *name)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	T_REQUIRE(mkdir(dir, 0755) == 0);
	for (size_t i = 0; i < N_ATTRS; i++)
		put(root, name, attrs[i], sentinel);
}

static void reset_led(const char *root, const char *name)
{
	for (size_t i = 0; i < N_ATTRS; i++)
		put(root, name, attrs[i], sentinel);
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	T_REQUIRE(d != NULL);
	for (struct dirent *de; (de = readdir(d));)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* a decimal count of milliseconds, > 0 */
static long ms(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return end != s && *end == '\0' && v > 0 ? v : -1;
}

int main(void)
{
	char root[] = "/tmp/st-led-test-XXXXXX";
	const char *name = "espstation:slot1";
	T_REQUIRE(mkdtemp(root) != NULL);
	make_led(root, name);

	t_set_case("idle");
	reset_led(root, name);
	T_EQ_INT(led_set(root, name, LED_IDLE), 0);
	T_EQ_STR(get(root, name, "trigger"), "none");
	T_EQ_STR(get(root, name, "brightness"), "0");

	t_set_case("pass");
	reset_led(root, name);
	T_EQ_INT(led_set(root, name, LED_PASS), 0);
	T_EQ_STR(get(root, name, "trigger"), "none");
	T_CHECK(ms(get(root, name, "brightness")) > 0);

	/* blinking states: timer trigger, both delays set, distinct speeds */
	static const enum led_state blink[] = {LED_FAIL, LED_BUSY, LED_OPERATOR};
	long on[3], off[3];
	for (size_t i = 0; i < 3; i++) {
		t_set_case("%s", led_state_name(blink[i]));
		reset_led(root, name);
		T_EQ_INT(led_set(root, name, blink[i]), 0);
		T_EQ_STR(get(root, name, "trigger"), "timer");
		on[i] = ms(get(root, name, "delay_on"));
		off[i] = ms(get(root, name, "delay_off"));
		T_CHECK(on[i] > 0);
		T_CHECK(off[i] > 0);
	}
	t_set_case("speeds: fail < busy < needs-operator (period = delay_on + delay_off)");
	T_CHECK(on[0] + off[0] < on[1] + off[1]);
	T_CHECK(on[1] + off[1] < on[2] + off[2]);

	/* idle after blinking turns the timer off again */
	t_set_case("busy then idle");
	T_EQ_INT(led_set(root, name, LED_BUSY), 0);
	T_EQ_INT(led_set(root, name, LED_IDLE), 0);
	T_EQ_STR(get(root, name, "trigger"), "none");
	T_EQ_STR(get(root, name, "brightness"), "0");

	t_set_case("missing LED");
	int before = entries(root);
	for (int st = LED_IDLE; st <= LED_OPERATOR; st++)
		T_EQ_INT(led_set(root, "espstation:slot9", (enum led_state)st), -ENOENT);
	T_EQ_INT(led_set("/nonexistent-st-led-root", name, LED_PASS), -ENOENT);
	T_EQ_INT(entries(root), before);

	t_set_case("empty or no name is a no-op");
	reset_led(root, name);
	for (int st = LED_IDLE; st <= LED_OPERATOR; st++) {
		T_EQ_INT(led_set(root, "", (enum led_state)st), 0);
		T_EQ_INT(led_set(root, NULL, (enum led_state)st), 0);
		T_EQ_INT(led_set("/nonexistent-st-led-root", "", (enum led_state)st), 0);
	}
	T_EQ_INT(entries(root), before);
	for (size_t i = 0; i < N_ATTRS; i++)
		T_EQ_STR(get(root, name, attrs[i]), sentinel);

	t_set_case("state names");
	for (int a = LED_IDLE; a <= LED_OPERATOR; a++) {
		T_CHECK(strcmp(led_state_name((enum led_state)a), "?") != 0);
		for (int b = a + 1; b <= LED_OPERATOR; b++)
			T_CHECK(strcmp(led_state_name((enum led_state)a), led_state_name((enum led_state)b)) != 0);
	}
	T_EQ_STR(led_state_name((enum led_state)99), "?");
	T_EQ_INT(led_set(root, name, (enum led_state)99), -EINVAL);

	char path[600];
	for (size_t i = 0; i < N_ATTRS; i++) {
		snprintf(path, sizeof path, "%s/%s/%s", root, name, attrs[i]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/%s", root, name);
	rmdir(path);
	rmdir(root);
	return t_done("test_led");
}
