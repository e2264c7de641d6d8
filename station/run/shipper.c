/* SPDX-License-Identifier: MIT */
/* The central shipper process (see shipper.h): the supervisor's handle
 * (start, poke, take state, reap, restart, stop) and the child's loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "central.h"
#include "db.h"
#include "shipper.h"
#include "st_clock.h"

#define SHIP_IDLE_MS 1000u      /* caught up: look again this often without a poke */
#define SHIP_BACKOFF_MIN_MS 1000u
#define SHIP_BACKOFF_MAX_MS 30000u
#define SHIP_RESTART_MS 5000u   /* a shipper that died starts again after this */
/* a job ending after the server last counted began at most this long
 * before (a worker is killed after 300 s without progress) */
#define SHIP_JOB_SPAN_MS (3600 * 1000)

struct shipper {
	const struct st_config *cfg;
	pid_t pid;
	int keep_fd[SHIPPER_MAX_FDS]; /* the supervisor's fds the child closes */
	unsigned n_keep;
	int wake_w;                 /* supervisor -> child: "a job ended" */
	int state_r;                /* child -> supervisor: struct shipper_state */
	uint64_t restart_at_ms;     /* monotonic; 0 = running or not due */
};

/* ---- the child ------------------------------------------------------------ */

static volatile sig_atomic_t s_stop; /* the child's SIGTERM flag (a signal handler needs it) */

static void on_term(int sig)
{
	(void)sig;
	s_stop = 1;
}

struct ship_loop {
	const struct st_config *cfg;
	int wake_r, state_w;
	struct db *db;
	struct central *c;
	struct shipper_state st, sent;
	int sent_once;
	char path[ST_CFG_STR + 32];
	unsigned backoff_ms;
	uint64_t next_try_ms;       /* monotonic */
};

static void publish(struct ship_loop *l)
{
	l->st.updated_ms = l->sent.updated_ms;
	if (l->sent_once && memcmp(&l->st, &l->sent, sizeof l->st) == 0)
		return;
	l->st.updated_ms = st_wall_ms();
	l->sent = l->st;
	l->sent_once = 1;
	/* the newest state matters, not every one: a full socket drops it */
	(void)send(l->state_w, &l->st, sizeof l->st, MSG_DONTWAIT | MSG_NOSIGNAL);
	char err[320];
	if (shipper_state_save(l->path, &l->st, err, sizeof err) != 0) {
		snprintf(l->st.problem, sizeof l->st.problem, "state file: %.200s", err);
		l->sent.updated_ms = 0; /* try again next time */
	}
}

struct local_count {
	int64_t since_ms;
	int64_t jobs, backups, oldest_ms;
	uint64_t bytes;
};

static int count_job(void *user, const struct db_audit_job *j)
{
	struct local_count *n = user;
	if (j->end_ms >= n->since_ms && j->end_ms > 0) {
		n->jobs++;
		if (!n->oldest_ms || j->end_ms < n->oldest_ms)
			n->oldest_ms = j->end_ms;
	}
	return 0;
}

static int count_backup(void *user, const struct db_audit_backup *b)
{
	struct local_count *n = user;
	n->backups++;
	n->bytes += b->b.size;
	return 0;
}

/* The server is down: what it last said was waiting, plus every job closed
 * and backup taken since (those cannot have arrived). */
static void count_locally(struct ship_loop *l)
{
	if (!l->db)
		return;
	struct local_count n = {.since_ms = l->st.backlog_at_ms};
	struct db_audit_filter jf = {.station = l->cfg->station,
				     .since_ms = n.since_ms > SHIP_JOB_SPAN_MS ? n.since_ms - SHIP_JOB_SPAN_MS : 0};
	struct db_audit_filter bf = {.station = l->cfg->station, .since_ms = n.since_ms};
	if (db_audit_jobs(l->db, &jf, count_job, &n) != 0 ||
	    db_audit_backups(l->db, &bf, count_backup, &n) != 0)
		return;
	struct central_backlog b = l->st.backlog_server;
	b.jobs += n.jobs;
	b.backups += n.backups;
	b.backup_bytes += n.bytes;
	if (!b.oldest_ms)
		b.oldest_ms = n.oldest_ms;
	b.events = -1; /* the journal's rows are not counted here */
	l->st.backlog = b;
	l->st.backlog_local = 1;
}

static void server_said(struct ship_loop *l, const struct central_backlog *b)
{
	l->st.backlog = *b;
	l->st.backlog_server = *b;
	l->st.backlog_local = 0;
	l->st.backlog_at_ms = db_now_ms(l->db);
}

static int is_unreachable(int rc)
{
	return rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ETIMEDOUT || rc == -ECONNRESET;
}

