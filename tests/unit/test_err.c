/* SPDX-License-Identifier: MIT */
/* The error table (esp_err.h): numbers are stored in the station database,
 * so they are frozen here; names and texts are unique; esp_error_set formats
 * and truncates safely; device status codes have names
 * (esp-serial-protocol.md §3.4, §3.5). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "esp_err.h"
#include "test.h"

/* The numbering as released.  Append new codes to ESP_ERR_LIST and add them
 * here; never edit a line (style C.5, C.15 item 8). */
static const struct {
	int num;
	const char *name;
} frozen[] = {
	{ 0, "ESP_OK" },
	{ 1, "ESP_E_INVAL" },
	{ 2, "ESP_E_NOMEM" },
	{ 3, "ESP_E_IO" },
	{ 4, "ESP_E_NODEV" },
	{ 5, "ESP_E_BUSY" },
	{ 6, "ESP_E_TIMEOUT" },
	{ 7, "ESP_E_NOSYNC" },
	{ 8, "ESP_E_PROTO" },
	{ 9, "ESP_E_DEVICE" },
	{ 10, "ESP_E_UNSUPPORTED" },
	{ 11, "ESP_E_VERIFY" },
	{ 12, "ESP_E_IMAGE" },
	{ 13, "ESP_E_CANCELLED" },
	{ 14, "ESP_E_PERM" },
	{ 15, "ESP_E_NOPORT" },
	{ 16, "ESP_E_CHIP" },
	{ 17, "ESP_E_TOOBIG" },
	{ 18, "ESP_E_STUB" },
	{ 19, "ESP_E_READ" },
	{ 20, "ESP_E_LOST" },
	{ 21, "ESP_E_SECURITY" },
	{ 22, "ESP_E_BOOT" },
};

/* The list as compiled, through the same X-macro the library uses. */
static const struct {
	int num;
	const char *name;
	const char *text;
} list[] = {
#define ROW_(name, num, text) { num, #name, text },
	ESP_ERR_LIST(ROW_)
#undef ROW_
};

#define NLIST (sizeof(list) / sizeof(list[0]))
#define NFROZEN (sizeof(frozen) / sizeof(frozen[0]))

static void test_frozen(void)
{
	/* the enum constants themselves */
	T_EQ_INT(ESP_OK, 0);
	T_EQ_INT(ESP_E_INVAL, 1);
	T_EQ_INT(ESP_E_TIMEOUT, 6);
	T_EQ_INT(ESP_E_NOSYNC, 7);
	T_EQ_INT(ESP_E_PROTO, 8);
	T_EQ_INT(ESP_E_DEVICE, 9);
	T_EQ_INT(ESP_E_VERIFY, 11);
	T_EQ_INT(ESP_E_IMAGE, 12);
	T_EQ_INT(ESP_E_READ, 19);

	T_CHECK(NLIST >= NFROZEN);
	for (size_t i = 0; i < NFROZEN; i++) {
		int found = 0;

		t_set_case("frozen %s = %d", frozen[i].name, frozen[i].num);
		for (size_t k = 0; k < NLIST; k++) {
			if (strcmp(list[k].name, frozen[i].name) == 0) {
				found = 1;
				T_EQ_INT(list[k].num, frozen[i].num);
			}
		}
		T_CHECK(found);
		T_EQ_STR(esp_err_name((enum esp_err)frozen[i].num), frozen[i].name);
	}
	/* codes added later get new numbers */
	for (size_t k = 0; k < NLIST; k++) {
		int in_frozen = 0;

		for (size_t i = 0; i < NFROZEN; i++)
			in_frozen |= strcmp(list[k].name, frozen[i].name) == 0;
		if (!in_frozen) {
			t_set_case("new code %s", list[k].name);
			T_CHECK(list[k].num > frozen[NFROZEN - 1].num);
		}
	}
	t_set_case("%s", "");
}

static void test_unique(void)
{
	for (size_t i = 0; i < NLIST; i++) {
		const char *name, *text;

		t_set_case("code %s", list[i].name);
		T_CHECK(list[i].num >= 0);
		T_CHECK(list[i].text[0] != '\0');
		name = esp_err_name((enum esp_err)list[i].num);
		text = esp_strerror((enum esp_err)list[i].num);
		T_EQ_STR(name, list[i].name);
		T_EQ_STR(text, list[i].text);
		for (size_t k = i + 1; k < NLIST; k++) {
			T_NE_INT(list[i].num, list[k].num);
			T_CHECK(strcmp(list[i].name, list[k].name) != 0);
			T_CHECK(strcmp(list[i].text, list[k].text) != 0);
		}
	}
	/* numbers outside the table still print */
	t_set_case("unknown codes");
	T_CHECK(esp_err_name((enum esp_err)9999) != NULL);
	T_CHECK(esp_strerror((enum esp_err)9999) != NULL);
	T_CHECK(esp_err_name((enum esp_err)-1) != NULL);
	T_CHECK(esp_strerror((enum esp_err)-1) != NULL);
	t_set_case("%s", "");
}

