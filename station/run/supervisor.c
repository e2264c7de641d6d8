/* SPDX-License-Identifier: MIT */
/* The supervisor: watches udev (through hotplug/: slots by slot_resolve,
 * a re-read of the ports when uevents were lost), forks one worker per port,
 * relays worker events to the console and LEDs, and closes the jobs of
 * workers that were unplugged, crashed or killed.  The other slots never
 * notice. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "hotplug.h"
#include "cancel_signal.h"
#include "led.h"
#include "esp_err.h"
#include "shipper.h"
#include "st_clock.h"
#include "supervisor.h"
#include "worker.h"

#define STOP_GRACE_MS 5000u
/* A worker reports at least every few seconds; the longest silent step is
 * one core command (240 s cap, e.g. a chip erase).  Past this it is hung. */
#define WORKER_HANG_MS 300000u
/* the shipper finishes its batch (one central transaction) or is killed */
#define SHIPPER_STOP_MS 3000u

struct worker_slot {
	int used;
	struct st_port port;
	char led[64];
	pid_t pid;
	int fd;
	int con;                /* console index */
	int64_t job_id;         /* open job, 0 if none */
	enum st_stage stage;
	int removed;            /* udev said the port is gone */
	int hung;               /* killed by us after WORKER_HANG_MS of silence */
	uint64_t last_event_ms; /* monotonic */
};

struct supervisor {
	const struct st_config *cfg;
	struct console *con;
	struct db *db;
	int64_t station_id;
	struct hp_monitor *hp;
	int hp_err;             /* the udev monitor's last error (-errno) noted, 0 if none */
	struct slot_map slots;  /* cfg->slot[i] is slots.e[i] */
	int sigfd;
	int stopping;
	struct worker_slot w[CONSOLE_MAX_SLOTS];
	struct shipper *ship;          /* NULL: no central store configured */
	struct shipper_state ship_st;  /* its last state, for the console line */
	int ship_announced;            /* the current link state was said */
	int ship_caught_up;            /* "up to date" was said since it connected */
};

_Static_assert(SLOT_MAP_MAX >= ST_CFG_MAX_SLOTS, "every configured slot fits the slot map");
_Static_assert(SHIPPER_MAX_FDS >= 2 + CONSOLE_MAX_SLOTS, "the shipper closes every fd of ours");

static void load_slot_map(struct supervisor *sv)
{
	for (unsigned i = 0; i < sv->cfg->n_slots; i++) {
		/* a remote slot's port is its identity (hotplug reports it as ID_PATH) */
		snprintf(sv->slots.e[i].id_path, sizeof sv->slots.e[i].id_path, "%.127s",
			 sv->cfg->slot[i].port[0] ? sv->cfg->slot[i].port : sv->cfg->slot[i].id_path);
		snprintf(sv->slots.e[i].slot, sizeof sv->slots.e[i].slot, "%s", sv->cfg->slot[i].name);
	}
	sv->slots.n = sv->cfg->n_slots;
}

/* The slot by hotplug's precedence (slot_resolve); a config slot also names
 * its LED.  NULL: unmapped, and allow_unmapped is false. */
static const char *slot_name_for(const struct supervisor *sv, const struct hp_event *ev,
				 char *buf, size_t cap, const char **ret_led)
{
	const char *name = slot_resolve(&sv->slots, ev);

	*ret_led = "";
	for (unsigned i = 0; i < sv->slots.n; i++)
		if (name == sv->slots.e[i].slot) /* the map's entry, not a udev rule's name */
			*ret_led = sv->cfg->slot[i].led;
	if (name[0]) {
		snprintf(buf, cap, "%s", name);
		return buf;
	}
	if (!sv->cfg->allow_unmapped)
		return NULL;
	/* unmapped: name it after its device node so logs stay readable */
	const char *base = strrchr(ev->devnode, '/');
	snprintf(buf, cap, "%.31s", base ? base + 1 : ev->devnode);
	return buf;
}

