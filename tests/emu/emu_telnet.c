/* SPDX-License-Identifier: MIT */
/* Telnet for an RFC 2217 access server: parser, option state, encoders
 * (emu_telnet.h).  From RFC 854/855/856/858/1143/2217. */
#include "emu_telnet.h"

#include <string.h>

static int agreeable(uint8_t opt)
{
	return opt == TN_OPT_BINARY || opt == TN_OPT_SGA || opt == TN_OPT_COM_PORT;
}

void tn_put_raw(struct tn_out *o, const uint8_t *p, size_t n)
{
	size_t room = o->cap - o->len;

	if (n > room) {
		o->lost += n - room;
		n = room;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

static void put3(struct tn_out *o, uint8_t verb, uint8_t opt)
{
	uint8_t b[3] = { TN_IAC, verb, opt };
	tn_put_raw(o, b, 3);
}

void tn_put_data(struct tn_out *o, const uint8_t *p, size_t n)
{
	static const uint8_t iac = TN_IAC;

	while (n) {
		const uint8_t *ff = memchr(p, TN_IAC, n);
		size_t run = ff ? (size_t)(ff - p) + 1 : n;
		tn_put_raw(o, p, run);
		if (ff)
			tn_put_raw(o, &iac, 1);         /* the doubling */
		p += run;
		n -= run;
	}
}

void tn_put_com_port(struct tn_out *o, uint8_t code, const uint8_t *v, size_t n)
{
	uint8_t head[4] = { TN_IAC, TN_SB, TN_OPT_COM_PORT, code };
	static const uint8_t tail[2] = { TN_IAC, TN_SE };

	tn_put_raw(o, head, 4);
	tn_put_data(o, v, n);
	tn_put_raw(o, tail, 2);
}

void tn_out_consume(struct tn_out *o, size_t n)
{
	if (n >= o->len) {
		o->len = 0;
		return;
	}
	memmove(o->p, o->p + n, o->len - n);
	o->len -= n;
}

void tn_init(struct tn *t)
{
	memset(t, 0, sizeof *t);
	t->st = TN_ST_DATA;
}

void tn_greet(struct tn *t, struct tn_out *o)
{
	static const uint8_t ours[] = { TN_OPT_BINARY, TN_OPT_SGA };

	for (size_t i = 0; i < sizeof ours; i++) {
		t->us[ours[i]] = TN_Q_WANTYES;
		put3(o, TN_WILL, ours[i]);
		t->him[ours[i]] = TN_Q_WANTYES;
		put3(o, TN_DO, ours[i]);
	}
	t->him[TN_OPT_COM_PORT] = TN_Q_WANTYES;
	put3(o, TN_DO, TN_OPT_COM_PORT);
}

/* RFC 1143: answer a request only when it changes the state in force. */
static void negotiate(struct tn *t, uint8_t verb, uint8_t opt, struct tn_out *o)
{
	int ask_on = verb == TN_WILL || verb == TN_DO;
	enum tn_q *q = verb == TN_WILL || verb == TN_WONT ? &t->him[opt] : &t->us[opt];
	uint8_t yes = verb == TN_WILL || verb == TN_WONT ? TN_DO : TN_WILL;
	uint8_t no = verb == TN_WILL || verb == TN_WONT ? TN_DONT : TN_WONT;

	if (ask_on) {
		if (!agreeable(opt)) {
			if (*q == TN_Q_NO)
				put3(o, no, opt);       /* refuse; the state stays off */
			*q = TN_Q_NO;
		} else if (*q == TN_Q_NO) {
			*q = TN_Q_YES;
			put3(o, yes, opt);
		} else {
			*q = TN_Q_YES;                  /* our offer accepted, or a repeat */
		}
	} else {
		if (*q == TN_Q_YES)
			put3(o, no, opt);               /* acknowledge the switch-off */
		*q = TN_Q_NO;
	}
}

static void sb_done(struct tn *t, const struct tn_ops *ops, void *ctx)
{
	if (t->sb_overflow) {
		ops->oddity(ctx, "sb_overflow", t->sb_len ? t->sb[0] : 0);
		return;
	}
	if (t->sb_len == 0 || (t->sb[0] == TN_OPT_COM_PORT && t->sb_len < 2)) {
		ops->oddity(ctx, "sb_empty", t->sb_len ? t->sb[0] : 0);
		return;
	}
	if (t->sb[0] != TN_OPT_COM_PORT) {
		ops->oddity(ctx, "sb_other_option", t->sb[0]);
		return;
	}
	ops->com_port(ctx, t->sb[1], t->sb + 2, t->sb_len - 2);
}

static void sb_byte(struct tn *t, uint8_t b)
{
	if (t->sb_len < TN_SB_MAX)
		t->sb[t->sb_len++] = b;
	else
		t->sb_overflow = 1;
}

void tn_input(struct tn *t, const uint8_t *p, size_t n, struct tn_out *o, const struct tn_ops *ops,
	      void *ctx)
{
	size_t run = 0;             /* payload bytes at p[i - run .. i) not yet handed on */

	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];
		switch (t->st) {
		case TN_ST_DATA:
			if (b != TN_IAC) {
				run++;
				continue;
			}
			if (run)
				ops->data(ctx, p + i - run, run);
			run = 0;
			t->st = TN_ST_IAC;
			break;
		case TN_ST_IAC:
			t->st = TN_ST_DATA;
			if (b == TN_IAC) {
				ops->data(ctx, &b, 1);  /* IAC IAC: one 0xFF of payload */
			} else if (b >= TN_WILL) {
				t->verb = b;
				t->st = TN_ST_OPT;
			} else if (b == TN_SB) {
				t->sb_len = 0;
				t->sb_overflow = 0;
				t->st = TN_ST_SB;
			} else if (b != TN_NOP) {
				/* DM, BRK, IP, AO, AYT, EC, EL, GA, a stray SE or a
				 * non-command: no meaning for a serial port */
				ops->oddity(ctx, "iac_command", b);
			}
			break;
		case TN_ST_OPT:
			negotiate(t, t->verb, b, o);
			t->st = TN_ST_DATA;
			break;
		case TN_ST_SB:
			if (b == TN_IAC)
				t->st = TN_ST_SB_IAC;
			else
				sb_byte(t, b);
			break;
		case TN_ST_SB_IAC:
			if (b == TN_IAC) {
				sb_byte(t, b);
				t->st = TN_ST_SB;
			} else if (b == TN_SE) {
				t->st = TN_ST_DATA;
				sb_done(t, ops, ctx);
			} else {
				/* IAC <cmd> inside a subnegotiation: the client lost
				 * track; drop the subnegotiation and take IAC <cmd> as
				 * a command, so a WILL/DO resynchronises at once */
				ops->oddity(ctx, "sb_broken", b);
				t->st = TN_ST_IAC;
				i--;
			}
			break;
		}
	}
	if (run && t->st == TN_ST_DATA)
		ops->data(ctx, p + n - run, run);
}
