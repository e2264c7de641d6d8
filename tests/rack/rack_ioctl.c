/* SPDX-License-Identifier: MIT */
/*
 * The adapter's modem lines.  A pty has no DTR/RTS (TIOCM* → ENOTTY), and
 * libserialport's sp_open() needs TIOCMGET and TIOCMBIS, so every ioctl on a
 * rack port comes here (umockdev forwards them over a socket from the
 * command's process): the four TIOCM* requests are answered from the port's
 * line state and handed to the emulated unit, everything else (termios,
 * TIOCEXCL, flushes) runs on the real pty with umockdev_ioctl_client_execute,
 * so baud changes reach the pty where the emulator sees them.
 *
 * Runs in umockdev's worker thread, one call at a time for all ports.
 */
#include <asm/ioctls.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <umockdev.h>

#include "rack.h"

/* <asm/termbits.h> clashes with <termios.h>; this is the kernel's layout,
 * under the kernel's name, which TCSETS2's definition refers to. */
struct termios2 {
	tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
	cc_t c_line;
	cc_t c_cc[19];
	speed_t c_ispeed, c_ospeed;
};

#ifndef BOTHER
#define BOTHER 0010000
#endif

/* GObject boilerplate: G_DECLARE_FINAL_TYPE also provides the prototype of
 * rack_ioctl_get_type() that -Wmissing-prototypes asks for. */
G_DECLARE_FINAL_TYPE(RackIoctl, rack_ioctl, RACK, IOCTL, UMockdevIoctlBase)

struct _RackIoctl {
	UMockdevIoctlBase parent_instance;
	struct rack_port port;
};

G_DEFINE_TYPE(RackIoctl, rack_ioctl, UMOCKDEV_TYPE_IOCTL_BASE)

static double port_time(const struct rack_port *p)
{
	return (double)(rack_mono_ns() - p->t0) / 1e9;
}

/* Call with p->lock held. */
static void note_locked(struct rack_port *p, const char *fmt, va_list ap)
{
	if (!p->lines)
		return;
	fprintf(p->lines, "%.3f %s ", port_time(p), p->name);
	vfprintf(p->lines, fmt, ap);
	fputc('\n', p->lines);
	fflush(p->lines);
}

static void note(struct rack_port *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct rack_port *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_locked(p, fmt, ap);
	va_end(ap);
}

void rack_port_note(struct rack_port *p, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&p->lock);
	va_start(ap, fmt);
	note_locked(p, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&p->lock);
}

/* The classic auto-reset circuit (two transistors, as on NodeMCU boards):
 * EN is pulled low only by RTS without DTR, GPIO0 only by DTR without RTS,
 * so asserting both (as opening a port does) resets nothing. */
static void set_lines_locked(struct rack_port *p, const char *why, int dtr, int rts)
{
	int changed = dtr != p->dtr || rts != p->rts;
	p->dtr = dtr;
	p->rts = rts;
	/* an unchanged level changes nothing on the wires either */
	if (p->emu && changed)
		emu_set_lines(p->emu, dtr, rts);
	/* libserialport re-applies both lines with TIOCMBIS/TIOCMBIC on every
	 * sp_set_*(): only changes are worth a line, and every TIOCMSET, which
	 * is how reset sequences are written */
	if (!changed && strcmp(why, "TIOCMSET"))
		return;
	if (!p->wired)
		note(p, "%s DTR=%d RTS=%d (lines not wired to the unit)%s", why, dtr, rts,
		     changed ? "" : " unchanged");
	else
		note(p, "%s DTR=%d RTS=%d EN=%s GPIO0=%s%s", why, dtr, rts,
		     rts && !dtr ? "low" : "high", dtr && !rts ? "low" : "high",
		     changed ? "" : " unchanged");
}

static const char *modem_name(gulong req)
{
	switch (req) {
	case TIOCMSET: return "TIOCMSET";
	case TIOCMBIS: return "TIOCMBIS";
	case TIOCMBIC: return "TIOCMBIC";
	}
	return "TIOCMGET";
}