static void set_led(struct supervisor *sv, struct worker_slot *ws, enum led_state st)
{
	if (!ws->led[0])
		return;
	int e = led_set(sv->cfg->led_root, ws->led, st);
	if (e)
		console_note(sv->con, "LED %s: cannot set %s: %s (check led_root and permissions)",
			     ws->led, led_state_name(st), strerror(-e));
}

static void worker_child(struct supervisor *sv, struct worker_slot *ws, int fd, pid_t parent)
{
	/* a worker never outlives its supervisor: a restarted station must find
	 * the ports free and the dead run's jobs still open (then "interrupted") */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	/* the child owns nothing of the parent's: no db, no udev, no other sockets */
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
		if (sv->w[i].used && sv->w[i].fd >= 0 && &sv->w[i] != ws)
			close(sv->w[i].fd);
	close(sv->sigfd);
	close(hp_monitor_fd(sv->hp));
	shipper_forget_in_child(sv->ship);
	/* a full disk or a file-size limit must fail the write, not kill us */
	signal(SIGXFSZ, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct worker_ctx wc = {
		.cfg = sv->cfg, .port = ws->port, .station_id = sv->station_id, .event_fd = fd,
		.cancel = st_cancel_flag(),
	};
	_exit(worker_main(&wc));
}

static void start_worker(struct supervisor *sv, const struct hp_event *ev)
{
	char name[32];
	const char *led;
	if (!slot_name_for(sv, ev, name, sizeof name, &led)) {
		console_note(sv->con, "%s (ID_PATH %s) is not in the slot map and allow_unmapped is "
			     "false: ignored (add it to slots in the config)", ev->devnode, ev->id_path);
		return;
	}
	struct worker_slot *ws = NULL;
	for (int i = 0; i < CONSOLE_MAX_SLOTS && !ws; i++)
		if (!sv->w[i].used)
			ws = &sv->w[i];
	if (!ws) {
		console_note(sv->con, "%s ignored: more than %d ports", ev->devnode, CONSOLE_MAX_SLOTS);
		return;
	}
	memset(ws, 0, sizeof *ws);
	struct st_port *p = &ws->port;
	snprintf(p->devnode, sizeof p->devnode, "%s", ev->devnode);
	snprintf(p->id_path, sizeof p->id_path, "%s", ev->id_path);
	snprintf(p->slot, sizeof p->slot, "%s", name);
	snprintf(p->serial, sizeof p->serial, "%s", ev->serial);
	snprintf(ws->led, sizeof ws->led, "%s", led);
	p->vid = ev->vid;
	p->pid = ev->pid;
	const struct st_cfg_adapter *a = st_config_adapter(sv->cfg, ev->vid, ev->pid);
	const char *scheme_end = strstr(ev->devnode, "://");
	if (scheme_end) /* a remote slot: the kind is its protocol ("rfc2217 adapter attached") */
		snprintf(p->kind, sizeof p->kind, "%.*s", (int)(scheme_end - ev->devnode), ev->devnode);
	else
		snprintf(p->kind, sizeof p->kind, "%s", a && a->kind[0] ? a->kind : "usb-uart");
	struct db_adapter da = {.station_id = sv->station_id, .vid = ev->vid, .pid = ev->pid,
				.usb_serial = ev->serial, .id_path = ev->id_path, .slot = name,
				.kind = p->kind};
	if (db_adapter_upsert(sv->db, &da, &p->adapter_id) != 0)
		console_note(sv->con, "database: %s", db_errmsg(sv->db));
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) {
		console_note(sv->con, "socketpair: %s", strerror(errno));
		return;
	}
	ws->used = 1;
	ws->fd = sp[0];
	ws->con = console_attach(sv->con, name, ev->devnode, p->kind);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		close(sp[0]);
		worker_child(sv, ws, sp[1], parent);
	}
	close(sp[1]);
	if (pid < 0) {
		console_note(sv->con, "cannot start a worker for %s: %s", ev->devnode, strerror(errno));
		close(sp[0]);
		ws->used = 0;
		return;
	}
	ws->pid = pid;
	ws->last_event_ms = st_mono_ms();
	set_led(sv, ws, LED_BUSY);
}

