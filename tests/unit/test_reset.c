/* SPDX-License-Identifier: MIT */
/* Reset sequences (esp_reset.h): the esptool string form, the built-in
 * classic / unix-tight / hard-reset sequences against esptool's timings
 * (esp-serial-protocol.md §13.2), and the executor against a recording fake
 * transport (line states and their order, not the timing). */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "esp_err.h"
#include "esp_reset.h"
#include "xport.h"
#include "test.h"

/* ---- line-state timelines ------------------------------------------------ */

/* A sequence reduced to what the chip sees: line states (DTR, RTS; -1 =
 * never set) in order, with the waits between them.  Repeated writes of the
 * same state (esptool re-writes DTR after RTS) and zero waits vanish. */
struct tl {
	char kind; /* 'S' state, 'W' wait */
	int dtr, rts;
	unsigned ms;
};

#define TL_MAX 80

struct timeline {
	size_t n;
	struct tl e[TL_MAX];
};

static void tl_state(struct timeline *t, int *last_dtr, int *last_rts, int dtr, int rts)
{
	if (dtr == *last_dtr && rts == *last_rts)
		return;
	*last_dtr = dtr;
	*last_rts = rts;
	if (t->n < TL_MAX)
		t->e[t->n++] = (struct tl){ 'S', dtr, rts, 0 };
}

static void tl_wait(struct timeline *t, unsigned ms)
{
	if (ms == 0)
		return;
	if (t->n && t->e[t->n - 1].kind == 'W') {
		t->e[t->n - 1].ms += ms;
		return;
	}
	if (t->n < TL_MAX)
		t->e[t->n++] = (struct tl){ 'W', 0, 0, ms };
}

static void seq_timeline(const struct esp_reset_seq *q, struct timeline *t)
{
	int dtr = -1, rts = -1, ld = -1, lr = -1;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < q->n && i < ESP_RESET_MAX_STEPS; i++) {
		const struct esp_reset_step *s = &q->step[i];

		switch (s->op) {
		case ESP_RESET_DTR:
			dtr = s->dtr;
			break;
		case ESP_RESET_RTS:
			rts = s->rts;
			break;
		case ESP_RESET_BOTH:
			dtr = s->dtr;
			rts = s->rts;
			break;
		case ESP_RESET_WAIT:
			tl_wait(t, s->wait_ms);
			continue;
		default:
			T_CHECK(!"unknown step op");
			continue;
		}
		tl_state(t, &ld, &lr, dtr, rts);
	}
}

static void tl_print(const char *label, const struct timeline *t)
{
	fprintf(stderr, "    %s:", label);
	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].kind == 'W')
			fprintf(stderr, " W%u", t->e[i].ms);
		else
			fprintf(stderr, " (%d,%d)", t->e[i].dtr, t->e[i].rts);
	}
	fputc('\n', stderr);
}

/* want uses -1 for "any value" in states */
static int tl_match(const struct timeline *got, const struct tl *want, size_t n)
{
	if (got->n != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct tl *g = &got->e[i], *w = &want[i];

		if (g->kind != w->kind)
			return 0;
		if (w->kind == 'W' && g->ms != w->ms)
			return 0;
		if (w->kind == 'S' && ((w->dtr >= 0 && g->dtr != w->dtr) ||
				       (w->rts >= 0 && g->rts != w->rts)))
			return 0;
	}
	return 1;
}

#define S(d, r) { 'S', (d), (r), 0 }
#define W(ms) { 'W', 0, 0, (ms) }

static void check_timeline(const char *file, int line, const struct timeline *got,
			   const struct tl *want, size_t n)
{
	struct timeline w;

	t_checks++;
	if (tl_match(got, want, n))
		return;
	t_fail_head(file, line);
	fputs("line-state timeline differs\n", stderr);
	tl_print("got     ", got);
	w.n = n;
	memcpy(w.e, want, n * sizeof(*want));
	tl_print("expected", &w);
}

#define T_TIMELINE(got, ...)                                                             \
	do {                                                                             \
		static const struct tl t_w_[] = { __VA_ARGS__ };                         \
		check_timeline(__FILE__, __LINE__, (got), t_w_, sizeof(t_w_) / sizeof(t_w_[0])); \
	} while (0)

/* ---- parser ------------------------------------------------------------ */

