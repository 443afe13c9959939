/*
 * anemone-ospfmon: a passive OSPFv2 listener.  It replays captures (-r) or
 * listens on an interface (-i: libpcap, or a receive-only raw socket) until
 * SIGTERM/SIGINT: every OSPF packet is checked, every LSA installed in the
 * link-state database by the rules of RFC 2328 13.1, every change of the
 * topology reported as an event, and the topology, the database and the
 * events published (Redis, a JSON file).  At the end it prints what --dump
 * asks for.  It never transmits.  Its settings are settings.c's; this file
 * opens what they name, drops privileges, runs and closes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "daemon.h"
#include "dump.h"
#include "lsdbdoc.h"
#include "log.h"
#include "monitor.h"
#include "publish.h"
#include "rawsock.h"
#include "settings.h"
#include "snapshot.h"

/* One interface listened on. */
struct listener {
	const char *name;
	struct capture *cap;         /* NULL while it cannot be opened */
	uint64_t retry_ms;           /* when to try opening it again */
	bool warned;
};

struct run {
	const struct mon_settings *s;
	struct monitor m;
	struct pub *pub;
	FILE *events_fp;
	bool events_stdout;
	uint64_t next_snapshot_ms;
	sig_atomic_t hup_seen;       /* SIGHUPs acted on (daemon_hup_due) */
	const struct capture_ops *ops;   /* live: the interfaces' backend */
	struct listener li[MON_MAX_IFACES];
	uint64_t failures;           /* live: interface failures */
};