static void test_error_set(void)
{
	struct {
		struct esp_error e;
		unsigned char canary[64];
	} w;
	char longs[1000];
	enum esp_err rc;

	t_set_case("error_set formats");
	memset(&w, 0xAA, sizeof(w));
	rc = esp_error_set(&w.e, ESP_E_TIMEOUT, ETIMEDOUT, "read %s at 0x%x", "flash", 0x1000);
	T_EQ_INT(rc, ESP_E_TIMEOUT);
	T_EQ_INT(w.e.code, ESP_E_TIMEOUT);
	T_EQ_INT(w.e.sys_errno, ETIMEDOUT);
	T_CHECK(memchr(w.e.msg, '\0', sizeof(w.e.msg)) != NULL);
	T_CHECK(strncmp(w.e.msg, "read flash at 0x1000", 20) == 0);

	t_set_case("error_set without errno");
	rc = esp_error_set(&w.e, ESP_E_PROTO, 0, "%s", "bad frame");
	T_EQ_INT(rc, ESP_E_PROTO);
	T_EQ_INT(w.e.code, ESP_E_PROTO);
	T_EQ_INT(w.e.sys_errno, 0);
	T_CHECK(strncmp(w.e.msg, "bad frame", 9) == 0);

	t_set_case("error_set truncates");
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	memset(&w, 0xAA, sizeof(w));
	rc = esp_error_set(&w.e, ESP_E_IO, EIO, "%s|%s", longs, longs);
	T_EQ_INT(rc, ESP_E_IO);
	T_CHECK(memchr(w.e.msg, '\0', sizeof(w.e.msg)) != NULL);
	T_EQ_INT(strnlen(w.e.msg, sizeof(w.e.msg)), ESP_ERR_MSG_LEN - 1);
	T_CHECK(w.e.msg[0] == 'x');
	for (size_t i = 0; i < sizeof(w.canary); i++)
		T_EQ_HEX(w.canary[i], 0xAA);

	t_set_case("error_set exactly fits");
	memset(longs, 'y', ESP_ERR_MSG_LEN - 1);
	longs[ESP_ERR_MSG_LEN - 1] = '\0';
	rc = esp_error_set(&w.e, ESP_E_IO, 0, "%s", longs);
	T_CHECK(strncmp(w.e.msg, longs, ESP_ERR_MSG_LEN - 1) == 0);
	T_CHECK(w.e.msg[ESP_ERR_MSG_LEN - 1] == '\0');

	t_set_case("error_set NULL");
	T_EQ_INT(esp_error_set(NULL, ESP_E_NOSYNC, 0, "ignored %d", 1), ESP_E_NOSYNC);
	T_EQ_INT(esp_error_set(NULL, ESP_OK, 0, "%s", ""), ESP_OK);
	t_set_case("%s", "");
}

static void test_dev_names(void)
{
	static const struct {
		uint8_t code;
		const char *name;
	} stub[] = {
		{ 0xC0, "BAD_DATA_LEN" },      { 0xC1, "BAD_DATA_CHECKSUM" },
		{ 0xC2, "BAD_BLOCKSIZE" },     { 0xC3, "INVALID_COMMAND" },
		{ 0xC4, "FAILED_SPI_OP" },     { 0xC5, "FAILED_SPI_UNLOCK" },
		{ 0xC6, "NOT_IN_FLASH_MODE" }, { 0xC7, "INFLATE_ERROR" },
		{ 0xC8, "NOT_ENOUGH_DATA" },   { 0xC9, "TOO_MUCH_DATA" },
		{ 0xFF, "CMD_NOT_IMPLEMENTED" },
	};
	const char *r5, *r7, *r8;

	for (size_t i = 0; i < sizeof(stub) / sizeof(stub[0]); i++) {
		t_set_case("stub code 0x%02x", stub[i].code);
		T_EQ_STR(esp_dev_error_name(1, stub[i].code), stub[i].name);
	}

	t_set_case("ROM codes");
	r5 = esp_dev_error_name(0, 0x05);
	r7 = esp_dev_error_name(0, 0x07);
	r8 = esp_dev_error_name(0, 0x08);
	T_EQ_STR(r7, "CHECKSUM_ERROR");
	T_REQUIRE(r5 && r8);
	T_CHECK(r5[0] && r8[0]);
	T_CHECK(strcmp(r5, r7) != 0);
	T_CHECK(strcmp(r5, r8) != 0);
	T_CHECK(strcmp(r7, r8) != 0);

	t_set_case("unknown device codes");
	for (int c = 0; c < 256; c++) {
		const char *a = esp_dev_error_name(0, (uint8_t)c), *b = esp_dev_error_name(1, (uint8_t)c);

		T_CHECK(a != NULL && b != NULL);
	}
	t_set_case("%s", "");
}

int main(void)
{
	test_frozen();
	test_unique();
	test_error_set();
	test_dev_names();
	return t_done("test_err");
}
