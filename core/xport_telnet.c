/* SPDX-License-Identifier: MIT */
/* The Telnet / RFC 2217 byte codec (xport_telnet.h): the serial data goes
 * over Telnet with every 0xFF doubled (IAC IAC) and the server's commands
 * mixed in.  This file turns bytes into bytes and events; what the events
 * mean (option negotiation, the server's acks) is xport_rfc2217.c's. */
#include "xport_telnet.h"

size_t xport_telnet_build_sub(uint8_t *out, uint8_t cmd, const uint8_t *val, size_t n)
{
	size_t k = 0;
	out[k++] = XPORT_TELNET_IAC;
	out[k++] = XPORT_TELNET_SB;
	out[k++] = XPORT_TELNET_OPT_COM_PORT;
	out[k++] = cmd;
	for (size_t i = 0; i < n; i++) {
		out[k++] = val[i];
		if (val[i] == XPORT_TELNET_IAC)
			out[k++] = XPORT_TELNET_IAC;
	}
	out[k++] = XPORT_TELNET_IAC;
	out[k++] = XPORT_TELNET_SE;
	return k;
}

size_t xport_telnet_escape(const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
			   size_t *ret_out)
{
	size_t i = 0, k = 0;
	while (i < n && k + 2 <= cap) {
		dst[k++] = src[i];
		if (src[i] == XPORT_TELNET_IAC)
			dst[k++] = XPORT_TELNET_IAC; /* 0xFF is data: double it */
		i++;
	}
	*ret_out = k;
	return i;
}

static void keep_sb(struct xport_telnet_dec *d, uint8_t c)
{
	if (d->sb_len < XPORT_TELNET_SB_CAP)
		d->sb[d->sb_len++] = c;
}

size_t xport_telnet_decode(struct xport_telnet_dec *d, const uint8_t *in, size_t n, uint8_t *out,
			   size_t cap, size_t *ret_out, enum xport_telnet_event *ret_ev)
{
	size_t i = 0, k = 0;
	enum xport_telnet_event ev = XPORT_TELNET_EV_NONE;
	while (i < n && ev == XPORT_TELNET_EV_NONE) {
		uint8_t c = in[i++];
		int data = 0;
		switch (d->st) {
		case XPORT_TELNET_ST_DATA:
			if (c == XPORT_TELNET_IAC)
				d->st = XPORT_TELNET_ST_CMD;
			else
				data = 1;
			break;
		case XPORT_TELNET_ST_CMD:
			d->st = XPORT_TELNET_ST_DATA;
			if (c == XPORT_TELNET_IAC) {
				data = 1;
			} else if (c >= XPORT_TELNET_WILL && c <= XPORT_TELNET_DONT) {
				d->verb = c;
				d->st = XPORT_TELNET_ST_OPTION;
			} else if (c == XPORT_TELNET_SB) {
				d->sb_len = 0;
				d->st = XPORT_TELNET_ST_SUB;
			}
			/* NOP, GA, DM, AYT ...: nothing to do on a serial link */
			break;
		case XPORT_TELNET_ST_OPTION:
			d->st = XPORT_TELNET_ST_DATA;
			d->opt = c;
			ev = XPORT_TELNET_EV_OPTION;
			break;
		case XPORT_TELNET_ST_SUB:
			if (c == XPORT_TELNET_IAC)
				d->st = XPORT_TELNET_ST_SUB_IAC;
			else
				keep_sb(d, c);
			break;
		case XPORT_TELNET_ST_SUB_IAC:
			if (c == XPORT_TELNET_IAC) {
				keep_sb(d, c);
				d->st = XPORT_TELNET_ST_SUB;
			} else if (c == XPORT_TELNET_SE) {
				d->st = XPORT_TELNET_ST_DATA;
				ev = XPORT_TELNET_EV_SUB;
			} else {
				/* IAC <command> inside SB: a broken server; drop the SB
				 * and take the command as it comes */
				d->st = XPORT_TELNET_ST_CMD;
				i--;
			}
			break;
		}
		if (data && k < cap)
			out[k++] = c;
	}
	*ret_out = k;
	*ret_ev = ev;
	return i;
}
