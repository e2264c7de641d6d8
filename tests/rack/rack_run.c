/* SPDX-License-Identifier: MIT */
/* Runs the command inside the rack: spawns it in a process group of its
 * own, plays the timeline, forwards SIGINT/SIGTERM/SIGHUP, and on the way
 * out makes sure nothing it started is left running. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "rack.h"

#define READY_WAIT_S  30   /* --wait-ready: start the timeline anyway after this */
#define REAP_GRACE_MS 2000 /* SIGTERM → SIGKILL for leftovers */

extern char **environ;

struct run {
	struct rack *r;
	const struct rack_timeline *tl;
	pid_t pid;
	int sfd, ready_fd;
	int ctl_fd, ctl_keep;  /* VRACK_CONTROL FIFO: read end, and a write end that keeps it from EOF */
	char ctl_buf[256];
	size_t ctl_len;
	int status, exited;
	size_t next_ev;
	int result;      /* overrides the command's status (timeout, rack failure) */
	int64_t term_at; /* when we asked the command to stop, 0 = not yet */
};

/* The command's environment: ours (UMOCKDEV_DIR, LD_PRELOAD) plus VRACK_*. */
static char **child_env(struct rack *r, int ready_wfd)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 5, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "VRACK_", 6))
			env[k++] = environ[i];
	char ports[1024] = "";
	for (unsigned i = 0; i < RACK_MAX_SLOTS; i++) {
		struct rack_port *p = r->slots[i].port;
		if (p && strlen(ports) + strlen(p->devnode) + 2 < sizeof ports) {
			if (ports[0])
				strcat(ports, " ");
			strcat(ports, p->devnode);
		}
	}
	env[k++] = g_strdup_printf("VRACK_WORKDIR=%s", r->workdir);
	env[k++] = g_strdup_printf("VRACK_PORTS=%s", ports);
	if (ready_wfd >= 0)
		env[k++] = g_strdup_printf("VRACK_READY_FD=%d", ready_wfd);
	env[k++] = g_strdup_printf("VRACK_CONTROL=%s/control", r->workdir);
	env[k] = NULL;
	return env;
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], "VRACK_", 6))
			g_free(env[i]);
	free(env);
}

static int spawn(struct run *u, int ready_wfd)
{
	char **argv = u->r->opts->argv;
	posix_spawnattr_t a;
	sigset_t none, dflt;
	sigemptyset(&none);
	sigemptyset(&dflt);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&dflt, sigs[i]);
	posix_spawnattr_init(&a);
	/* its own process group, so that every process it starts can be
	 * signalled and reaped as one */
	posix_spawnattr_setflags(&a, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					     POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&a, 0);
	posix_spawnattr_setsigmask(&a, &none);
	posix_spawnattr_setsigdefault(&a, &dflt);
	/* a stray pty master in the command would keep an unplugged tty alive */
	rack_cloexec_own_fds(u->r, ready_wfd);
	/* shells (dash) only redirect to single-digit descriptors: hand the
	 * ready pipe over as the lowest one vrack's caller did not give us */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	int child_fd = ready_wfd;
	for (int fd = 3; ready_wfd >= 0 && fd <= 9; fd++) {
		if (!(u->r->inherited_fds[fd / 8] & (1u << (fd % 8))) || fd == ready_wfd) {
			child_fd = fd;
			break;
		}
	}
	if (ready_wfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, ready_wfd, child_fd);
	char **env = child_env(u->r, child_fd);
	int rc = env ? posix_spawnp(&u->pid, argv[0], &fa, &a, argv, env) : ENOMEM;
	free_env(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&a);
	if (rc) {
		rack_logf(u->r, "cannot run '%s': %s", argv[0], strerror(rc));
		return rc == ENOENT ? 127 : 126;
	}
	rack_logf(u->r, "command started: pid %d, '%s'%s", (int)u->pid, argv[0],
		  u->ready_fd >= 0 ? "; the timeline waits for it to write to VRACK_READY_FD" : "");
	return 0;
}

static const char *sig_name(int sig)
{
	const char *s = sigabbrev_np(sig);
	return s ? s : "?";
}

static void reap(struct run *u)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p != u->pid)
			continue; /* an orphan of the command, reparented to us */
		u->exited = 1;
		u->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (WIFEXITED(st))
			rack_logf(u->r, "command exited with status %d", u->status);
		else
			rack_logf(u->r, "command killed by signal %d (SIG%s)", WTERMSIG(st),
				  sig_name(WTERMSIG(st)));
	}
}

static void on_signals(struct run *u)
{
	struct signalfd_siginfo si;
	while (read(u->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD) {
			reap(u);
			continue;
		}
		rack_logf(u->r, "got SIG%s: passing it on to the command", sig_name(sig));
		(void)kill(-u->pid, sig);
		if (!u->term_at)
			u->term_at = rack_now(u->r);
	}
}