static void on_event(void *ctx, const char *json)
{
	struct run *r = ctx;

	if (r->events_stdout) {
		fputs(json, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	if (r->events_fp != NULL) {
		fputs(json, r->events_fp);
		fputc('\n', r->events_fp);
		fflush(r->events_fp);
	}
}

/* A new version of the topology: publish it with its events. */
static void on_version(void *ctx)
{
	struct run *r = ctx;
	struct sbuf topo = SBUF_INIT, lsdb = SBUF_INIT;
	const struct topo *t = r->pub != NULL ? mon_topology(&r->m) : NULL;

	if (t != NULL) {
		topo_json(t, r->m.version, &topo);
		lsdbdoc_write(r->m.db, r->m.version, r->m.now_ms, &lsdb);
		mon_charge(&r->m, topo.len + lsdb.len);     /* O(n) a version */
		if (sbuf_ok(&topo) && sbuf_ok(&lsdb))
			pub_publish(r->pub, r->m.version, r->m.now_ms, sbuf_str(&topo), sbuf_str(&lsdb),
			            (const char *const *)r->m.pending, r->m.npending);
		else
			log_warnx("out of memory: version %llu not published",
			          (unsigned long long)r->m.version);
		sbuf_free(&topo);
		sbuf_free(&lsdb);
	}
	mon_take_events(&r->m);
}

/*
 * Open the events file for appending, creating it 0640.  ospfmon may run as
 * root, so a symlink in its place is refused (O_NOFOLLOW) rather than
 * followed to whatever it points at.  Also after SIGHUP (events_reopen),
 * as the user it then runs as.
 * Logs why and returns NULL on failure.
 */
static FILE *events_open(const char *path)
{
	FILE *fp;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);

	if (fd < 0) {
		if (errno == ELOOP)
			log_warnx("%s: the events file is a symbolic link; refusing to follow it", path);
		else
			log_warn("%s: cannot open the events file", path);
		return NULL;
	}
	if ((fp = fdopen(fd, "a")) == NULL) {
		log_warn("%s", path);
		close(fd);
	}
	return fp;
}

/* After SIGHUP: a new events file of the same name (logrotate renamed the
 * old one); if it cannot be opened, the old one is written on. */
static void events_reopen(struct run *r)
{
	FILE *fp;

	if (r->events_fp == NULL)
		return;
	if ((fp = events_open(r->s->events_file)) == NULL) {
		log_warnx("%s: writing on to the events file held open", r->s->events_file);
		return;
	}
	fclose(r->events_fp);
	r->events_fp = fp;
}

static void log_pub_stats(const struct run *r)
{
	struct pub_stats st;

	if (r->pub == NULL)
		return;
	pub_stats(r->pub, &st);
	log_info("publish published=%llu redis-errors=%llu reconnects=%llu events-sent=%llu "
	         "events-dropped=%llu file-writes=%llu file-errors=%llu redis=%s",
	         (unsigned long long)st.published, (unsigned long long)st.redis_errors,
	         (unsigned long long)st.reconnects, (unsigned long long)st.events_sent,
	         (unsigned long long)st.events_dropped, (unsigned long long)st.file_writes,
	         (unsigned long long)st.file_errors, st.redis_up ? "up" : "down");
}

static void save_snapshot(struct run *r, uint64_t now_ms)
{
	char err[512];
	long n;

	if (r->s->snapshot == NULL)
		return;
	if ((n = snapshot_save(r->m.db, r->s->snapshot, now_ms, err, sizeof(err))) < 0)
		log_warnx("%s: cannot save the snapshot: %s", r->s->snapshot, err);
	else
		log_info("%s: %ld LSAs saved", r->s->snapshot, n);
}

#define REOPEN_MS 5000

static void listener_open(struct run *r, struct listener *li, const struct capture_ops *ops,
                          uint64_t now)
{
	struct cap_conf cc = { 0 };
	char err[512];

	cc.interface = li->name;
	cc.filter = "ip proto 89 or ip6 proto 89";   /* OSPFv2, OSPFv3 */
	cc.promisc = true;
	cc.snaplen = 65535;
	cc.timeout_ms = 100;
	cc.buffer_bytes = r->s->buffer_bytes;
	if ((li->cap = ops->open(&cc, err, sizeof(err))) == NULL) {
		if (!li->warned)
			log_warnx("%s; will try again every %d s", err, REOPEN_MS / 1000);
		li->warned = true;
		li->retry_ms = now + REOPEN_MS;
		return;
	}
	log_info("listening on %s (%s, receive only)", li->name, ops->name);
	li->warned = false;
}

static void listener_close(struct run *r, struct listener *li, const struct capture_ops *ops)
{
	struct cap_stats cs;

	(void)r;
	ops->stats(li->cap, &cs);
	if (cs.valid)
		log_info("%s: capture received=%llu dropped=%llu", li->name,
		         (unsigned long long)cs.received, (unsigned long long)cs.dropped);
	ops->close(li->cap);
	li->cap = NULL;
}

/* Open every interface (before privileges are dropped).  Returns -1 when
 * the only interface cannot be opened (said why): nothing to listen to. */
static int listeners_open(struct run *r)
{
	unsigned n = r->s->ninterfaces, up = 0;

	r->ops = r->s->raw_socket ? &ospf_rawsock_ops : &pcap_capture_ops;
	for (unsigned i = 0; i < n; i++) {
		r->li[i].name = r->s->interfaces[i];
		listener_open(r, &r->li[i], r->ops, wall_ms());
		up += r->li[i].cap != NULL;
	}
	return up == 0 && n == 1 ? -1 : 0;
}

/* Read what every open interface holds; one that fails is closed, counted
 * and retried in REOPEN_MS. */
static void listeners_read(struct run *r)
{
	const struct capture_ops *ops = r->ops;
	char err[512];

	for (unsigned i = 0; i < r->s->ninterfaces; i++) {
		struct listener *li = &r->li[i];
		if (li->cap == NULL)
			continue;
		r->m.dlt = ops->datalink(li->cap);
		if (ops->dispatch(li->cap, -1, mon_frame, &r->m, err, sizeof(err)) == CAP_ERROR) {
			log_warnx("%s: %s; will try again every %d s", li->name, err, REOPEN_MS / 1000);
			r->failures++;
			listener_close(r, li, ops);
			li->warned = true;
			li->retry_ms = wall_ms() + REOPEN_MS;
		}
	}
}

/* What the loop does each turn besides reading: interfaces due are
 * re-opened, the monitor and publisher ticked, SIGUSR1 and SIGHUP
 * answered, the snapshot saved when due. */
static void live_tick(struct run *r, uint64_t now)
{
	for (unsigned i = 0; i < r->s->ninterfaces; i++)
		if (r->li[i].cap == NULL && now >= r->li[i].retry_ms)
			listener_open(r, &r->li[i], r->ops, now);
	mon_tick(&r->m, now, false);
	if (r->pub != NULL)
		pub_tick(r->pub, now);
	log_reopen_due();
	if (daemon_hup_due(&r->hup_seen))
		events_reopen(r);
	if (sig_stats) {
		sig_stats = 0;
		mon_log_stats(&r->m);
		log_pub_stats(r);
		if (r->failures > 0)
			log_info("interface failures=%llu", (unsigned long long)r->failures);
		save_snapshot(r, now);
	}
	if (now >= r->next_snapshot_ms) {
		save_snapshot(r, now);
		r->next_snapshot_ms = now + r->s->snapshot_ms;
	}
}

/* Listen on every interface until SIGTERM/SIGINT.  An interface that fails
 * (or vanishes) is reported, counted and reopened every few seconds; the
 * others, and the database, carry on.  Exit status: 1 after a failure. */
static int listen_live(struct run *r)
{
	unsigned n = r->s->ninterfaces;

	r->next_snapshot_ms = wall_ms() + r->s->snapshot_ms;
	while (!sig_stop) {
		struct pollfd pfd[MON_MAX_IFACES];

		for (unsigned i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ r->li[i].cap != NULL ? r->ops->fd(r->li[i].cap) : -1,
			                          POLLIN, 0 };
		if (poll(pfd, n, 100) < 0 && errno != EINTR)
			fatal("poll");
		listeners_read(r);
		live_tick(r, wall_ms());
	}
	for (unsigned i = 0; i < n; i++)
		if (r->li[i].cap != NULL)
			listener_close(r, &r->li[i], r->ops);
	mon_tick(&r->m, wall_ms(), true);
	save_snapshot(r, wall_ms());
	return r->failures > 0 ? 1 : 0;
}

static int replay(struct run *r)
{
	struct cap_conf cc = { 0 };
	int rc = 0;

	for (unsigned i = 0; i < r->s->nfiles; i++) {
		const struct capture_ops *ops;
		struct capture *cap;
		enum cap_result res;
		char err[512];

		cc.file = r->s->files[i];
		ops = pcapfile_usable(cc.file) ? &pcapfile_capture_ops : &pcap_capture_ops;
		if ((cap = ops->open(&cc, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			rc = 1;
			continue;
		}
		r->m.dlt = ops->datalink(cap);
		while ((res = ops->dispatch(cap, 4096, mon_frame, &r->m, err, sizeof(err))) == CAP_OK)
			;
		if (res == CAP_ERROR) {
			log_warnx("%s: %s", cc.file, err);
			rc = 1;
		}
		ops->close(cap);
	}
	mon_tick(&r->m, r->m.now_ms, true);
	return rc;
}

/*
 * After a replay with Redis: what could not be delivered (events still
 * queued or dropped, the last topology and database documents) is counted
 * in one line and makes the exit status 1.  0 when all was delivered.
 */
static int replay_undelivered(const struct run *r)
{
	struct pub_stats st;
	unsigned docs;

	if (r->pub == NULL)
		return 0;
	pub_stats(r->pub, &st);
	docs = st.snapshot_pending ? 2 : 0;
	if (st.events_queued + st.events_dropped == 0 && docs == 0)
		return 0;
	log_warnx("replay not delivered to Redis: %llu events and %u documents unsent",
	          (unsigned long long)(st.events_queued + st.events_dropped), docs);
	return 1;
}

/* The monitor: what the listeners feed.  Exits on failure. */
static void run_open(struct run *r, const struct mon_settings *s)
{
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->events_stdout = s->dump == DUMP_EVENTS;
	if (!mon_init(&r->m, &s->mon))
		fatalx("out of memory");
	r->m.on_event = on_event;
	r->m.on_version = on_version;
	r->m.cb_ctx = r;
}

/* The events file, the publisher and the snapshot, opened once privileges
 * are dropped: they are the service user's files, as when SIGHUP reopens
 * them (a unit's root has no CAP_DAC_OVERRIDE to reach them anyway).
 * Exits on failure. */
static void run_files(struct run *r, const struct mon_settings *s)
{
	if (s->events_file != NULL && (r->events_fp = events_open(s->events_file)) == NULL)
		exit(1);
	if ((s->pub.redis_host != NULL || s->pub.redis_unix != NULL || s->pub.json_file != NULL ||
	     s->pub.lsdb_file != NULL) &&
	    (r->pub = pub_new(&s->pub)) == NULL)
		fatalx("out of memory");
	if (s->snapshot != NULL && access(s->snapshot, F_OK) != 0 && errno == ENOENT &&
	    (s->ninterfaces > 0 || s->nfiles > 0)) {
		log_info("%s: no snapshot yet, starting empty", s->snapshot);
		r->m.now_ms = s->ninterfaces > 0 ? wall_ms() : 0;
		mon_baseline(&r->m);
	} else if (s->snapshot != NULL) {
		/* Live (or a query of a live daemon's snapshot): aged to now; a
		 * replay continues from the snapshot's own time. */
		char err[512];
		uint64_t now = s->nfiles > 0 ? 0 : wall_ms();
		long n = snapshot_load(r->m.db, s->snapshot, &now, err, sizeof(err));

		if (n < 0)
			fatalx("%s", err);
		if (err[0] != 0)
			log_warnx("%s", err);
		log_info("%s: %ld LSAs loaded", s->snapshot, n);
		r->m.now_ms = now;
		mon_baseline(&r->m);
	}
}

/* What --dump asks for, the last statistics, and everything closed.
 * Returns 1 if the routes could not be computed. */
static int run_close(struct run *r)
{
	int rc = 0;

	if (r->s->dump == DUMP_LSDB) {
		dump_lsdb(r->m.db, r->m.now_ms, r->s->json);
	} else if (r->s->dump == DUMP_TOPOLOGY) {
		const struct topo *t;
		if (r->m.version == 0)
			mon_baseline(&r->m);
		if ((t = mon_topology(&r->m)) != NULL)
			dump_topology(t, r->m.version, r->s->json);
	} else if (r->s->dump == DUMP_ROUTES && dump_routes(r->m.db, r->s->root, r->s->json) != 0) {
		rc = 1;
	} else if (r->s->dump == DUMP_ROUTES6 &&
	           dump_routes6(r->m.db, r->s->root, r->s->json) != 0) {
		rc = 1;
	}
	mon_log_stats(&r->m);
	log_pub_stats(r);
	pub_free(r->pub);
	if (r->events_fp != NULL)
		fclose(r->events_fp);
	mon_free(&r->m);
	return rc;
}

int main(int argc, char **argv)
{
	static struct mon_settings s;
	static struct run r;
	char err[512];
	int rc;

	if ((rc = mon_settings_load(&s, argc, argv)) >= 0) {
		mon_settings_free(&s);
		return rc;
	}
	rc = 0;                     /* a query of a snapshot runs nothing */
	log_init("anemone-ospfmon", s.syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR, s.verbose);
	run_open(&r, &s);
	if (s.ninterfaces > 0) {
		daemon_signals();       /* a replay stops at its end (or dies by a signal) */
		if (listeners_open(&r) < 0)
			return 1;       /* nothing to listen to: said why */
	}
	/* live: CAP_NET_RAW stays, to re-open an interface that went away */
	daemon_drop_privileges(s.user, s.ninterfaces > 0 ? DAEMON_KEEP_NET_RAW : 0);
	if (s.log_file != NULL && log_to_file(s.log_file, &sig_hup, err, sizeof(err)) < 0)
		fatalx("%s", err);
	run_files(&r, &s);
	if (s.ninterfaces > 0) {
		rc = listen_live(&r);
	} else if (s.nfiles > 0) {
		rc = replay(&r);
		save_snapshot(&r, r.m.now_ms);
		rc |= replay_undelivered(&r);
	}
	rc |= run_close(&r);
	mon_settings_free(&s);
	return rc;
}
