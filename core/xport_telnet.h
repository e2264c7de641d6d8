/* SPDX-License-Identifier: MIT */
/* The Telnet / RFC 2217 byte codec under the rfc2217:// transport (not a
 * public header): 0xFF escaping of outgoing data, COM-PORT-OPTION
 * subnegotiation frames, and a push decoder that separates the serial data
 * from the server's commands.  Pure functions, no I/O, so they can be unit
 * tested and fuzzed.  Written from RFC 854 and RFC 2217. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* RFC 854 */
#define XPORT_TELNET_IAC 255u
#define XPORT_TELNET_DONT 254u
#define XPORT_TELNET_DO 253u
#define XPORT_TELNET_WONT 252u
#define XPORT_TELNET_WILL 251u
#define XPORT_TELNET_SB 250u
#define XPORT_TELNET_SE 240u
/* options: RFC 856, RFC 857, RFC 858, RFC 2217 */
#define XPORT_TELNET_OPT_BINARY 0u
#define XPORT_TELNET_OPT_ECHO 1u
#define XPORT_TELNET_OPT_SGA 3u
#define XPORT_TELNET_OPT_COM_PORT 44u

#define XPORT_TELNET_SB_CAP 64u /* the longest subnegotiation kept (signatures are cut) */

/* Worst-case size of a COM-PORT-OPTION frame with an n-byte value (every
 * value byte escaped). */
#define XPORT_TELNET_SUB_MAX(n) (4u + 2u * (n) + 2u)

/* Writes IAC SB COM-PORT-OPTION cmd value... IAC SE into out, which must hold
 * XPORT_TELNET_SUB_MAX(n) bytes (value escaped).  Returns the frame length. */
size_t xport_telnet_build_sub(uint8_t *out, uint8_t cmd, const uint8_t *val, size_t n);

/* Copies serial data from src into dst (cap bytes) with every 0xFF doubled,
 * as long as dst has room for the next byte escaped.  Returns how many bytes
 * of src went in; *ret_out is the number of bytes written to dst. */
size_t xport_telnet_escape(const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
			   size_t *ret_out);

enum xport_telnet_state {
	XPORT_TELNET_ST_DATA = 0, /* a zeroed decoder starts here */
	XPORT_TELNET_ST_CMD,      /* after IAC */
	XPORT_TELNET_ST_OPTION,   /* after IAC WILL/WONT/DO/DONT */
	XPORT_TELNET_ST_SUB,      /* inside IAC SB ... */
	XPORT_TELNET_ST_SUB_IAC,  /* IAC inside a subnegotiation */
};

enum xport_telnet_event {
	XPORT_TELNET_EV_NONE,   /* the input is used up */
	XPORT_TELNET_EV_OPTION, /* IAC verb opt: in verb and opt */
	XPORT_TELNET_EV_SUB,    /* IAC SB ... IAC SE: in sb[0 .. sb_len) */
};

/* Zero it to start; it keeps a command split across chunks. */
struct xport_telnet_dec {
	enum xport_telnet_state st;
	uint8_t verb;                    /* WILL/WONT/DO/DONT of the command, with EV_OPTION */
	uint8_t opt;                     /* its option, with EV_OPTION */
	uint8_t sb[XPORT_TELNET_SB_CAP]; /* the subnegotiation's bytes, unescaped */
	size_t sb_len;
};

/* Decodes in[0 .. n) up to and including the first option command or
 * subnegotiation, which *ret_ev names (valid until the next call); the caller
 * acts on it and calls again with the rest.  The data bytes before it go to
 * out (cap bytes; data never decodes to more bytes than arrived, and bytes
 * beyond cap are dropped), *ret_out says how many.  Returns how many bytes of
 * in were consumed. */
size_t xport_telnet_decode(struct xport_telnet_dec *d, const uint8_t *in, size_t n, uint8_t *out,
			   size_t cap, size_t *ret_out, enum xport_telnet_event *ret_ev);
