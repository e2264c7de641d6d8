/* SPDX-License-Identifier: MIT */
/* The device served on a socket: TCP_NODELAY on the served socket, the
 * ROM's assumed host baud of 115200 (UART_CLKDIV, the legacy stub's baud
 * scaling), and that a pty keeps honouring the host's real baud. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_emu_util.h"

#define REG_UART_CLKDIV 0x60000014u

/* Without TCP_NODELAY the ~1 ms chunk that ends a frame waits for the
 * host's delayed ACK.  Checked on the served (server-side) socket. */
static int test_nodelay(void)
{
	struct th t;
	struct emu_config c;
	int v = 0;
	socklen_t len = sizeof v;

	th_config(&c);
	if (th_open_tcp(&t, &c, "tcp-nodelay") < 0) {
		th_close(&t);
		return 1;
	}
	TH_CHECK(&t, getsockopt(t.master, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1,
		 "TCP_NODELAY on the served socket is %d", v);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync over tcp");
	TH_CHECK(&t, th_log_count(&t, "\"tcp_nodelay\":1") == 1, "start event without tcp_nodelay");
	th_close(&t);
	return th_finish(&t, "tcp-nodelay");
}

/* A stream socket that is not TCP: no TCP_NODELAY, still served. */
static int test_unix_socket(void)
{
	struct th t;
	struct emu_config c;
	char err[256];
	int sv[2];

	memset(&t, 0, sizeof t);
	t.master = t.slave = -1;
	th_config(&c);
	snprintf(t.log_path, sizeof t.log_path, "/tmp/emu-test-unix-%ld.jsonl", (long)getpid());
	c.log_path = t.log_path;
	t.e = emu_new(&c, err, sizeof err);
	if (!t.e || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
		th_close(&t);
		return 1;
	}
	t.master = sv[0];
	t.slave = sv[1];
	TH_CHECK(&t, emu_start(t.e, t.master, 0) == 0, "emu_start on AF_UNIX");
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync over AF_UNIX");
	TH_CHECK(&t, th_log_count(&t, "\"tcp_nodelay\":0") == 1, "AF_UNIX: tcp_nodelay not 0");
	th_close(&t);
	return th_finish(&t, "tcp-unix");
}

/* The ROM prints at 74880 (26 MHz) and autobauds on the first SYNC.  A
 * socket has no baud, so the ROM must take the host's usual 115200:
 * esptool derives the crystal from UART_CLKDIV x its own 115200. */
static int test_rom_baud(unsigned crystal, const char *name)
{
	struct th t;
	struct emu_config c;
	uint32_t div = 0;
	unsigned want_div = crystal * 2000000u / 115200u;

	th_config(&c);
	c.crystal_mhz = crystal;
	if (th_open_tcp(&t, &c, name) < 0) {
		th_close(&t);
		return 1;
	}
	unsigned before = emu_device_baud(t.e);
	TH_CHECK(&t, before == (crystal == 26 ? 74880u : 115200u), "ROM baud at boot %u", before);
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync");
	TH_CHECK(&t, emu_device_baud(t.e) == 115200, "ROM baud after SYNC %u", emu_device_baud(t.e));
	TH_CHECK(&t, th_read_reg(&t, REG_UART_CLKDIV, &div) == 0 && div == want_div,
		 "UART_CLKDIV %u, want %u (crystal %u MHz as esptool computes it: %.1f)", div,
		 want_div, crystal, 115200.0 * div / 1e6 / 2);
	th_close(&t);
	return th_finish(&t, name);
}

/* The legacy stub scales its divider by old/new: with the ROM at 115200
 * CHANGE_BAUDRATE(460800, 115200) gives 460800, not 460800*74880/115200. */
static int test_legacy_change_baud(void)
{
	struct th t;
	struct emu_config c;
	struct th_resp r;
	uint8_t d[8];

	th_config(&c);
	c.stub_flavour = EMU_STUB_LEGACY;
	if (th_open_tcp(&t, &c, "tcp-legacy-baud") < 0 || th_sync(&t, NULL) != 8 ||
	    th_load_stub(&t, 0x4010D004) < 0) {
		fprintf(stderr, "tcp-legacy-baud: setup failed\n");
		th_close(&t);
		return 1;
	}
	th_put32(d, 460800);
	th_put32(d + 4, 115200);
	TH_CHECK(&t, th_cmd(&t, 0x0F, d, 8, 0, &r, 500) == 0 && r.st[0] == 0, "CHANGE_BAUDRATE");
	th_sleep_ms(40);
	TH_CHECK(&t, emu_device_baud(t.e) == 460800, "stub baud %u", emu_device_baud(t.e));
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync after the baud change");
	th_close(&t);
	return th_finish(&t, "tcp-legacy-baud");
}

/* A pty keeps its behaviour: the ROM adopts the host's real baud (here its
 * own 74880, so nothing changes) and the divider follows. */
static int test_pty_unchanged(void)
{
	struct th t;
	struct emu_config c;
	uint32_t div = 0;

	th_config(&c);
	if (th_open(&t, &c, 74880, "tcp-pty-74880") < 0) {
		th_close(&t);
		return 1;
	}
	TH_CHECK(&t, th_sync(&t, NULL) == 8, "sync at 74880");
	TH_CHECK(&t, emu_device_baud(t.e) == 74880, "pty: ROM baud %u", emu_device_baud(t.e));
	TH_CHECK(&t, th_read_reg(&t, REG_UART_CLKDIV, &div) == 0 && div == 694, "pty: clkdiv %u", div);
	th_close(&t);
	return th_finish(&t, "tcp-pty-74880");
}

int main(void)
{
	int fails = test_nodelay();
	fails += test_unix_socket();
	fails += test_rom_baud(26, "tcp-rom-baud-26");
	fails += test_rom_baud(40, "tcp-rom-baud-40");
	fails += test_legacy_change_baud();
	fails += test_pty_unchanged();
	return fails ? 1 : 0;
}