static struct worker_slot *find_devnode(struct supervisor *sv, const char *devnode)
{
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
		if (sv->w[i].used && strcmp(sv->w[i].port.devnode, devnode) == 0)
			return &sv->w[i];
	return NULL;
}

static void on_remove(struct supervisor *sv, const struct hp_event *ev)
{
	struct worker_slot *ws = find_devnode(sv, ev->devnode);
	if (!ws)
		return;
	/* a dead tty reads EOF forever: stop the worker now, not at a timeout */
	ws->removed = 1;
	if (ws->pid > 0) {
		kill(ws->pid, SIGKILL);
		return; /* reap() closes its job and the slot */
	}
	set_led(sv, ws, LED_IDLE);
	console_detach(sv->con, ws->con, NULL);
	ws->used = 0;
}

static void drain_events(struct supervisor *sv, struct worker_slot *ws)
{
	struct st_event ev;
	int r;
	while ((r = st_event_recv(ws->fd, &ev)) == 1) {
		ws->last_event_ms = st_mono_ms();
		if (ev.type == ST_EV_JOB)
			ws->job_id = ev.job_id;
		if (ev.type == ST_EV_STAGE)
			ws->stage = (enum st_stage)ev.stage;
		if (ev.type == ST_EV_WAITING)
			set_led(sv, ws, LED_OPERATOR);
		if (ev.type == ST_EV_STAGE && ev.stage == ST_STAGE_DETECT)
			set_led(sv, ws, LED_BUSY);
		if (ev.type == ST_EV_DONE) {
			ws->job_id = 0;
			shipper_poke(sv->ship); /* ship it now, not at the next tick */
			set_led(sv, ws, strcmp(ev.result, "passed") == 0 ? LED_PASS : LED_FAIL);
		}
		console_event(sv->con, ws->con, &ev);
	}
}

/* Closes the job a dead worker left open: unplugged, crashed or interrupted. */
static void close_orphan_job(struct supervisor *sv, struct worker_slot *ws, int status)
{
	if (!ws->job_id)
		return;
	char msg[160];
	const char *result;
	if (ws->removed) {
		result = "unplugged";
		snprintf(msg, sizeof msg, "adapter removed during %s", st_stage_name(ws->stage));
	} else if (sv->stopping) {
		result = "interrupted";
		snprintf(msg, sizeof msg, "station stopped during %s", st_stage_name(ws->stage));
	} else if (ws->hung) {
		result = "crashed";
		snprintf(msg, sizeof msg, "worker hung: no progress for %u s during %s; killed",
			 WORKER_HANG_MS / 1000u, st_stage_name(ws->stage));
	} else {
		result = "crashed";
		if (WIFSIGNALED(status))
			snprintf(msg, sizeof msg, "worker killed by signal %d during %s",
				 WTERMSIG(status), st_stage_name(ws->stage));
		else
			snprintf(msg, sizeof msg, "worker exited (%d) during %s without closing its job",
				 WEXITSTATUS(status), st_stage_name(ws->stage));
	}
	/* an unplug is the core's ESP_E_NODEV, as a worker that saw it would record */
	enum esp_err e = ws->removed ? ESP_E_NODEV : ESP_OK;
	struct db_job_end end = {.result = result, .err_code = (int)e,
				 .err_name = e ? esp_err_name(e) : NULL, .err_msg = msg};
	int rc = db_job_finish(sv->db, ws->job_id, &end);
	if (rc == 0) {
		shipper_poke(sv->ship);
		struct st_event ev = {.type = ST_EV_DONE, .stage = ws->stage, .job_id = ws->job_id};
		snprintf(ev.result, sizeof ev.result, "%s", result);
		snprintf(ev.text, sizeof ev.text, "%s", msg);
		console_event(sv->con, ws->con, &ev);
	} else if (rc != -EALREADY) {
		console_note(sv->con, "database: %s", db_errmsg(sv->db));
	}
}

