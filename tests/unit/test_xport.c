/* SPDX-License-Identifier: MIT */
/* Transport decisions that need no device (xport_priv.h): splitting a
 * socket:// address (ports 1..65535 only, IPv6 in brackets) and the advice
 * for "permission denied" on a port (a group only where the group may read
 * and write the node, never 'root'; else the shipped udev rule). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "xport_priv.h"

/* ---- socket:// addresses ------------------------------------------------- */

struct tcp_ok {
	const char *in, *host, *service;
};

static const struct tcp_ok s_tcp_ok[] = {
	{"127.0.0.1:4000", "127.0.0.1", "4000"},
	{"localhost:1", "localhost", "1"},
	{"ser2net.lan:65535", "ser2net.lan", "65535"},
	{"10.0.0.7:04000", "10.0.0.7", "4000"}, /* leading zeros: still decimal 4000 */
	{"[::1]:4000", "::1", "4000"},
	{"[fe80::1%eth0]:2217", "fe80::1%eth0", "2217"},
	{"[2001:db8::42]:23", "2001:db8::42", "23"},
};

struct tcp_bad {
	const char *in, *says;
};

static const struct tcp_bad s_tcp_bad[] = {
	{"127.0.0.1:70000", "out of range"}, /* getaddrinfo wrapped this to 4464 */
	{"127.0.0.1:65536", "out of range"},
	{"127.0.0.1:0", "out of range"},
	{"127.0.0.1:00000", "out of range"},
	{"127.0.0.1:184467440737095516170", "out of range"},
	{"127.0.0.1:4k", "not a TCP port number"},
	{"127.0.0.1:-1", "not a TCP port number"},
	{"127.0.0.1:+80", "not a TCP port number"},
	{"127.0.0.1: 80", "not a TCP port number"},
	{"127.0.0.1:telnet", "not a TCP port number"},
	{"127.0.0.1:", "not a TCP port number"},
	{"127.0.0.1", "socket://HOST:PORT"},
	{":4000", "socket://HOST:PORT"},
	{"", "socket://HOST:PORT"},
	{"::1:4000", "brackets"},
	{"fe80::1:23", "brackets"},
	{"[::1]", "socket://[IPV6]:PORT"},
	{"[::1]4000", "socket://[IPV6]:PORT"},
	{"[]:4000", "socket://[IPV6]:PORT"},
	{"[::1:4000", "socket://[IPV6]:PORT"},
	{"[::1]:70000", "out of range"},
	{"[::1]:", "not a TCP port number"},
};

static void test_tcp_parse(void)
{
	char host[XPORT_HOST_LEN], service[XPORT_SERVICE_LEN];
	struct esp_error err;

	for (size_t i = 0; i < sizeof s_tcp_ok / sizeof s_tcp_ok[0]; i++) {
		const struct tcp_ok *c = &s_tcp_ok[i];

		t_set_case("socket://%s", c->in);
		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_tcp_parse(c->in, host, service, &err), ESP_OK);
		T_EQ_STR(host, c->host);
		T_EQ_STR(service, c->service);
	}
	for (size_t i = 0; i < sizeof s_tcp_bad / sizeof s_tcp_bad[0]; i++) {
		const struct tcp_bad *c = &s_tcp_bad[i];

		t_set_case("socket://%s", c->in);
		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_tcp_parse(c->in, host, service, &err), ESP_E_INVAL);
		T_EQ_INT(err.code, ESP_E_INVAL);
		T_HAS_STR(err.msg, c->says);
		T_CHECK(strchr(err.msg, '\n') == NULL);
	}

	t_set_case("host name too long");
	{
		char in[XPORT_HOST_LEN + 16];

		memset(in, 'a', XPORT_HOST_LEN - 1);
		snprintf(in + XPORT_HOST_LEN - 1, sizeof in - (XPORT_HOST_LEN - 1), ":999");
		T_EQ_INT(xport_tcp_parse(in, host, service, &err), ESP_OK);
		T_EQ_STR(service, "999");
		T_EQ_INT(strlen(host), XPORT_HOST_LEN - 1);
		memset(in, 'a', XPORT_HOST_LEN);
		snprintf(in + XPORT_HOST_LEN, sizeof in - XPORT_HOST_LEN, ":999");
		T_EQ_INT(xport_tcp_parse(in, host, service, &err), ESP_E_INVAL);
	}

	/* the connect path refuses the same port before any socket exists */
	t_set_case("xport_tcp_open 127.0.0.1:70000");
	{
		struct xport *x = NULL;

		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_tcp_open("127.0.0.1:70000", &err, &x), ESP_E_INVAL);
		T_CHECK(x == NULL);
		T_HAS_STR(err.msg, "1..65535");
		memset(&err, 0, sizeof err);
		T_EQ_INT(xport_open_port("socket://127.0.0.1:70000", 115200, &err, &x), ESP_E_INVAL);
		T_CHECK(x == NULL);
	}
	t_set_case("%s", "");
}