static void test_parse_accept(void)
{
	struct esp_reset_seq q;
	struct esp_error err;
	enum esp_err rc;

	t_set_case("parse classic string");
	memset(&q, 0x5A, sizeof(q));
	memset(&err, 0, sizeof(err));
	rc = esp_reset_seq_parse("D0|R1|W0.1|D1|R0|W0.05|D0", &q, &err);
	T_EQ_INT(rc, ESP_OK);
	T_EQ_INT(q.n, 7);
	if (q.n == 7) {
		T_EQ_INT(q.step[0].op, ESP_RESET_DTR);
		T_EQ_INT(q.step[0].dtr, 0);
		T_EQ_INT(q.step[1].op, ESP_RESET_RTS);
		T_EQ_INT(q.step[1].rts, 1);
		T_EQ_INT(q.step[2].op, ESP_RESET_WAIT);
		T_EQ_INT(q.step[2].wait_ms, 100);
		T_EQ_INT(q.step[3].op, ESP_RESET_DTR);
		T_EQ_INT(q.step[3].dtr, 1);
		T_EQ_INT(q.step[4].op, ESP_RESET_RTS);
		T_EQ_INT(q.step[4].rts, 0);
		T_EQ_INT(q.step[5].op, ESP_RESET_WAIT);
		T_EQ_INT(q.step[5].wait_ms, 50);
		T_EQ_INT(q.step[6].op, ESP_RESET_DTR);
		T_EQ_INT(q.step[6].dtr, 0);
	}

	t_set_case("parse U form");
	rc = esp_reset_seq_parse("U0,1|W0.1|U1,0", &q, &err);
	T_EQ_INT(rc, ESP_OK);
	T_EQ_INT(q.n, 3);
	if (q.n == 3) {
		T_EQ_INT(q.step[0].op, ESP_RESET_BOTH);
		T_EQ_INT(q.step[0].dtr, 0);
		T_EQ_INT(q.step[0].rts, 1);
		T_EQ_INT(q.step[1].op, ESP_RESET_WAIT);
		T_EQ_INT(q.step[1].wait_ms, 100);
		T_EQ_INT(q.step[2].op, ESP_RESET_BOTH);
		T_EQ_INT(q.step[2].dtr, 1);
		T_EQ_INT(q.step[2].rts, 0);
	}

	/* waits are seconds, as in esptool's time.sleep() */
	static const struct {
		const char *s;
		unsigned ms;
	} waits[] = {
		{ "W0", 0 },       { "W1", 1000 },     { "W0.55", 550 },  { "W0.001", 1 },
		{ "W2.5", 2500 },  { "W0.035", 35 },   { "W0.57", 570 },
		/* 1.001 * 1000 is 1000.9999... in binary floating point */
		{ "W1.001", 1001 }, { "W2.002", 2002 },
	};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		t_set_case("parse wait %s", waits[i].s);
		memset(&q, 0, sizeof(q));
		rc = esp_reset_seq_parse(waits[i].s, &q, &err);
		T_EQ_INT(rc, ESP_OK);
		T_EQ_INT(q.n, 1);
		T_EQ_INT(q.step[0].op, ESP_RESET_WAIT);
		T_EQ_INT(q.step[0].wait_ms, waits[i].ms);
	}

	t_set_case("parse max steps");
	{
		char s[4 * ESP_RESET_MAX_STEPS + 8] = "";

		for (int i = 0; i < ESP_RESET_MAX_STEPS; i++)
			strcat(s, i ? "|D1" : "D1");
		rc = esp_reset_seq_parse(s, &q, NULL);
		T_EQ_INT(rc, ESP_OK);
		T_EQ_INT(q.n, ESP_RESET_MAX_STEPS);
	}
	t_set_case("%s", "");
}