static void reap(struct supervisor *sv)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		char why[200];
		if (shipper_reaped(sv->ship, pid, status, why, sizeof why)) {
			if (!sv->stopping)
				console_note(sv->con, "%s", why);
			continue;
		}
		for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
			struct worker_slot *ws = &sv->w[i];
			if (!ws->used || ws->pid != pid)
				continue;
			drain_events(sv, ws);
			close_orphan_job(sv, ws, status);
			ws->pid = 0;
			close(ws->fd);
			ws->fd = -1;
			/* a remote port has no uevents: its worker ending is its unplug */
			if (!ws->removed && !sv->stopping)
				(void)hp_monitor_remote_ended(sv->hp, ws->port.devnode);
			if (ws->removed || sv->stopping) {
				set_led(sv, ws, LED_IDLE);
				console_detach(sv->con, ws->con, ws->removed ? NULL : "station stopping");
				ws->used = 0;
			}
			/* otherwise the slot keeps showing its result until the port goes */
		}
	}
}

static int handle_signal(struct supervisor *sv)
{
	struct signalfd_siginfo si;
	while (read(sv->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGCHLD) {
			reap(sv);
		} else if (!sv->stopping) {
			console_note(sv->con, "stopping: finishing open jobs (signal %u)", si.ssi_signo);
			sv->stopping = 1;
			for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
				if (sv->w[i].used && sv->w[i].pid > 0)
					kill(sv->w[i].pid, SIGTERM);
		}
	}
	return 0;
}

static int workers_alive(const struct supervisor *sv)
{
	int n = 0;
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
		n += sv->w[i].used && sv->w[i].pid > 0;
	return n;
}

/* Starts a worker per new port and stops the worker of each port gone.
 * After lost uevents (-ENOBUFS) the ports present are read again: hotplug
 * reports the difference to what it had as removes and adds, so the workers
 * are reconciled with the rack by the same two paths. */
static void take_hotplug_events(struct supervisor *sv)
{
	struct hp_event ev;
	for (;;) {
		int r = hp_monitor_next(sv->hp, &ev);
		if (r == -ENOBUFS) {
			console_note(sv->con, "udev events were lost (receive buffer overflow): "
				     "re-reading the adapters present");
			r = hp_monitor_enumerate(sv->hp);
			if (r == 0)
				continue;
		}
		if (r < 0) {
			/* once per cause: a monitor that keeps failing must not flood the console */
			if (r != sv->hp_err)
				console_note(sv->con, "udev monitor: %s (plugs may go unseen)", strerror(-r));
			sv->hp_err = r;
			return;
		}
		sv->hp_err = 0;
		if (r == 0)
			return;
		if (ev.action == HP_ADD && !sv->stopping)
			start_worker(sv, &ev);
		else if (ev.action == HP_REMOVE)
			on_remove(sv, &ev);
	}
}

/* The descriptors a forked shipper must not keep: ours, not the database's. */
static unsigned inherited_fds(const struct supervisor *sv, int fds[SHIPPER_MAX_FDS])
{
	unsigned n = 0;
	fds[n++] = sv->sigfd;
	fds[n++] = sv->hp ? hp_monitor_fd(sv->hp) : -1;
	for (int i = 0; i < CONSOLE_MAX_SLOTS && n < SHIPPER_MAX_FDS; i++)
		if (sv->w[i].used && sv->w[i].fd >= 0)
			fds[n++] = sv->w[i].fd;
	return n;
}

/* HH:MM:SS local time, as an operator reads a wall clock */
static const char *clock_text(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, cap, "%H:%M:%S", &tm);
	return buf;
}

/* One console line per change of the shipper's state that matters to an
 * operator (connected, caught up, down with what waits, refused), never one
 * per batch or per retry. */