static gboolean modem_ioctl(struct rack_port *p, UMockdevIoctlClient *client, gulong req)
{
	GError *gerr = NULL;
	UMockdevIoctlData *d = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(client), 0,
							   sizeof(int), &gerr);
	if (!d) {
		g_clear_error(&gerr);
		umockdev_ioctl_client_complete(client, -1, EFAULT);
		return TRUE;
	}
	int v, rc = 0, err = 0;
	memcpy(&v, d->data, sizeof v);
	pthread_mutex_lock(&p->lock);
	if (!p->emu) {
		/* a hung-up tty answers every ioctl with EIO */
		rc = -1;
		err = EIO;
	} else if (req == TIOCMGET) {
		/* the emulated unit's UART drives no handshake lines: report
		 * CTS/DSR/CD as a CP2102 with them unconnected does (all active) */
		v = (p->dtr ? TIOCM_DTR : 0) | (p->rts ? TIOCM_RTS : 0) | TIOCM_CTS | TIOCM_DSR |
		    TIOCM_CAR;
		memcpy(d->data, &v, sizeof v);
	} else {
		int dtr = p->dtr, rts = p->rts;
		if (req == TIOCMSET) {
			dtr = !!(v & TIOCM_DTR);
			rts = !!(v & TIOCM_RTS);
		} else {
			int on = req == TIOCMBIS;
			if (v & TIOCM_DTR)
				dtr = on;
			if (v & TIOCM_RTS)
				rts = on;
		}
		set_lines_locked(p, modem_name(req), dtr, rts);
	}
	pthread_mutex_unlock(&p->lock);
	umockdev_ioctl_client_complete(client, rc, err);
	g_object_unref(d);
	return TRUE;
}

/* A TCSETS2 with BOTHER: note the rate and, like the adapter's Linux driver,
 * clamp it to what the chip can do (cp210x, ch341 and ftdi_sio all
 * silently program their maximum instead of failing). */
static void termios2_set(struct rack_port *p, UMockdevIoctlClient *client)
{
	GError *gerr = NULL;
	UMockdevIoctlData *d = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(client), 0,
							   sizeof(struct termios2), &gerr);
	if (!d) {
		g_clear_error(&gerr);
		return;
	}
	struct termios2 t;
	memcpy(&t, d->data, sizeof t);
	if ((t.c_cflag & CBAUD) == BOTHER) {
		pthread_mutex_lock(&p->lock);
		if (p->max_baud && t.c_ospeed > p->max_baud) {
			note(p, "baud %u asked for; the adapter's driver programs %u (its maximum)",
			     (unsigned)t.c_ospeed, p->max_baud);
			t.c_ospeed = p->max_baud;
			t.c_ispeed = p->max_baud;
			memcpy(d->data, &t, sizeof t);
		} else {
			note(p, "baud %u", (unsigned)t.c_ospeed);
		}
		pthread_mutex_unlock(&p->lock);
	}
	g_object_unref(d);
}

/* TIOCEXCL on a ttyUSB lasts until its last close; on a pty it would last as
 * long as vrack holds the master, and every later open() by a non-root user
 * (the next espstation run) would fail with EBUSY.  So the rack keeps the
 * flag itself and does not enforce it (flock(), which espstation also takes,
 * still keeps two programs apart). */
static gboolean excl_ioctl(struct rack_port *p, UMockdevIoctlClient *client, gulong req)
{
	int rc = 0, err = 0;
	pthread_mutex_lock(&p->lock);
	if (!p->emu) {
		rc = -1;
		err = EIO;
	} else if (req == TIOCGEXCL) {
		GError *gerr = NULL;
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(
			umockdev_ioctl_client_get_arg(client), 0, sizeof(int), &gerr);
		if (d) {
			memcpy(d->data, &p->excl, sizeof p->excl);
			g_object_unref(d);
		} else {
			g_clear_error(&gerr);
			rc = -1;
			err = EFAULT;
		}
	} else {
		p->excl = req == TIOCEXCL;
		note(p, "%s (kept by the rack, not enforced)", p->excl ? "TIOCEXCL" : "TIOCNXCL");
	}
	pthread_mutex_unlock(&p->lock);
	umockdev_ioctl_client_complete(client, rc, err);
	return TRUE;
}