static void test_parse_reject(void)
{
	static const struct {
		const char *s;
		const char *token; /* must appear in the message; NULL: any message */
	} bad[] = {
		{ "X1", "X1" },
		{ "D2", "D2" },
		{ "W-1", "W-1" },
		{ "W", "W" },
		{ "", NULL },
		{ "D", "D" },
		{ "R5", "R5" },
		{ "U1", "U1" },
		{ "U1,2", "U1,2" },
		{ "Wabc", "Wabc" },
		{ "W0.1x", "W0.1x" },
		{ "D0|R1|X1|W0.1", "X1" },
		{ "D0|R1|W0.1|D2", "D2" },
		{ "D0||R1", NULL },
		{ "D0|", NULL },
	};
	struct esp_reset_seq q;
	struct esp_error err;
	enum esp_err rc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t_set_case("reject \"%s\"", bad[i].s);
		memset(&err, 0, sizeof(err));
		rc = esp_reset_seq_parse(bad[i].s, &q, &err);
		T_NE_INT(rc, ESP_OK);
		if (rc == ESP_OK)
			continue;
		T_EQ_INT(err.code, rc);
		T_CHECK(err.msg[0] != '\0');
		T_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		if (bad[i].token)
			T_HAS_STR(err.msg, bad[i].token);
		/* NULL err is allowed */
		T_NE_INT(esp_reset_seq_parse(bad[i].s, &q, NULL), ESP_OK);
	}

	t_set_case("reject too many steps");
	{
		char s[4 * (ESP_RESET_MAX_STEPS + 1) + 8] = "";

		for (int i = 0; i <= ESP_RESET_MAX_STEPS; i++)
			strcat(s, i ? "|D0" : "D0");
		memset(&err, 0, sizeof(err));
		rc = esp_reset_seq_parse(s, &q, &err);
		T_NE_INT(rc, ESP_OK);
		T_CHECK(err.msg[0] != '\0');
	}
	t_set_case("%s", "");
}

static void test_plan_parse(void)
{
	struct esp_reset_plan p;
	struct esp_error err;

	t_set_case("plan auto");
	memset(&p, 0x5A, sizeof(p));
	T_EQ_INT(esp_reset_plan_parse("auto", &p, &err), ESP_OK);
	T_EQ_INT(p.mode, ESP_RESET_AUTO);

	t_set_case("plan none");
	T_EQ_INT(esp_reset_plan_parse("none", &p, &err), ESP_OK);
	T_EQ_INT(p.mode, ESP_RESET_NONE);

	t_set_case("plan custom");
	T_EQ_INT(esp_reset_plan_parse("D0|R1|W0.1|D1|R0|W0.05|D0", &p, &err), ESP_OK);
	T_EQ_INT(p.mode, ESP_RESET_CUSTOM);
	T_EQ_INT(p.custom.n, 7);
	if (p.custom.n == 7) {
		T_EQ_INT(p.custom.step[2].op, ESP_RESET_WAIT);
		T_EQ_INT(p.custom.step[2].wait_ms, 100);
	}

	t_set_case("plan custom U");
	T_EQ_INT(esp_reset_plan_parse("U0,1|W0.1|U1,0", &p, &err), ESP_OK);
	T_EQ_INT(p.mode, ESP_RESET_CUSTOM);
	T_EQ_INT(p.custom.n, 3);

	t_set_case("plan bad");
	memset(&err, 0, sizeof(err));
	T_NE_INT(esp_reset_plan_parse("D0|Q7", &p, &err), ESP_OK);
	T_HAS_STR(err.msg, "Q7");
	T_NE_INT(esp_reset_plan_parse("", &p, NULL), ESP_OK);
	t_set_case("%s", "");
}

/* ---- built-in sequences (§13.2) ------------------------------------------ */