static void on_ship_state(struct supervisor *sv, const struct shipper_state *s)
{
	const struct shipper_state *prev = &sv->ship_st;
	char url[300], bl[160], when[16];
	/* the central library's messages name the store already */
	const char *who = strncmp(s->error, "central store", 13) == 0 ? "" : "central store: ";
	central_url_redacted(sv->cfg->central.url, url, sizeof url);
	if (s->problem[0] && strcmp(s->problem, prev->problem) != 0)
		console_note(sv->con, "central store: %s (the rest ships)", s->problem);
	if (s->link != prev->link)
		sv->ship_announced = sv->ship_caught_up = 0;
	int idle = !s->backlog.jobs && !s->backlog.backups && !s->backlog.events;
	switch (s->link) {
	case SHIPPER_UP:
		if (!sv->ship_announced)
			console_status(sv->con, "central store %s: connected; %s", url,
				       idle ? "up to date" : shipper_backlog_text(&s->backlog, bl, sizeof bl));
		else if (idle && !sv->ship_caught_up)
			console_status(sv->con, "central store %s: up to date", url);
		sv->ship_caught_up |= idle;
		break;
	case SHIPPER_DOWN:
		/* what waits grows with each job: say it then, not at each
		 * retry; the cause once */
		if (!sv->ship_announced || s->backlog.jobs != prev->backlog.jobs ||
		    s->backlog.backup_bytes != prev->backlog.backup_bytes)
			console_status(sv->con, "central store down since %s: %lld job%s, %.1f MiB "
				       "waiting%s%s%s", clock_text(s->down_since_ms, when, sizeof when),
				       (long long)s->backlog.jobs, s->backlog.jobs == 1 ? "" : "s",
				       (double)s->backlog.backup_bytes / 1048576.0,
				       sv->ship_announced ? "" : " (", sv->ship_announced ? "" : s->error,
				       sv->ship_announced ? "" : ")");
		break;
	case SHIPPER_REFUSED:
		if (!sv->ship_announced || strcmp(s->error, prev->error) != 0)
			console_status(sv->con, "%s%s; shipping paused, the station works on locally "
				       "(retrying)", who, s->error);
		break;
	case SHIPPER_STARTING:
		break;
	}
	sv->ship_announced = 1;
	sv->ship_st = *s;
}

static void loop(struct supervisor *sv)
{
	uint64_t stop_deadline = 0;
	for (;;) {
		if (sv->stopping && !stop_deadline)
			stop_deadline = st_mono_ms() + STOP_GRACE_MS;
		if (sv->stopping && !workers_alive(sv))
			return;
		if (stop_deadline && st_mono_ms() > stop_deadline) {
			for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
				if (sv->w[i].used && sv->w[i].pid > 0)
					kill(sv->w[i].pid, SIGKILL);
		}
		struct pollfd pf[3 + CONSOLE_MAX_SLOTS];
		struct worker_slot *owner[3 + CONSOLE_MAX_SLOTS];
		nfds_t n = 0;
		pf[n++] = (struct pollfd){.fd = sv->sigfd, .events = POLLIN};
		pf[n++] = (struct pollfd){.fd = hp_monitor_fd(sv->hp), .events = POLLIN};
		/* -1 (no shipper) is skipped by poll() */
		pf[n++] = (struct pollfd){.fd = shipper_fd(sv->ship), .events = POLLIN};
		for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
			if (sv->w[i].used && sv->w[i].fd >= 0) {
				owner[n] = &sv->w[i];
				pf[n++] = (struct pollfd){.fd = sv->w[i].fd, .events = POLLIN};
			}
		}
		int timeout = hp_monitor_timeout_ms(sv->hp);
		if (timeout < 0 || timeout > 200)
			timeout = 200;
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			return;
		if (pf[0].revents)
			handle_signal(sv);
		struct shipper_state ss;
		if (pf[2].revents && shipper_take(sv->ship, &ss))
			on_ship_state(sv, &ss);
		for (nfds_t k = 3; k < n; k++)
			if (pf[k].revents && owner[k]->used && owner[k]->fd >= 0)
				drain_events(sv, owner[k]);
		if (!sv->stopping) {
			int fds[SHIPPER_MAX_FDS];
			(void)shipper_tick(sv->ship, fds, inherited_fds(sv, fds));
		}
		uint64_t now = st_mono_ms();
		for (int i = 0; i < CONSOLE_MAX_SLOTS; i++) {
			struct worker_slot *ws = &sv->w[i];
			if (ws->used && ws->pid > 0 && !ws->hung && now - ws->last_event_ms > WORKER_HANG_MS) {
				ws->hung = 1;
				kill(ws->pid, SIGKILL); /* reap() closes its job as crashed */
			}
		}
		take_hotplug_events(sv);
		console_tick(sv->con);
	}
}

