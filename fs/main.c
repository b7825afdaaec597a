/* SPDX-License-Identifier: Apache-2.0 */
/* zunfs: container management as a FUSE filesystem. Start-up and shut-down. */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "client/attach.h"
#include "daemon.h"
#include "fuse/ops.h"
#include "jobs.h"
#include "lifecycle.h"
#include "objects/kind_ops.h"
#include "logs.h"
#include "reconcile.h"
#include "fuse/shutdown.h"
#include "tempfiles.h"
#include "watcher.h"

/* Worker threads for engine work: jobs on one object run one at a time, so
 * this is how many objects move at once (a container waiting for its
 * sandbox to come up holds one). */
#define N_WORKERS 8
/* FUSE threads: no request holds one while it waits (fs/fuse/waits.c and
 * room.c), so these serve only work that is done at once. */
#define DEFAULT_MAX_THREADS 32
#define EVENTLOG_LINES 4096

static int make_dirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Where the database lives: STATE_DIR/zunfs.db, made absolute (daemonizing chdirs to /). */
static int state_db_path(const char *state_dir, char *buf, size_t size)
{
	char real[PATH_MAX];
	int r = make_dirs(state_dir);

	if (r < 0)
		return r;
	if (!realpath(state_dir, real))
		return -errno;
	if ((size_t)snprintf(buf, size, "%s/zunfs.db", real) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * One zunfs per state directory: two would both reconcile, relaunch and
 * remove the same engine objects. STATE/lock holds an flock for as long as
 * the daemon lives (the fork keeps it) and its pid, for the message.
 * Returns the fd (kept open), -EBUSY when another holds it, or -errno.
 */
static int state_lock(const char *db_path, pid_t *ret_holder)
{
	char path[PATH_MAX], pid[32] = "";
	int fd;

	snprintf(path, sizeof(path), "%.*s/lock", (int)(strrchr(db_path, '/') - db_path), db_path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno == EWOULDBLOCK ? EBUSY : errno;

		if (read(fd, pid, sizeof(pid) - 1) > 0)
			*ret_holder = (pid_t)atoi(pid);
		close(fd);
		return -e;
	}
	return fd;
}

/* The lock file says who holds it (after the fork: the daemon's pid). */
static void state_lock_note(int fd)
{
	if (fd >= 0 && ftruncate(fd, 0) == 0)
		dprintf(fd, "%d\n", (int)getpid());
}

/* A damaged store: what zunfs did not do, and what the admin can. */
static void say_damaged(const char *db_path, const struct zf_store_report *rep)
{
	int dir_len = (int)(strrchr(db_path, '/') - db_path);
	const char *id = rep->instance[0] ? rep->instance : "ID";

	fprintf(stderr,
		"zunfs: the state database %s is damaged: %s\n"
		"zunfs: not started; the file was left as it is. To start with a new, empty\n"
		"  state, move it aside with its -wal and -shm files, and mount again:\n"
		"      mkdir %.*s/damaged && mv %s* %.*s/damaged/\n"
		"  The old state's containers and volumes stay in the engine as they are,\n"
		"  labelled zunfs.instance=%s; the new state does not manage them:\n"
		"      docker ps -a --filter label=zunfs.instance=%s      (docker rm -f them)\n"
		"      docker volume ls --filter label=zunfs.instance=%s  (their data stays)\n"
		"  Or put back a copy of the store from a backup: zunfs takes them back\n"
		"  (zunfs(1), STATE).\n",
		db_path, rep->why, dir_len, db_path, db_path, dir_len, db_path, id, id, id);
	if (!rep->instance[0])
		fprintf(stderr, "zunfs: its instance id cannot be read (ID above): "
				"docker ps -a --filter label=zunfs.instance lists every zunfs's "
				"containers\n");
	syslog(LOG_ERR, "zunfs: the state database %s is damaged: %s; not started", db_path,
	       rep->why);
}

/*
 * The store, before anything is mounted: checked read-only (a damaged one
 * is refused and left as it is), made if absent, opened and brought to this
 * schema, closed again (the daemon opens it after the fork). 0 or -errno,
 * said on stderr.
 */
static int probe_store(const char *db_path)
{
	struct zf_store_report rep = { .why = "" };
	struct zf_store *s = NULL;
	int r;

	r = zf_store_open(db_path, &s);
	if (r == -ENOENT) {
		r = zf_store_create(db_path);
		if (r == 0)
			r = zf_store_open(db_path, &s);
	}
	zf_store_close(s);
	if (r == -EUCLEAN) {
		/* once more for the words (the open says only that it refused) */
		if (zf_store_check(db_path, &rep) == 0 || !rep.why[0])
			snprintf(rep.why, sizeof(rep.why),
				 "SQLite found it corrupt while opening it");
		say_damaged(db_path, &rep);
	} else if (r < 0) {
		fprintf(stderr, "zunfs: cannot open the state database %s: %s\n", db_path,
			r == -EPROTO ? "written by a newer zunfs" : strerror(-r));
	}
	return r;
}

/* Everything that needs threads or the database opened for good: after the fork. */
static int daemon_start(struct zf_daemon *d, const char *db_path)
{
	char logs_dir[PATH_MAX];
	int r;

	/* STATE/logs/, beside STATE/zunfs.db */
	snprintf(logs_dir, sizeof(logs_dir), "%.*s/logs", (int)(strrchr(db_path, '/') - db_path),
		 db_path);

	if ((r = zf_store_open(db_path, &d->store)) < 0 ||
	    (r = zf_eventlog_new(EVENTLOG_LINES, &d->events)) < 0 ||
	    (r = zf_registry_new(d->store, d->events, &d->reg)) < 0 ||
	    (r = zf_registry_load(d->reg, zf_kinds_load_locked)) < 0 || (r = zf_tempfiles_new(&d->temps)) < 0 ||
	    (r = zf_logs_new(d, logs_dir, &d->logs)) < 0 ||
	    (r = zf_jobs_new(zf_lifecycle_work, d, &d->stopping, N_WORKERS, &d->jobs)) < 0)
		return r;
	r = zf_reconcile(d);
	if (r < 0)
		syslog(LOG_WARNING, "zunfs: reconcile with the engine failed (%s); the event "
				    "watcher will resync when it connects", strerror(-r));
	return zf_watcher_start(d, &d->watcher);
}

/* Before FUSE goes: nothing may change objects (and wake pollers) after. */
/* How long the end waits for engine work in flight (a stop's grace period,
 * a pull) before it leaves that work to the engine and reconcile. */
#define JOBS_DRAIN_MS 2000

/* Returns -EBUSY when engine work is still in flight (the jobs are kept). */
static int daemon_stop_threads(struct zf_daemon *d)
{
	int r;

	atomic_store(&d->stopping, true);
	/* the watcher queues jobs: stop it first */
	zf_watcher_stop(d->watcher);
	d->watcher = NULL;
	r = zf_jobs_free(d->jobs, JOBS_DRAIN_MS);
	if (r < 0)
		return r;
	d->jobs = NULL;
	zf_logs_free(d->logs);
	d->logs = NULL;
	return 0;
}

/* After fuse_destroy(), whose destroy callback still reads the registry. */
static void daemon_free(struct zf_daemon *d)
{
	zf_tempfiles_free(d->temps);
	zf_registry_free(d->reg);
	zf_eventlog_free(d->events);
	zf_store_close(d->store);
	zf_volume_drivers_close(&d->volume_drivers); /* before the engine they use */
	zf_engine_free(d->engine);
	free(d->engine_version);
}

/*
 * Whether our mount on mountpoint (the last one there in
 * /proc/self/mountinfo) has both nosuid and nodev: a mount that honoured a
 * set-user-ID bit or a device node in a volume's data/ would hand a user's
 * container's root to the host. 1 yes, 0 no, -errno when it cannot tell.
 */
static int mount_is_nosuid_nodev(const char *mountpoint)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, opts[1024] = "";
	size_t cap = 0;
	bool found = false;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char mp[PATH_MAX], o[1024];

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ..." (proc(5)); a
		 * mountpoint with a space is escaped there, and not ours to match */
		if (sscanf(line, "%*d %*d %*s %*s %4095s %1023s", mp, o) != 2 ||
		    strcmp(mp, mountpoint) != 0)
			continue;
		snprintf(opts, sizeof(opts), ",%s,", o);
		found = true;
	}
	free(line);
	fclose(f);
	if (!found)
		return -ENOENT;
	return strstr(opts, ",nosuid,") && strstr(opts, ",nodev,");
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd = { 0 };
	struct fuse_loop_config *loop_cfg = NULL;
	struct zf_daemon d = { 0 };
	struct zf_err err = { { 0 } };
	struct fuse_session *se = NULL;
	struct zf_shutdown *shutdown = NULL;
	char db_path[PATH_MAX];
	int r, ret = 1, lock_fd = -1;
	pid_t holder = 0;
	bool mounted = false;

	if (argc >= 2 && strcmp(argv[1], "attach") == 0) {
		fuse_opt_free_args(&args);
		return zf_attach_main(argc - 1, argv + 1);
	}
	if (zf_options_parse(&args, &d.opts) < 0)
		goto out;
	if (d.opts.show_version) {
		printf("zunfs %s\nFUSE library %s\n", ZF_VERSION, fuse_pkgversion());
		ret = 0;
		goto out;
	}
	if (d.opts.show_help) {
		zf_options_usage(argv[0]);
		ret = 0;
		goto out;
	}
	if (fuse_parse_cmdline(&args, &cmd) != 0)
		goto out;
	if (!cmd.mountpoint) {
		fprintf(stderr, "zunfs: no mountpoint given (zunfs --help tells more)\n");
		ret = 2;
		goto out;
	}
	/*
	 * No umask of our own: what is made in a volume's data/ gets the mode
	 * the caller's own umask leaves (volume_data.c), and a daemon's 022
	 * would mask it again (umask 000; touch f: 0644). Our own files all
	 * give their modes.
	 */
	umask(0);
	r = state_db_path(d.opts.state_dir, db_path, sizeof(db_path));
	if (r < 0) {
		fprintf(stderr, "zunfs: state=%s: %s\n", d.opts.state_dir, strerror(-r));
		goto out;
	}
	lock_fd = state_lock(db_path, &holder);
	if (lock_fd < 0) {
		if (lock_fd == -EBUSY)
			fprintf(stderr,
				"zunfs: state=%s is in use by another zunfs (pid %d): one zunfs "
				"per state directory\n",
				d.opts.state_dir, (int)holder);
		else
			fprintf(stderr, "zunfs: state=%s: cannot lock: %s\n", d.opts.state_dir,
				strerror(-lock_fd));
		goto out;
	}
	/* the store once here, before mounting, where errors can still be printed */
	r = probe_store(db_path);
	if (r < 0) {
		ret = r == -EUCLEAN ? EX_DATAERR : 1;
		goto out;
	}
	{
		const struct zf_endpoint *ep = &d.opts.endpoint;
		struct zf_engine_tls tls = { ep->ca, ep->cert, ep->key };

		r = zf_docker_engine_new_tls(ep->url, ep->tls ? &tls : NULL, &d.engine, &err);
		if (r < 0) {
			fprintf(stderr, "zunfs: docker=%s: %s\n", d.opts.docker, err.msg);
			goto out;
		}
		r = zf_volume_drivers_open(&d.volume_drivers, d.engine, &d.opts, &err);
		if (r < 0) {
			fprintf(stderr, "zunfs: %s\n", err.msg);
			goto out;
		}
		r = d.engine->ops->version(d.engine, &d.engine_version, &err);
		/* refused, unreachable, silent: not a matter of certificates */
		if (r < 0 && ep->tls && r != -ECONNREFUSED && r != -EHOSTUNREACH &&
		    r != -ETIMEDOUT) {
			fprintf(stderr,
				"zunfs: cannot reach the Docker Engine at %s over TLS: %s\n"
				"       tlscacert= must be the CA that signed the engine's certificate "
				"(using: %s),\n"
				"       a certificate that names the host of %s; tlscert= and tlskey= "
				"a client\n"
				"       certificate the engine's --tlscacert signed (using: %s)\n",
				ep->url, err.msg, ep->ca ? ep->ca : "none, so the system's CAs",
				ep->url, ep->cert ? ep->cert : "none");
			goto out;
		}
		if (r < 0) {
			fprintf(stderr,
				"zunfs: cannot reach the Docker Engine at %s: %s\n"
				"       %s\n",
				ep->url, err.msg,
				strncmp(ep->url, "tcp://", 6) != 0
					? "start dockerd, or give its socket with -o docker=unix:///PATH"
				: ep->tls ? "start dockerd, or check the URL"
					  : "start dockerd, or check the URL; an engine with --tlsverify "
					    "needs -o tlscacert=,tlscert=,tlskey=");
			goto out;
		}
	}
	d.started_at = time(NULL);
	d.mount_uid = getuid();
	d.mount_gid = getgid();

	/* Always nosuid and nodev, however zunfs was started: mount.fuse3 (mount
	 * -t, fstab) passes "dev,suid" as root, and the last word wins. */
	if (fuse_opt_add_arg(&args, "-onosuid,nodev") != 0)
		goto out;
	se = fuse_session_new(&args, &zf_fuse_ll_ops, sizeof(zf_fuse_ll_ops), &d);
	if (!se)
		goto out;
	if (fuse_session_mount(se, cmd.mountpoint) != 0)
		goto out;
	mounted = true;
	{
		char real[PATH_MAX];
		int safe = realpath(cmd.mountpoint, real)
				   ? mount_is_nosuid_nodev(real)
				   : -errno;

		if (safe != 1) {
			fprintf(stderr,
				"zunfs: the mount on %s is not nosuid,nodev (%s): not serving it\n"
				"       (a set-user-ID file or a device node in a volume would act on "
				"the host)\n",
				cmd.mountpoint, safe < 0 ? strerror(-safe) : "the kernel kept suid or dev");
			goto out;
		}
	}
	if (fuse_daemonize(cmd.foreground) != 0)
		goto out;
	state_lock_note(lock_fd);
	if (zf_shutdown_signals() < 0)
		goto out;
	r = daemon_start(&d, db_path);
	if (r >= 0)
		r = zf_fuse_start(&d, se);
	if (r >= 0)
		r = zf_shutdown_watch(&d, se, cmd.mountpoint, pthread_self(), &shutdown);
	if (r < 0) {
		fprintf(stderr, "zunfs: cannot start: %s\n", strerror(-r));
		syslog(LOG_ERR, "zunfs: cannot start: %s", strerror(-r));
		goto signals;
	}
	if (cmd.singlethread) {
		r = fuse_session_loop(se);
	} else {
		loop_cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(loop_cfg, cmd.clone_fd);
		/* UINT_MAX means "not given"; libfuse 3.14 would complain about it */
		if (cmd.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(loop_cfg, cmd.max_idle_threads);
		fuse_loop_cfg_set_max_threads(loop_cfg,
					      cmd.max_threads > 1 && cmd.max_threads <= 100000
						      ? cmd.max_threads
						      : DEFAULT_MAX_THREADS);
		r = fuse_session_loop_mt(se, loop_cfg);
	}
	ret = r == 0 ? 0 : 1;
	zf_shutdown_loop_ended(shutdown);
signals:
	if (zf_shutdown_keep_mount(shutdown))
		mounted = false;
	zf_shutdown_free(shutdown);
out:
	zf_fuse_quiesce();
	if (zf_fuse_stop(JOBS_DRAIN_MS) < 0 || daemon_stop_threads(&d) < 0) {
		/* a worker still waits on the engine (say a 60 s stop): the engine
		 * finishes it alone, and the next start reconciles, as after a
		 * crash; the store's transactions are whole */
		syslog(LOG_NOTICE, "zunfs: engine work still in flight; leaving it to the engine");
		if (mounted)
			fuse_session_unmount(se);
		_exit(ret);
	}
	if (mounted)
		fuse_session_unmount(se);
	if (se)
		fuse_session_destroy(se);
	daemon_free(&d);
	fuse_loop_cfg_destroy(loop_cfg);
	free(cmd.mountpoint);
	fuse_opt_free_args(&args);
	zf_options_clear(&d.opts);
	if (lock_fd >= 0)
		close(lock_fd);
	return ret;
}