static gboolean rack_ioctl_handle_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
	struct rack_port *p = &RACK_IOCTL(base)->port;
	gulong req = umockdev_ioctl_client_get_request(client);
	if (req == TIOCMGET || req == TIOCMSET || req == TIOCMBIS || req == TIOCMBIC)
		return modem_ioctl(p, client, req);
	if (req == TIOCEXCL || req == TIOCNXCL || req == TIOCGEXCL)
		return excl_ioctl(p, client, req);
	if (req == TCSETS2 || req == TCSETSW2 || req == TCSETSF2)
		termios2_set(p, client);
	/* everything else is the pty's business (it flushes what we changed) */
	int err = 0;
	GError *gerr = NULL;
	int rc = umockdev_ioctl_client_execute(client, &err, &gerr);
	if (gerr) {
		g_clear_error(&gerr);
		rc = -1;
		err = EIO;
	}
	umockdev_ioctl_client_complete(client, rc, err);
	return TRUE;
}

/* The last close of a real ttyUSB drops DTR and RTS (HUPCL).  umockdev
 * 0.17.16 never emits client-vanished and does not notify "connected"
 * either; the client object goes away when its socket closes, though. */
static void on_client_gone(gpointer user_data, GObject *gone)
{
	(void)gone;
	struct rack_port *p = user_data;
	pthread_mutex_lock(&p->lock);
	if (p->clients && --p->clients == 0) {
		note(p, "close");
		p->excl = 0;
		if (p->emu && (p->dtr || p->rts))
			set_lines_locked(p, "HUPCL", 0, 0);
	}
	pthread_mutex_unlock(&p->lock);
}

static void rack_ioctl_client_connected(UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
	struct rack_port *p = &RACK_IOCTL(base)->port;
	pthread_mutex_lock(&p->lock);
	p->clients++;
	note(p, "open");
	pthread_mutex_unlock(&p->lock);
	/* the client holds a reference on this handler, so p outlives it */
	g_object_weak_ref(G_OBJECT(client), on_client_gone, p);
}

static void rack_ioctl_finalize(GObject *obj)
{
	struct rack_port *p = &RACK_IOCTL(obj)->port;
	if (p->lines)
		fclose(p->lines);
	pthread_mutex_destroy(&p->lock);
	G_OBJECT_CLASS(rack_ioctl_parent_class)->finalize(obj);
}

static void rack_ioctl_class_init(RackIoctlClass *klass)
{
	UMockdevIoctlBaseClass *base = UMOCKDEV_IOCTL_BASE_CLASS(klass);
	base->handle_ioctl = rack_ioctl_handle_ioctl;
	base->client_connected = rack_ioctl_client_connected;
	G_OBJECT_CLASS(klass)->finalize = rack_ioctl_finalize;
}

static void rack_ioctl_init(RackIoctl *self)
{
	struct rack_port *p = &self->port;
	memset(p, 0, sizeof *p);
	p->master = -1;
	pthread_mutex_init(&p->lock, NULL);
}

struct rack_port *rack_port_new(struct rack *r, unsigned slot, unsigned tty, int acm)
{
	RackIoctl *h = g_object_new(rack_ioctl_get_type(), NULL);
	struct rack_port *p = &h->port;
	p->handler = UMOCKDEV_IOCTL_BASE(h);
	p->rack = r;
	p->slot = slot;
	p->tty = tty;
	p->t0 = r->t0;
	snprintf(p->name, sizeof p->name, "%s%u", acm ? "ttyACM" : "ttyUSB", tty);
	snprintf(p->devnode, sizeof p->devnode, "/dev/%s", p->name);
	return p;
}

void rack_port_unref(struct rack_port *p)
{
	g_object_unref(p->handler);
}