/* An error: drop the connection, say why, retry after the back-off. */
static void link_lost(struct ship_loop *l, int rc, const char *why)
{
	central_close(l->c);
	l->c = NULL;
	enum shipper_link link = is_unreachable(rc) ? SHIPPER_DOWN : SHIPPER_REFUSED;
	if (l->st.link == SHIPPER_UP || l->st.link == SHIPPER_STARTING || !l->st.down_since_ms)
		l->st.down_since_ms = st_wall_ms();
	l->st.link = link;
	snprintf(l->st.error, sizeof l->st.error, "%s", why);
	l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : SHIP_BACKOFF_MIN_MS;
	if (l->backoff_ms > SHIP_BACKOFF_MAX_MS)
		l->backoff_ms = SHIP_BACKOFF_MAX_MS;
	l->next_try_ms = st_mono_ms() + l->backoff_ms;
	count_locally(l);
}

static void try_connect(struct ship_loop *l)
{
	char err[320];
	const char *pw = l->cfg->central.password_file[0] ? l->cfg->central.password_file : NULL;
	int rc = central_open(l->cfg->central.url, pw, &l->c, err, sizeof err);
	if (rc != 0) {
		l->c = NULL;
		l->st.failed_tries++;
		link_lost(l, rc, err);
		return;
	}
	struct central_backlog b;
	rc = central_backlog(l->c, l->db, &b);
	if (rc != 0) {
		link_lost(l, rc, central_errmsg(l->c));
		return;
	}
	l->backoff_ms = 0;
	l->st.failed_tries = 0;
	l->st.link = SHIPPER_UP;
	l->st.down_since_ms = 0;
	l->st.error[0] = '\0';
	server_said(l, &b);
}

/* Ships until caught up (1), an error (-1) or a stop (0). */
static int ship_all(struct ship_loop *l)
{
	while (!s_stop) {
		struct central_ship_stats ss;
		memset(&ss, 0, sizeof ss);
		int rc = central_ship(l->c, l->db, 0, &ss);
		if (rc < 0) {
			link_lost(l, rc, central_errmsg(l->c));
			return -1;
		}
		if (ss.events || ss.rows || ss.backups)
			l->st.last_shipped_ms = st_wall_ms();
		l->st.shipped_jobs += ss.jobs;
		l->st.shipped_backups += ss.backups;
		l->st.shipped_bytes += ss.bytes;
		if (ss.unshippable && ss.problem[0])
			snprintf(l->st.problem, sizeof l->st.problem, "%s", ss.problem);
		if (rc == 1) {
			struct central_backlog none = {0};
			server_said(l, &none);
			publish(l);
			return 1;
		}
		struct central_backlog b;
		rc = central_backlog(l->c, l->db, &b);
		if (rc != 0) {
			link_lost(l, rc, central_errmsg(l->c));
			return -1;
		}
		server_said(l, &b);
		publish(l);
	}
	return 0;
}

static void drain_wake(int fd)
{
	char buf[64];
	while (read(fd, buf, sizeof buf) > 0)
		;
}

static int child_main(const struct st_config *cfg, int wake_r, int state_w)
{
	struct ship_loop l;
	memset(&l, 0, sizeof l);
	l.cfg = cfg;
	l.wake_r = wake_r;
	l.state_w = state_w;
	shipper_state_path(cfg->database, l.path, sizeof l.path);
	struct shipper_state prev;
	if (shipper_state_load(l.path, &prev) == 0) {
		/* what the server last acknowledged, for counting while it is down */
		l.st.backlog_server = prev.backlog_server;
		l.st.backlog_at_ms = prev.backlog_at_ms;
		l.st.last_shipped_ms = prev.last_shipped_ms;
	}
	char err[1024];
	while (!s_stop && db_open(cfg->database, &l.db, err, sizeof err) != 0) {
		snprintf(l.st.error, sizeof l.st.error, "local database: %.300s", err);
		l.st.link = SHIPPER_REFUSED;
		publish(&l);
		struct pollfd pf = {.fd = wake_r, .events = POLLIN};
		(void)poll(&pf, 1, (int)SHIP_BACKOFF_MAX_MS);
	}
	while (!s_stop) {
		uint64_t now = st_mono_ms();
		int timeout = (int)SHIP_IDLE_MS;
		if (!l.c && now >= l.next_try_ms)
			try_connect(&l);
		if (l.c && ship_all(&l) == 0)
			break;
		if (!l.c) {
			now = st_mono_ms();
			timeout = l.next_try_ms > now ? (int)(l.next_try_ms - now) : 0;
		}
		publish(&l);
		struct pollfd pf = {.fd = wake_r, .events = POLLIN};
		int r = poll(&pf, 1, timeout);
		if (r > 0) {
			if (pf.revents & (POLLHUP | POLLERR))
				break; /* the supervisor is gone */
			drain_wake(wake_r);
			if (!l.c)
				count_locally(&l); /* a job ended while the server is down */
		}
	}
	central_close(l.c);
	db_close(l.db);
	return 0;
}