static void on_ready(struct run *u)
{
	char buf[64];
	ssize_t n = read(u->ready_fd, buf, sizeof buf);
	if (n < 0 && errno == EINTR)
		return;
	if (n > 0)
		rack_logf(u->r, "command is ready: the timeline starts");
	else
		rack_logf(u->r,
			  "command closed VRACK_READY_FD without writing: the timeline starts");
	close(u->ready_fd);
	u->ready_fd = -1;
	u->r->tl0 = rack_now(u->r);
}

/* ms until something is due (timeline, operator, ready wait, timeout) */
static int next_timeout(struct run *u, int tick_ms)
{
	struct rack *r = u->r;
	int64_t now = rack_now(r), due = -1;
	if (r->tl0 && u->next_ev < u->tl->n)
		due = r->tl0 + (int64_t)(u->tl->ev[u->next_ev].t * 1e9);
	if (!r->tl0 && u->ready_fd >= 0)
		due = READY_WAIT_S * 1000000000ll;
	if (r->opts->timeout_s > 0) {
		int64_t t = (int64_t)(r->opts->timeout_s * 1e9);
		due = due < 0 || t < due ? t : due;
	}
	if (u->term_at) {
		int64_t t = u->term_at + REAP_GRACE_MS * 1000000ll;
		due = due < 0 || t < due ? t : due;
	}
	int ms = due < 0 ? -1 : due <= now ? 0 : (int)((due - now + 999999) / 1000000);
	if (tick_ms >= 0 && (ms < 0 || tick_ms < ms))
		ms = tick_ms;
	return ms;
}

static void play_due(struct run *u)
{
	struct rack *r = u->r;
	int64_t now = rack_now(r);
	while (r->tl0 && u->next_ev < u->tl->n && !u->result) {
		const struct rack_event *ev = &u->tl->ev[u->next_ev];
		if (now < r->tl0 + (int64_t)(ev->t * 1e9))
			break;
		u->next_ev++;
		if (rack_do(r, ev) < 0) {
			rack_logf(r, "%s:%u: '%s' failed; stopping the command", u->tl->path,
				  ev->line, rack_action_name(ev->action));
			u->result = RACK_EXIT_INTERNAL;
			(void)kill(-u->pid, SIGTERM);
			u->term_at = now;
		}
	}
}

static void check_deadlines(struct run *u)
{
	struct rack *r = u->r;
	int64_t now = rack_now(r);
	if (!r->tl0 && u->ready_fd >= 0 && now >= READY_WAIT_S * 1000000000ll) {
		rack_logf(r, "command not ready after %d s: starting the timeline anyway",
			  READY_WAIT_S);
		close(u->ready_fd);
		u->ready_fd = -1;
		r->tl0 = now;
	}
	if (r->opts->timeout_s > 0 && !u->term_at && now >= (int64_t)(r->opts->timeout_s * 1e9)) {
		rack_logf(r, "--timeout %.1f s expired: stopping the command", r->opts->timeout_s);
		u->result = RACK_EXIT_TIMEOUT;
		(void)kill(-u->pid, SIGTERM);
		u->term_at = now;
	}
	if (u->term_at && now >= u->term_at + REAP_GRACE_MS * 1000000ll) {
		rack_logf(r, "command still running %d ms after SIGTERM: SIGKILL", REAP_GRACE_MS);
		(void)kill(-u->pid, SIGKILL);
		u->term_at = now; /* and again, if even that is not enough */
	}
}

/* Our children other than the command: orphans it left (we are their
 * subreaper), possibly in process groups of their own. */
static int signal_orphans(pid_t self, int sig)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[300], buf[512];
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[len] = '\0';
		const char *rp = strrchr(buf, ')');
		int ppid;
		char state;
		if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == self &&
		    state != 'Z') {
			(void)kill(atoi(de->d_name), sig);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void kill_leftovers(struct run *u)
{
	pid_t self = getpid();
	int group = kill(-u->pid, SIGTERM) == 0;
	int orphans = signal_orphans(self, SIGTERM);
	if (group || orphans)
		rack_logf(u->r, "the command left processes running: SIGTERM");
	int64_t end = rack_now(u->r) + REAP_GRACE_MS * 1000000ll;
	while ((group || orphans) && rack_now(u->r) < end) {
		usleep(20000);
		reap(u);
		group = kill(-u->pid, 0) == 0;
		orphans = signal_orphans(self, 0);
	}
	if (group || orphans) {
		rack_logf(u->r, "still running %d ms after SIGTERM: SIGKILL", REAP_GRACE_MS);
		(void)kill(-u->pid, SIGKILL);
		(void)signal_orphans(self, SIGKILL);
		usleep(50000);
	}
	reap(u);
}

/* The control FIFO ($VRACK_CONTROL): the command may act on the rack at a
 * moment it chooses (e.g. unplug a slot once the station reports a stage),
 * with the timeline's words: "unplug N", "plug N", "swap N", "reseat N", "power-cycle N
 * [button]".  A bad line is logged and ignored. */
static void open_control(struct run *u)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/control", u->r->workdir);
	u->ctl_fd = u->ctl_keep = -1;
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		rack_logf(u->r, "no control FIFO %s: %s", path, strerror(errno));
		return;
	}
	u->ctl_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	u->ctl_keep = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

