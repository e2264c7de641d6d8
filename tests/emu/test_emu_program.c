/* SPDX-License-Identifier: MIT */
/* The esp8266-emu program end to end: --help, usage errors, --pty with a
 * control FIFO (power-cycle, quit) and --save-flash, --layout stock with
 * --seed/--mac/--stuck-sector, --tcp with SIGTERM
 * (TCP_NODELAY on accepted sockets, ROM at 115200, default flavour auto). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_emu_util.h"

static const char *prog;

static int file_count(const char *path, const char *needle);

/* Starts prog with args; returns pid, its stdout's first line in line. */
static pid_t spawn(char *const argv[], char *line, size_t cap, int quiet)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 2);
		}
		close(p[0]);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	char c;
	while (n + 1 < cap && read(p[0], &c, 1) == 1 && c != '\n')
		line[n++] = c;
	line[n] = 0;
	close(p[0]);
	return pid;
}

static int wait_exit(pid_t pid, int timeout_ms)
{
	int st;

	for (int i = 0; i < timeout_ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		th_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void control(const char *fifo, const char *line)
{
	int fd = open(fifo, O_WRONLY);
	if (fd >= 0) {
		ssize_t r = write(fd, line, strlen(line));
		(void)r;
		close(fd);
	}
}

/* Runs prog to its end, stdout read to EOF (a long --help must not die of
 * SIGPIPE); returns its exit status, the output in out. */
static int run_all(char *const argv[], char *out, size_t cap)
{
	int p[2], st;
	size_t n = 0;

	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(prog, argv);
		_exit(127);
	}
	close(p[1]);
	for (ssize_t r; (r = read(p[0], out + n, cap - 1 - n)) > 0 && n + 1 < cap;)
		n += (size_t)r;
	out[n] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_usage(struct th *t)
{
	static char usage[16384];
	char line[256];
	char *help[] = { (char *)"esp8266-emu", (char *)"--help", NULL };
	char *bad[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--chip",
			(char *)"esp31", NULL };

	TH_CHECK(t, run_all(help, usage, sizeof usage) == 0 && strncmp(usage, "Usage: esp8266-emu", 18) == 0 &&
		 strstr(usage, "--firmware chatty|quiet|bootloop:MS|exception") &&
		 strstr(usage, "--flash-modes") && strstr(usage, "--gpio0-held"), "--help: %.200s", usage);
	char *badfw[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--firmware",
			  (char *)"bootloop:10", NULL };
	char *badmodes[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--flash-modes",
			     (char *)"dout,", NULL };
	TH_CHECK(t, run_all(badfw, usage, sizeof usage) == 2, "--firmware bootloop:10 accepted");
	TH_CHECK(t, run_all(badmodes, usage, sizeof usage) == 2, "--flash-modes 'dout,' accepted");
	pid_t pid = spawn(bad, line, sizeof line, 1);
	TH_CHECK(t, wait_exit(pid, 5000) == 2, "bad --chip accepted");
	char *sdm[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--chip",
			(char *)"esp32", (char *)"--secure-download", NULL };
	pid = spawn(sdm, line, sizeof line, 1);
	TH_CHECK(t, wait_exit(pid, 5000) == 1, "--secure-download accepted on an ESP32");
	char *badl[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--layout",
			 (char *)"stockish", NULL };
	pid = spawn(badl, line, sizeof line, 1);
	TH_CHECK(t, wait_exit(pid, 5000) == 2, "bad --layout accepted");
	char *both[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--layout",
			 (char *)"stock", (char *)"--flash-image", (char *)"/dev/null", NULL };
	pid = spawn(both, line, sizeof line, 1);
	TH_CHECK(t, wait_exit(pid, 5000) == 2, "--layout with --flash-image accepted");
	char *odd[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--stuck-sector",
			(char *)"0xFB800", NULL };
	pid = spawn(odd, line, sizeof line, 1);
	TH_CHECK(t, wait_exit(pid, 5000) == 1, "unaligned --stuck-sector accepted");
	char *far[] = { (char *)"esp8266-emu", (char *)"--pty", (char *)"/tmp/x", (char *)"--stuck-sector",
			(char *)"0x100000", NULL };
	pid = spawn(far, line, sizeof line, 1);
	TH_CHECK(t, wait_exit(pid, 5000) == 1, "--stuck-sector beyond 1 MB accepted");
}

/* --layout stock --seed --mac: the same flash as the library makes from that
 * config; --stuck-sector reaches the device (its log). */
static void test_layout(struct th *t, const char *dir)
{
	char link[PATH_MAX], save[PATH_MAX], logp[PATH_MAX], line[256];
	char *argv[] = { (char *)"esp8266-emu", (char *)"--pty", link, (char *)"--layout",
			 (char *)"stock", (char *)"--seed", (char *)"9", (char *)"--mac",
			 (char *)"60:01:94:a0:00:09", (char *)"--flash-size", (char *)"2MB",
			 (char *)"--stuck-sector", (char *)"0x1FB000", (char *)"--save-flash", save,
			 (char *)"--log", logp, NULL };
	struct emu_config c;
	static const uint8_t mac[6] = { 0x60, 0x01, 0x94, 0xA0, 0x00, 0x09 };
	char err[256];

	snprintf(link, sizeof link, "%s/ttyEMU1", dir);
	snprintf(save, sizeof save, "%s/stock.bin", dir);
	snprintf(logp, sizeof logp, "%s/stock.jsonl", dir);
	pid_t pid = spawn(argv, line, sizeof line, 0);
	TH_CHECK(t, strncmp(line, "/dev/pts/", 9) == 0, "line 1 '%s'", line);
	kill(pid, SIGTERM);
	TH_CHECK(t, wait_exit(pid, 5000) == 0, "SIGTERM exit");

	emu_config_defaults(&c);
	c.layout = EMU_LAYOUT_STOCK;
	c.faults.seed = 9;
	c.flash_size = 2u << 20;
	memcpy(c.mac, mac, 6);
	struct emu *e = emu_new(&c, err, sizeof err);
	uint8_t *want = malloc(c.flash_size), *got = malloc(c.flash_size);
	int fd = open(save, O_RDONLY);
	TH_CHECK(t, e && fd >= 0 && emu_get_flash(e, want, c.flash_size) == 0 &&
		 read(fd, got, c.flash_size) == (ssize_t)c.flash_size &&
		 memcmp(want, got, c.flash_size) == 0 && got[0] == 0xE9 && got[0x1000] == 0xEA,
		 "--layout stock flash differs from the library's");
	if (fd >= 0)
		close(fd);
	TH_CHECK(t, file_count(logp, "\"layout\":\"stock\"") == 1 &&
		 file_count(logp, "\"ev\":\"stuck_sectors\",\"sectors\":[2076672]") == 1,
		 "log: layout or stuck sector missing");
	emu_free(e);
	free(want);
	free(got);
	unlink(save);
	unlink(logp);
}

static void test_pty(struct th *t, const char *dir)
{
	char link[PATH_MAX], fifo[PATH_MAX], save[PATH_MAX], logp[PATH_MAX], line[256], target[256];
	struct th_resp r;

	snprintf(link, sizeof link, "%s/ttyEMU0", dir);
	snprintf(fifo, sizeof fifo, "%s/ctl", dir);
	snprintf(save, sizeof save, "%s/flash.bin", dir);
	snprintf(logp, sizeof logp, "%s/log.jsonl", dir);
	char *argv[] = { (char *)"esp8266-emu", (char *)"--pty", link, (char *)"--control", fifo,
			 (char *)"--save-flash", save, (char *)"--log", logp, (char *)"--fast-flash",
			 (char *)"--flash-size", (char *)"512KB", (char *)"--mac",
			 (char *)"5c:cf:7f:01:02:03", (char *)"--wiring", (char *)"none", NULL };
	pid_t pid = spawn(argv, line, sizeof line, 0);
	ssize_t n = readlink(link, target, sizeof target - 1);
	target[n > 0 ? n : 0] = 0;
	TH_CHECK(t, strncmp(line, "/dev/pts/", 9) == 0 && strcmp(line, target) == 0,
		 "line 1 '%s', link -> '%s'", line, target);
	t->slave = open(link, O_RDWR | O_NOCTTY | O_NONBLOCK);
	th_set_baud(t, 115200);
	TH_CHECK(t, th_sync(t, NULL) == 8, "sync through the link");
	uint32_t w3 = 0;
	TH_CHECK(t, th_read_reg(t, 0x3FF0005C, &w3) == 0 && w3 == 0x5CCF7F, "eFuse W3 %08x", w3);

	/* ROM write of one block, to be found in the saved flash */
	uint8_t d[16], *blk = malloc(16 + 0x400);
	th_put32(d, 0x1000);
	th_put32(d + 4, 1);
	th_put32(d + 8, 0x400);
	th_put32(d + 12, 0x2000);
	TH_CHECK(t, th_cmd(t, 0x02, d, 16, 0, &r, 1000) == 0 && r.st[0] == 0, "FLASH_BEGIN");
	memset(blk, 0, 16);
	th_put32(blk, 0x400);
	memset(blk + 16, 0x5A, 0x400);
	TH_CHECK(t, th_cmd(t, 0x03, blk, 16 + 0x400, th_checksum(blk + 16, 0x400), &r, 1000) == 0 &&
		 r.st[0] == 0, "FLASH_DATA");
	free(blk);

	control(fifo, "power-cycle\n");         /* button not held: application */
	th_sleep_ms(150);
	th_drain(t, 10);
	TH_CHECK(t, th_sync(t, NULL) == 0, "synced after a plain power cycle");
	control(fifo, "power-cycle gpio0-low\n");
	th_sleep_ms(150);
	th_drain(t, 10);
	TH_CHECK(t, th_sync(t, NULL) == 8, "no sync after power cycle with the button");
	control(fifo, "quit\n");
	TH_CHECK(t, wait_exit(pid, 5000) == 0, "quit");
	close(t->slave);
	t->slave = -1;

	struct stat st;
	uint8_t buf[0x400];
	int fd = open(save, O_RDONLY);
	TH_CHECK(t, fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 512 * 1024, "saved flash size");
	TH_CHECK(t, fd >= 0 && pread(fd, buf, sizeof buf, 0x2000) == (ssize_t)sizeof buf &&
		 buf[0] == 0x5A && buf[0x3FF] == 0x5A, "saved flash contents");
	if (fd >= 0)
		close(fd);
	TH_CHECK(t, access(link, F_OK) != 0, "link left behind");
	unlink(save);
	unlink(fifo);
	unlink(logp);
}

/* Counts lines of the file at path containing needle. */
static int file_count(const char *path, const char *needle)
{
	char buf[2048];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(buf, sizeof buf, f))
		n += strstr(buf, needle) != NULL;
	fclose(f);
	return n;
}

static void test_tcp(struct th *t, const char *dir)
{
	char line[64], logp[PATH_MAX];
	snprintf(logp, sizeof logp, "%s/tcp.jsonl", dir);
	char *argv[] = { (char *)"esp8266-emu", (char *)"--tcp", (char *)"0", (char *)"--no-banner",
			 (char *)"--log", logp, NULL };
	pid_t pid = spawn(argv, line, sizeof line, 0);
	int port = atoi(line);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TH_CHECK(t, port > 0, "port line '%s'", line);
	for (int round = 0; round < 2; round++) {   /* one connection after another */
		t->slave = socket(AF_INET, SOCK_STREAM, 0);
		TH_CHECK(t, connect(t->slave, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s",
			 strerror(errno));
		fcntl(t->slave, F_SETFL, O_NONBLOCK);
		th_sleep_ms(20);
		TH_CHECK(t, th_sync(t, NULL) == 8, "sync over tcp, round %d", round);
		/* no baud on a socket: the ROM takes the host's 115200 (26 MHz: 451) */
		uint32_t div = 0;
		TH_CHECK(t, th_read_reg(t, 0x60000014, &div) == 0 && div == 451,
			 "UART_CLKDIV over tcp %u, round %d", div, round);
		close(t->slave);
		t->slave = -1;
		th_sleep_ms(250);
	}
	kill(pid, SIGTERM);
	TH_CHECK(t, wait_exit(pid, 5000) == 0, "SIGTERM exit");
	/* each accepted socket had TCP_NODELAY set; the default flavour is auto */
	TH_CHECK(t, file_count(logp, "\"ev\":\"start\",\"pty\":0,\"host_present\":1,"
			       "\"tcp_nodelay\":1") == 2, "accepted sockets without TCP_NODELAY");
	TH_CHECK(t, file_count(logp, "\"stub\":\"auto\"") == 1, "default --stub-flavour not auto");
	unlink(logp);
}

int main(int argc, char **argv)
{
	struct th t;
	char dir[] = "/tmp/emu-prog-XXXXXX";

	if (argc != 2 || !mkdtemp(dir))
		return 1;
	prog = argv[1];
	memset(&t, 0, sizeof t);
	t.slave = -1;
	test_usage(&t);
	test_pty(&t, dir);
	test_layout(&t, dir);
	test_tcp(&t, dir);
	rmdir(dir);
	return th_finish(&t, "program");
}