/* ---- permission advice --------------------------------------------------- */

struct perm_case {
	unsigned mode, gid;
	const char *group;
	int names_group;      /* advice: join this group */
};

static const struct perm_case s_perm[] = {
	/* the reported case: a node only root may use */
	{S_IFCHR | 0600, 0, "root", 0},
	/* group rw, but the group is root: never advise joining it */
	{S_IFCHR | 0660, 0, "root", 0},
	{S_IFCHR | 0666, 0, "root", 0},
	/* the usual adapter node: dialout may read and write */
	{S_IFCHR | 0660, 20, "dialout", 1},
	{S_IFCHR | 0670, 20, "dialout", 1},
	{S_IFCHR | 0660, 986, "plugdev", 1},
	{S_IFCHR | 0660, 987, NULL, 1},
	/* group may read but not write, or write but not read: joining is useless */
	{S_IFCHR | 0640, 20, "dialout", 0},
	{S_IFCHR | 0620, 5, "tty", 0},
	{S_IFCHR | 0604, 20, "dialout", 0},
	{S_IFCHR | 0606, 20, "dialout", 0},
	/* unknown: the node could not be stat'ed */
	{0, 0, NULL, 0},
};

static void test_perm_advice(void)
{
	char buf[ESP_ERR_MSG_LEN];

	for (size_t i = 0; i < sizeof s_perm / sizeof s_perm[0]; i++) {
		const struct perm_case *c = &s_perm[i];
		char want[64];

		t_set_case("mode %04o gid %u (%s)", c->mode & 07777u, c->gid,
			   c->group ? c->group : "no name");
		memset(buf, 'x', sizeof buf);
		const char *a = xport_perm_advice(c->mode, c->gid, c->group, buf, sizeof buf);
		T_CHECK(a == buf);
		T_CHECK(memchr(buf, '\0', sizeof buf) != NULL);
		T_CHECK(strstr(buf, "'root'") == NULL);
		if (c->names_group && c->group) {
			snprintf(want, sizeof want, "add the user to group '%s'", c->group);
			T_HAS_STR(buf, want);
			snprintf(want, sizeof want, "usermod -aG %s USER", c->group);
			T_HAS_STR(buf, want);
		} else if (c->names_group) {
			snprintf(want, sizeof want, "gid %u", c->gid);
			T_HAS_STR(buf, want);
		} else {
			/* the shipped rule, and what it does */
			T_HAS_STR(buf, "udev-rules/70-espstation.rules");
			T_HAS_STR(buf, "0660");
			if (c->group) {
				snprintf(want, sizeof want, "group '%s'", c->group);
				if (strcmp(c->group, "dialout") != 0)
					T_CHECK(strstr(buf, want) == NULL);
			}
		}
	}

	t_set_case("small buffer");
	{
		char small[16];

		xport_perm_advice(S_IFCHR | 0600, 0, "root", small, sizeof small);
		T_EQ_INT(strlen(small), sizeof small - 1);
	}
	t_set_case("%s", "");
}

/* xport_open_error on a real node of mode 0600 owned by the caller's group:
 * the message must not send the user to that group.  (As root the group is
 * 'root', the reported case.) */
static void test_open_error(void)
{
	char path[] = "/tmp/espstation-test-xport.XXXXXX";
	int fd = mkstemp(path);
	struct esp_error err;

	T_REQUIRE(fd >= 0);
	close(fd);
	T_REQUIRE(chmod(path, 0600) == 0);

	t_set_case("EACCES on a 0600 node");
	memset(&err, 0, sizeof err);
	T_EQ_INT(xport_open_error(NULL, &err, path, EACCES), ESP_E_PERM);
	T_HAS_STR(err.msg, "permission denied on");
	T_HAS_STR(err.msg, path);
	T_HAS_STR(err.msg, "70-espstation.rules");
	T_CHECK(strstr(err.msg, "usermod") == NULL);
	T_CHECK(strstr(err.msg, "'root'") == NULL);

	t_set_case("EACCES on a missing node");
	memset(&err, 0, sizeof err);
	T_EQ_INT(xport_open_error(NULL, &err, "/nonexistent/ttyUSB9", EPERM), ESP_E_PERM);
	T_HAS_STR(err.msg, "70-espstation.rules");

	unlink(path);
	t_set_case("%s", "");
}

int main(void)
{
	test_tcp_parse();
	test_perm_advice();
	test_open_error();
	return t_done("test_xport");
}