static void test_builtin(void)
{
	struct esp_reset_seq q;
	struct timeline t;

	/* ClassicReset: DTR=0; RTS=1; wait 100; DTR=1; RTS=0; wait 50|550; DTR=0 */
	t_set_case("classic 50");
	memset(&q, 0, sizeof(q));
	esp_reset_seq_classic(&q, 0);
	T_CHECK(q.n > 0 && q.n <= ESP_RESET_MAX_STEPS);
	seq_timeline(&q, &t);
	T_TIMELINE(&t, S(0, -1), S(0, 1), W(100), S(1, 1), S(1, 0), W(50), S(0, 0));
	for (size_t i = 0; i < q.n; i++)
		T_CHECK(q.step[i].op != ESP_RESET_BOTH); /* separate line writes */

	t_set_case("classic 550");
	esp_reset_seq_classic(&q, 1);
	seq_timeline(&q, &t);
	T_TIMELINE(&t, S(0, -1), S(0, 1), W(100), S(1, 1), S(1, 0), W(550), S(0, 0));

	/* UnixTightReset: (0,0) (1,1) (0,1) wait 100 (1,0) wait 50|550 (0,0) */
	t_set_case("unix tight 50");
	memset(&q, 0, sizeof(q));
	esp_reset_seq_unix_tight(&q, 0);
	T_CHECK(q.n > 0 && q.n <= ESP_RESET_MAX_STEPS);
	seq_timeline(&q, &t);
	T_TIMELINE(&t, S(0, 0), S(1, 1), S(0, 1), W(100), S(1, 0), W(50), S(0, 0));
	{
		/* every change of state is one operation on both lines */
		int dtr = -1, rts = -1;

		for (size_t i = 0; i < q.n; i++) {
			const struct esp_reset_step *s = &q.step[i];
			int nd = dtr, nr = rts;

			if (s->op == ESP_RESET_DTR)
				nd = s->dtr;
			else if (s->op == ESP_RESET_RTS)
				nr = s->rts;
			else if (s->op == ESP_RESET_BOTH)
				nd = s->dtr, nr = s->rts;
			if ((nd != dtr || nr != rts) && s->op != ESP_RESET_BOTH) {
				t_fail_head(__FILE__, __LINE__);
				fprintf(stderr, "step %zu ('%c') changes the lines alone\n", i,
					(char)s->op);
			}
			dtr = nd;
			rts = nr;
		}
	}

	t_set_case("unix tight 550");
	esp_reset_seq_unix_tight(&q, 1);
	seq_timeline(&q, &t);
	T_TIMELINE(&t, S(0, 0), S(1, 1), S(0, 1), W(100), S(1, 0), W(550), S(0, 0));

	/* hard reset: RTS asserted 100 ms, DTR released throughout */
	t_set_case("hard reset");
	memset(&q, 0, sizeof(q));
	esp_reset_seq_hard(&q);
	T_CHECK(q.n > 0 && q.n <= ESP_RESET_MAX_STEPS);
	seq_timeline(&q, &t);
	while (t.n && t.e[t.n - 1].kind == 'W')
		t.n--; /* a settle wait after the pulse is fine */
	{
		int ok = t.n >= 3;

		for (size_t i = 0; ok && i < t.n; i++) {
			const struct tl *e = &t.e[i];

			if (e->kind == 'S' && e->dtr != 0 && !(e->dtr == -1 && e->rts != 1))
				ok = 0; /* GPIO0 pulled low, or EN pulsed with DTR unknown */
			if (e->kind == 'W' && i != t.n - 2)
				ok = 0; /* the only wait is the pulse */
		}
		if (ok) {
			const struct tl *a = &t.e[t.n - 3], *w = &t.e[t.n - 2], *b = &t.e[t.n - 1];

			ok = a->kind == 'S' && a->dtr == 0 && a->rts == 1 && w->kind == 'W' &&
			     w->ms == 100 && b->kind == 'S' && b->dtr == 0 && b->rts == 0;
		}
		t_checks++;
		if (!ok) {
			t_fail_head(__FILE__, __LINE__);
			fputs("hard reset is not (DTR=0) RTS=1, wait 100, RTS=0\n", stderr);
			tl_print("got", &t);
		}
	}
	t_set_case("%s", "");
}

/* ---- executor against a recording transport --------------------------------- */

struct fake_xport {
	struct xport base; /* first: the ops receive &base */
	size_t calls;
	int dtr[128], rts[128];
	long fail_at;      /* set_lines call index that fails; -1: never */
	enum esp_err fail_rc;
};

static enum esp_err fake_read(struct xport *x, void *buf, size_t len, unsigned timeout_ms,
			      size_t *ret_n)
{
	(void)x, (void)buf, (void)len, (void)timeout_ms;
	*ret_n = 0;
	return ESP_OK;
}

static enum esp_err fake_write(struct xport *x, const void *buf, size_t len, unsigned timeout_ms)
{
	(void)x, (void)buf, (void)len, (void)timeout_ms;
	return ESP_OK;
}

static enum esp_err fake_set_lines(struct xport *x, int dtr, int rts)
{
	struct fake_xport *f = (struct fake_xport *)x;
	size_t i = f->calls++;

	if (i < 128) {
		f->dtr[i] = dtr;
		f->rts[i] = rts;
	}
	if (f->fail_at >= 0 && (size_t)f->fail_at == i)
		return f->fail_rc;
	return ESP_OK;
}

static enum esp_err fake_set_baud(struct xport *x, unsigned baud)
{
	x->baud = baud;
	return ESP_OK;
}

static enum esp_err fake_flush(struct xport *x)
{
	(void)x;
	return ESP_OK;
}

static void fake_close(struct xport *x)
{
	(void)x;
}

static const struct xport_ops fake_ops = {
	.name = "fake",
	.read = fake_read,
	.write = fake_write,
	.set_lines = fake_set_lines,
	.set_baud = fake_set_baud,
	.flush_input = fake_flush,
	.close = fake_close,
};

static struct esp_error fake_err;

