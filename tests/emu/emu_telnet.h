/* SPDX-License-Identifier: MIT */
/*
 * The server side of Telnet as an RFC 2217 access server speaks it, with no
 * I/O of its own: a byte-at-a-time parser for what the client sends (data,
 * IAC IAC, option negotiation, subnegotiations), the option state of each
 * side (RFC 854/855, with the loop rules of RFC 1143: never answer a request
 * that only confirms the state in force), and the encoders for what the
 * server sends (data with 0xFF doubled, COM-PORT-OPTION replies).
 * Written from RFC 854, 855, 856, 858 and 2217 only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum {
	TN_SE = 240, TN_NOP = 241, TN_DM = 242, TN_BRK = 243, TN_IP = 244, TN_AO = 245,
	TN_AYT = 246, TN_EC = 247, TN_EL = 248, TN_GA = 249, TN_SB = 250, TN_WILL = 251,
	TN_WONT = 252, TN_DO = 253, TN_DONT = 254, TN_IAC = 255,
};

/* options this server agrees to, in both directions */
enum { TN_OPT_BINARY = 0, TN_OPT_SGA = 3, TN_OPT_COM_PORT = 44 };

/* RFC 2217 client-to-server commands; the server answers with cmd + 100 */
enum {
	CPO_SIGNATURE = 0, CPO_SET_BAUDRATE = 1, CPO_SET_DATASIZE = 2, CPO_SET_PARITY = 3,
	CPO_SET_STOPSIZE = 4, CPO_SET_CONTROL = 5, CPO_NOTIFY_LINESTATE = 6,
	CPO_NOTIFY_MODEMSTATE = 7, CPO_FLOWCONTROL_SUSPEND = 8, CPO_FLOWCONTROL_RESUME = 9,
	CPO_SET_LINESTATE_MASK = 10, CPO_SET_MODEMSTATE_MASK = 11, CPO_PURGE_DATA = 12,
	CPO_SERVER_OFFSET = 100,
};

#define TN_SB_MAX 64            /* longest subnegotiation kept (a signature fits) */

/* one side of one option (RFC 1143 without the queue bit) */
enum tn_q { TN_Q_NO, TN_Q_YES, TN_Q_WANTYES };

struct tn_out {
	uint8_t *p;
	size_t len, cap;            /* bytes that do not fit are counted in lost */
	size_t lost;
};

/* What the parser hands to its owner. */
struct tn_ops {
	void (*data)(void *ctx, const uint8_t *p, size_t n);        /* client payload */
	/* a complete COM-PORT-OPTION subnegotiation: cmd and its value bytes
	 * (IAC IAC already undone) */
	void (*com_port)(void *ctx, uint8_t cmd, const uint8_t *v, size_t n);
	/* anything unusual, for the log: "sb_overflow", "sb_broken",
	 * "sb_other_option", "sb_empty", "iac_command" (with its byte) */
	void (*oddity)(void *ctx, const char *what, unsigned byte);
};

struct tn {
	enum { TN_ST_DATA, TN_ST_IAC, TN_ST_OPT, TN_ST_SB, TN_ST_SB_IAC } st;
	uint8_t verb;               /* WILL/WONT/DO/DONT waiting for its option byte */
	uint8_t sb[TN_SB_MAX];
	size_t sb_len;
	int sb_overflow;
	enum tn_q us[256], him[256];    /* us: we WILL it; him: the client WILLs it */
};

void tn_init(struct tn *t);
/* The server's opening offers: WILL/DO BINARY, WILL/DO SGA, DO COM-PORT-OPTION. */
void tn_greet(struct tn *t, struct tn_out *o);
/* Parses n client bytes; negotiation answers go to o, the rest to ops. */
void tn_input(struct tn *t, const uint8_t *p, size_t n, struct tn_out *o, const struct tn_ops *ops,
	      void *ctx);
/* Appends n payload bytes with every 0xFF doubled. */
void tn_put_data(struct tn_out *o, const uint8_t *p, size_t n);
/* Appends IAC SB COM-PORT-OPTION code value... IAC SE (0xFF in value doubled). */
void tn_put_com_port(struct tn_out *o, uint8_t code, const uint8_t *v, size_t n);
/* Appends raw bytes. */
void tn_put_raw(struct tn_out *o, const uint8_t *p, size_t n);
/* Drops the first n bytes of o (they were sent). */
void tn_out_consume(struct tn_out *o, size_t n);