static void run_child(const struct shipper *s, int wake_r, int state_w, pid_t parent)
{
	const struct st_config *cfg = s->cfg;
	/* abandoning a batch is safe (one central transaction); an orphan is not */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	/* nothing of the supervisor's (signals, udev, worker sockets); its
	 * database's descriptors stay open but unused: SQLite shares them with
	 * the connection this process opens on the same file */
	for (unsigned i = 0; i < s->n_keep; i++)
		close(s->keep_fd[i]);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term; /* no SA_RESTART: poll() returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "espst-shipper");
	_exit(child_main(cfg, wake_r, state_w));
}

/* ---- the supervisor's side --------------------------------------------------- */

static int spawn(struct shipper *s, char *err, size_t cap)
{
	int wake[2], st[2];
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, cap, "central shipper: pipe: %s", strerror(errno));
		return -errno;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, st) != 0) {
		int e = errno;
		close(wake[0]);
		close(wake[1]);
		snprintf(err, cap, "central shipper: socketpair: %s", strerror(e));
		return -e;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		close(wake[1]);
		close(st[0]);
		run_child(s, wake[0], st[1], parent);
	}
	int e = errno;
	close(wake[0]);
	close(st[1]);
	if (pid < 0) {
		close(wake[1]);
		close(st[0]);
		snprintf(err, cap, "central shipper: fork: %s", strerror(e));
		return -e;
	}
	s->pid = pid;
	s->wake_w = wake[1];
	s->state_r = st[0];
	s->restart_at_ms = 0;
	return 0;
}

static void set_fds(struct shipper *s, const int *fds, unsigned n)
{
	s->n_keep = 0;
	for (unsigned i = 0; i < n && s->n_keep < SHIPPER_MAX_FDS; i++)
		if (fds[i] >= 0)
			s->keep_fd[s->n_keep++] = fds[i];
}

int shipper_start(const struct st_config *cfg, const int *close_fds, unsigned n_fds,
		  struct shipper **ret, char *err, size_t cap)
{
	struct shipper *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, cap, "central shipper: out of memory");
		return -ENOMEM;
	}
	s->cfg = cfg;
	s->wake_w = s->state_r = -1;
	set_fds(s, close_fds, n_fds);
	int rc = spawn(s, err, cap);
	if (rc != 0) {
		free(s);
		return rc;
	}
	*ret = s;
	return 0;
}

int shipper_fd(const struct shipper *s)
{
	return s ? s->state_r : -1;
}

pid_t shipper_pid(const struct shipper *s)
{
	return s ? s->pid : 0;
}

void shipper_poke(struct shipper *s)
{
	if (s && s->wake_w >= 0) {
		ssize_t w = write(s->wake_w, "j", 1); /* EAGAIN: a poke is already pending */
		(void)w;
	}
}

int shipper_take(struct shipper *s, struct shipper_state *ret)
{
	if (!s || s->state_r < 0)
		return 0;
	int got = 0;
	struct shipper_state st;
	while (recv(s->state_r, &st, sizeof st, MSG_DONTWAIT) == (ssize_t)sizeof st) {
		*ret = st;
		got = 1;
	}
	return got;
}

static void close_fds(struct shipper *s)
{
	if (s->wake_w >= 0)
		close(s->wake_w);
	if (s->state_r >= 0)
		close(s->state_r);
	s->wake_w = s->state_r = -1;
}

int shipper_reaped(struct shipper *s, pid_t pid, int status, char *why, size_t cap)
{
	if (!s || !s->pid || pid != s->pid)
		return 0;
	s->pid = 0;
	close_fds(s);
	s->restart_at_ms = st_mono_ms() + SHIP_RESTART_MS;
	if (WIFSIGNALED(status))
		snprintf(why, cap, "central shipper killed by signal %d: restarting in %u s (the "
			 "station works on locally)", WTERMSIG(status), SHIP_RESTART_MS / 1000u);
	else
		snprintf(why, cap, "central shipper exited (%d): restarting in %u s (the station "
			 "works on locally)", WEXITSTATUS(status), SHIP_RESTART_MS / 1000u);
	return 1;
}

int shipper_tick(struct shipper *s, const int *close_fds, unsigned n_fds)
{
	if (!s || s->pid || !s->restart_at_ms || st_mono_ms() < s->restart_at_ms)
		return 0;
	set_fds(s, close_fds, n_fds);
	char err[256];
	if (spawn(s, err, sizeof err) != 0) {
		s->restart_at_ms = st_mono_ms() + SHIP_RESTART_MS;
		return 0;
	}
	return 1;
}

void shipper_forget_in_child(struct shipper *s)
{
	if (s)
		close_fds(s);
}

void shipper_stop(struct shipper *s, unsigned stop_ms)
{
	if (!s)
		return;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		uint64_t deadline = st_mono_ms() + stop_ms;
		int status;
		while (waitpid(s->pid, &status, WNOHANG) == 0) {
			if (st_mono_ms() > deadline) {
				kill(s->pid, SIGKILL);
				(void)waitpid(s->pid, &status, 0);
				break;
			}
			struct timespec ts = {0, 10 * 1000 * 1000}; /* stopping: a short poll of the child */
			nanosleep(&ts, NULL);
		}
	}
	close_fds(s);
	free(s);
}