static void fake_init(struct fake_xport *f)
{
	memset(f, 0, sizeof(*f));
	f->base.ops = &fake_ops;
	f->base.caps = XPORT_CAP_LINES;
	f->base.baud = 115200;
	f->base.err = &fake_err;
	strcpy(f->base.name, "fake0");
	f->fail_at = -1;
}

/* The states the recorded set_lines calls produced (-1 = unchanged). */
static void recorded_timeline(const struct fake_xport *f, struct timeline *t)
{
	int dtr = -1, rts = -1, ld = -1, lr = -1;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < f->calls && i < 128; i++) {
		T_CHECK(f->dtr[i] >= -1 && f->dtr[i] <= 1);
		T_CHECK(f->rts[i] >= -1 && f->rts[i] <= 1);
		if (f->dtr[i] >= 0)
			dtr = f->dtr[i];
		if (f->rts[i] >= 0)
			rts = f->rts[i];
		tl_state(t, &ld, &lr, dtr, rts);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_run(void)
{
	static struct fake_xport f;
	struct esp_reset_seq q;
	struct timeline t;
	double t0, dt;

	t_set_case("run classic");
	fake_init(&f);
	esp_reset_seq_classic(&q, 0);
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	recorded_timeline(&f, &t);
	T_TIMELINE(&t, S(0, -1), S(0, 1), S(1, 1), S(1, 0), S(0, 0));

	t_set_case("run unix tight");
	fake_init(&f);
	esp_reset_seq_unix_tight(&q, 0);
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	recorded_timeline(&f, &t);
	T_TIMELINE(&t, S(0, 0), S(1, 1), S(0, 1), S(1, 0), S(0, 0));

	/* U sets both lines in one call: no intermediate (1,0) between (0,0) and (1,1) */
	t_set_case("run U is one operation");
	fake_init(&f);
	T_EQ_INT(esp_reset_seq_parse("U0,0|U1,1|U0,1", &q, NULL), ESP_OK);
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	T_EQ_INT(f.calls, 3);
	if (f.calls == 3) {
		T_EQ_INT(f.dtr[0], 0);
		T_EQ_INT(f.rts[0], 0);
		T_EQ_INT(f.dtr[1], 1);
		T_EQ_INT(f.rts[1], 1);
		T_EQ_INT(f.dtr[2], 0);
		T_EQ_INT(f.rts[2], 1);
	}

	/* D and R leave the other line alone */
	t_set_case("run D/R touch one line");
	fake_init(&f);
	T_EQ_INT(esp_reset_seq_parse("U1,1|D0|R0|R1", &q, NULL), ESP_OK);
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	recorded_timeline(&f, &t);
	T_TIMELINE(&t, S(1, 1), S(0, 1), S(0, 0), S(0, 1));

	t_set_case("run hard");
	fake_init(&f);
	esp_reset_seq_hard(&q);
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	recorded_timeline(&f, &t);
	T_CHECK(t.n >= 2);
	if (t.n >= 2) {
		T_EQ_INT(t.e[t.n - 2].dtr, 0);
		T_EQ_INT(t.e[t.n - 2].rts, 1);
		T_EQ_INT(t.e[t.n - 1].dtr, 0);
		T_EQ_INT(t.e[t.n - 1].rts, 0);
	}

	t_set_case("run empty sequence");
	fake_init(&f);
	memset(&q, 0, sizeof(q));
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	T_EQ_INT(f.calls, 0);

	/* waits really wait (lower bound only; no upper bound on a loaded box) */
	t_set_case("run waits");
	fake_init(&f);
	T_EQ_INT(esp_reset_seq_parse("D0|W0.03|D1", &q, NULL), ESP_OK);
	t0 = now_ms();
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_OK);
	dt = now_ms() - t0;
	T_CHECK(dt >= 29.0);
	T_EQ_INT(f.calls, 2);

	/* a port that vanishes mid-sequence: the error comes back, nothing more is sent */
	t_set_case("run set_lines failure");
	fake_init(&f);
	f.fail_at = 1;
	f.fail_rc = ESP_E_NODEV;
	esp_reset_seq_classic(&q, 0);
	T_EQ_INT(esp_reset_run(&f.base, &q), ESP_E_NODEV);
	T_EQ_INT(f.calls, 2);
	t_set_case("%s", "");
}

int main(void)
{
	test_parse_accept();
	test_parse_reject();
	test_plan_parse();
	test_builtin();
	test_run();
	return t_done("test_reset");
}