static void control_line(struct run *u, char *line)
{
	char word[32];
	unsigned slot;
	int n = 0;
	if (sscanf(line, "%31s %u %n", word, &slot, &n) < 2 || slot >= RACK_MAX_SLOTS) {
		rack_logf(u->r, "control: bad line '%s' (use e.g. 'unplug 0')", line);
		return;
	}
	struct rack_event ev = {.slot = slot, .button = strstr(line + n, "button") != NULL};
	if (!strcmp(word, "unplug"))
		ev.action = RACK_UNPLUG;
	else if (!strcmp(word, "plug"))
		ev.action = RACK_PLUG;
	else if (!strcmp(word, "swap"))
		ev.action = RACK_SWAP;
	else if (!strcmp(word, "power-cycle"))
		ev.action = RACK_POWER_CYCLE;
	else if (!strcmp(word, "reseat"))
		ev.action = RACK_RESEAT;
	else {
		rack_logf(u->r, "control: unknown action '%s'", word);
		return;
	}
	rack_logf(u->r, "control: %s", line);
	if (rack_do(u->r, &ev) < 0)
		rack_logf(u->r, "control: '%s' failed", line);
}

static void on_control(struct run *u)
{
	ssize_t n;
	while ((n = read(u->ctl_fd, u->ctl_buf + u->ctl_len, sizeof u->ctl_buf - 1 - u->ctl_len)) > 0) {
		u->ctl_len += (size_t)n;
		u->ctl_buf[u->ctl_len] = '\0';
		char *nl;
		while ((nl = strchr(u->ctl_buf, '\n'))) {
			*nl = '\0';
			control_line(u, u->ctl_buf);
			u->ctl_len -= (size_t)(nl + 1 - u->ctl_buf);
			memmove(u->ctl_buf, nl + 1, u->ctl_len + 1);
		}
		if (u->ctl_len == sizeof u->ctl_buf - 1)
			u->ctl_len = 0; /* an over-long line: drop it */
	}
}

int rack_run(struct rack *r, const struct rack_timeline *tl)
{
	struct run u = {.r = r, .tl = tl, .sfd = -1, .ready_fd = -1};
	open_control(&u);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	u.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	int ready[2] = {-1, -1};
	if (r->opts->wait_ready) {
		if (pipe(ready) < 0 || fcntl(ready[0], F_SETFD, FD_CLOEXEC) < 0) {
			rack_logf(r, "cannot make the ready pipe: %s", strerror(errno));
			return RACK_EXIT_INTERNAL;
		}
		u.ready_fd = ready[0];
	} else {
		/* events at time 0 happen before the command starts */
		r->tl0 = rack_now(r);
		play_due(&u);
		if (u.result)
			return u.result;
	}
	int rc = spawn(&u, ready[1]);
	if (ready[1] >= 0)
		close(ready[1]);
	if (rc) {
		if (u.ready_fd >= 0)
			close(u.ready_fd);
		close(u.sfd);
		return rc;
	}
	if (!r->opts->wait_ready)
		r->tl0 = rack_now(r);
	while (!u.exited) {
		int tick = rack_tick(r);
		struct pollfd pf[3] = {{.fd = u.sfd, .events = POLLIN},
				       {.fd = u.ctl_fd, .events = POLLIN},
				       {.fd = u.ready_fd, .events = POLLIN}};
		int n = poll(pf, u.ready_fd >= 0 ? 3 : 2, next_timeout(&u, tick));
		if (n < 0 && errno != EINTR) {
			rack_logf(r, "poll: %s", strerror(errno));
			u.result = RACK_EXIT_INTERNAL;
			break;
		}
		if (pf[0].revents)
			on_signals(&u);
		if (u.ctl_fd >= 0 && pf[1].revents)
			on_control(&u);
		if (u.ready_fd >= 0 && pf[2].revents)
			on_ready(&u);
		if (!u.exited) {
			play_due(&u);
			check_deadlines(&u);
		}
	}
	(void)rack_tick(r); /* record units that hung up as the command went */
	if (u.next_ev < tl->n)
		rack_logf(r, "%zu timeline event(s) after the command's exit were not played",
			  tl->n - u.next_ev);
	kill_leftovers(&u);
	if (u.ready_fd >= 0)
		close(u.ready_fd);
	if (u.ctl_fd >= 0)
		close(u.ctl_fd);
	if (u.ctl_keep >= 0)
		close(u.ctl_keep);
	close(u.sfd);
	return u.result ? u.result : u.status;
}
