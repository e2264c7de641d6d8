/* SPDX-License-Identifier: MIT */
/* db_mac_normalize(): the spellings operators type, and the near misses
 * that must be refused rather than guessed. */
#include "dbtest.h"

static const struct {
	const char *in;
	const char *out;            /* NULL: refused */
} s_cases[] = {
	{"aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff"},
	{"AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"},
	{"Aa:bB:0c:D1:e2:F3", "aa:bb:0c:d1:e2:f3"},
	{"aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff"},
	{"AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"},
	{"aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"},
	{"AABB.CCDD.EEFF", "aa:bb:cc:dd:ee:ff"},
	{"aabbccddeeff", "aa:bb:cc:dd:ee:ff"},
	{"5CCF7F123456", "5c:cf:7f:12:34:56"},
	{"  5c:cf:7f:12:34:56\n", "5c:cf:7f:12:34:56"},
	{"\t5ccf7f123456 ", "5c:cf:7f:12:34:56"},
	{"00:00:00:00:00:00", "00:00:00:00:00:00"},
	{"ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"},
	{"", NULL},
	{"   ", NULL},
	{"aa:bb:cc:dd:ee", NULL},          /* 5 bytes */
	{"aa:bb:cc:dd:ee:ff:00", NULL},    /* 7 bytes */
	{"aa:bb:cc:dd:ee:f", NULL},
	{"aa:bb:cc:dd:ee:fg", NULL},       /* not hex */
	{"aa:bb-cc:dd:ee:ff", NULL},       /* mixed separators */
	{"aa:bb:cc:dd:ee-ff", NULL},
	{"aab:bcc:dde:eff", NULL},         /* wrong grouping */
	{"aa:bbcc:dd:ee:ff", NULL},
	{"aabb:ccdd:eeff", NULL},          /* groups of 4 need dots */
	{"aabb.ccdd.eef", NULL},
	{"aabbccddeef", NULL},             /* 11 digits */
	{"aabbccddeeff0", NULL},           /* 13 digits */
	{"aa bb cc dd ee ff", NULL},       /* blanks inside */
	{":aa:bb:cc:dd:ee:f", NULL},
	{"aa:bb:cc:dd:ee:ff:", NULL},
	{"0x5ccf7f123456", NULL},
	{"5c:cf:7f:12:34:5\xc3\xa9", NULL}, /* non-ASCII */
};

int main(void)
{
	char out[DB_MAC_LEN];

	for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
		int r;

		t_set_case("\"%s\"", s_cases[i].in);
		memset(out, 'x', sizeof out);
		r = db_mac_normalize(s_cases[i].in, out);
		if (s_cases[i].out) {
			T_EQ_INT(r, 0);
			T_EQ_STR(out, s_cases[i].out);
		} else {
			T_EQ_INT(r, -EINVAL);
			T_EQ_STR(out, "");
		}
	}
	t_set_case("NULL");
	T_EQ_INT(db_mac_normalize(NULL, out), -EINVAL);
	/* idempotent: the canonical form normalizes to itself */
	t_set_case("idempotent");
	T_EQ_INT(db_mac_normalize("5c:cf:7f:12:34:56", out), 0);
	T_EQ_INT(db_mac_normalize(out, out), 0);
	T_EQ_STR(out, "5c:cf:7f:12:34:56");
	return t_done("db_mac");
}