static void warn_cb(void *user, const char *msg)
{
	console_note(user, "%s", msg);
}

static int setup(struct supervisor *sv)
{
	/* db_open's one line already names the path, the cause and its fix */
	char err[1024];
	if (db_open(sv->cfg->database, &sv->db, err, sizeof err) != 0) {
		fprintf(stderr, "espstation: database: %s\n", err);
		return 1;
	}
	if (db_station_upsert(sv->db, sv->cfg->station, &sv->station_id) != 0) {
		fprintf(stderr, "espstation: database %s: %s\n", sv->cfg->database, db_errmsg(sv->db));
		return 1;
	}
	/* a previous supervisor killed mid-job left jobs open: they stopped there */
	struct db_job_end end = {.result = "interrupted", .err_msg = "station stopped or crashed during the job"};
	int closed = 0;
	if (db_jobs_close_interrupted(sv->db, sv->station_id, &end, &closed) == 0 && closed)
		console_note(sv->con, "closed %d job(s) left open by a previous run as interrupted", closed);
	if (sv->cfg->central.url[0]) {
		/* before any worker: forked while the supervisor is one thread */
		char serr[256];
		int fds[SHIPPER_MAX_FDS];
		if (shipper_start(sv->cfg, fds, inherited_fds(sv, fds), &sv->ship, serr, sizeof serr) != 0)
			console_note(sv->con, "%s: nothing is shipped to the central store until the "
				     "station restarts (it works on locally)", serr);
	}
	if (hp_check_port_thieves(NULL, "/proc", warn_cb, sv->con) < 0) /* hotplug's rules dirs */
		console_note(sv->con, "could not check for programs that steal serial ports");
	load_slot_map(sv);
	struct hp_filter f = {0};
	for (unsigned i = 0; i < sv->cfg->n_adapters && i < 32; i++) {
		f.id[f.n].vid = sv->cfg->adapter[i].vid;
		f.id[f.n].pid = sv->cfg->adapter[i].pid;
		f.n++;
	}
	int rc = hp_monitor_new(&f, sv->cfg->settle_ms, &sv->hp);
	if (rc == 0)
		rc = hp_monitor_enumerate(sv->hp);
	/* remote slots (port = "rfc2217://..."): served as if plugged */
	for (unsigned i = 0; rc == 0 && i < sv->cfg->n_slots; i++) {
		int r = sv->cfg->slot[i].port[0] ? hp_monitor_add_remote(sv->hp, sv->cfg->slot[i].port) : 0;
		if (r < 0)
			console_note(sv->con, "slot %s: port %s cannot be served (%s): ignored",
				     sv->cfg->slot[i].name, sv->cfg->slot[i].port, strerror(-r));
	}
	if (rc != 0) {
		fprintf(stderr, "espstation: cannot watch udev for adapters: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

int supervisor_run(const struct st_config *cfg, struct console *con, int ready_fd)
{
	struct supervisor sv;
	memset(&sv, 0, sizeof sv);
	sv.cfg = cfg;
	sv.con = con;
	for (int i = 0; i < CONSOLE_MAX_SLOTS; i++)
		sv.w[i].fd = -1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sv.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	int rc = sv.sigfd < 0 ? 1 : setup(&sv);
	if (rc == 0) {
		console_note(con, "station '%s' running in %s mode; database %s; backups in %s",
			     cfg->station, st_mode_name(cfg->mode), cfg->database, cfg->backup_dir);
		if (ready_fd >= 0) {
			ssize_t w = write(ready_fd, "R", 1);
			(void)w;
			close(ready_fd);
		}
		loop(&sv);
		reap(&sv);
	}
	shipper_stop(sv.ship, SHIPPER_STOP_MS);
	hp_monitor_free(sv.hp);
	db_close(sv.db);
	if (sv.sigfd >= 0)
		close(sv.sigfd);
	return rc;
}
