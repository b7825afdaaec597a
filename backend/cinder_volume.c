/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cinder volume driver: volumes of an OpenStack Cinder (v3 API, over
 * http.c), connected to this host and mounted under zunfs's state
 * directory (STATE/cinder/ID), which containers get as a bind.
 *
 * API: the legacy volume actions (os-reserve, os-initialize_connection,
 * os-attach, os-begin_detaching, os-terminate_connection, os-detach), the
 * Zun spec's own order, in every Cinder since v2 and with no microversion.
 * Not the attachments API (3.44+): since OSSA-2023-003 Cinder refuses to
 * delete an attachment holding connection_info unless the caller has a
 * service token, which a user's token is not. The attachment is made with
 * host_name (zunfs-HOSTNAME), not an instance: that is how zunfs knows an
 * in-use volume is its own.
 *
 * Sizes: Cinder counts whole GiB; a request is rounded up (0: 1 GiB).
 * A volume made here carries the owner's labels as Cinder metadata (list
 * finds them by zunfs.instance); an adopted one (volumeID) is never
 * labelled nor deleted: its id is "adopted:ID" and remove only forgets it.
 *
 * On this host: an nfs volume (a file on the share Cinder reports) is
 * looped (LOOP_CONFIGURE, autoclear: the loop goes with the last unmount),
 * a local one is its device; iSCSI logins are not made (-EOPNOTSUPP). The
 * device gets mkfs.ext4 only when blkid finds no filesystem on it. Crash
 * marks under STATE/cinder: ID.attaching while an attach runs, ID.conn
 * (the connection reply) while connected, so a later attach or detach
 * finishes or undoes what a crash cut short.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/loop.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blockdev.h"
#include "cinder_conn.h"
#include "cinder_steps.h"
#include "http.h"
#include "volume_driver.h"

#define CALL_TIMEOUT_S 60 /* a request's default */
#define CREATE_WAIT_S 300 /* creating -> available */
#define DELETE_WAIT_S 120 /* deleting -> gone */
#define ADOPTED "adopted:"
#define GIB (1024LL * 1024 * 1024)

struct cinder {
	struct zf_volume_driver base;
	struct zf_http *http;
	char prefix[512]; /* the URL's path: /v3/PROJECT */
	char url[1024]; /* as given, for messages */
	char dir[2048]; /* STATE/cinder: mounts and crash marks */
	char host_name[300]; /* zunfs-HOSTNAME: our attachments */
	char connector[1024]; /* this host's connector, JSON */
	long timeout_s; /* one request's */
	pthread_mutex_t lock; /* one attach or detach at a time */
};

static struct cinder *to_cinder(struct zf_volume_driver *drv)
{
	return (struct cinder *)drv;
}

/* The Cinder volume id of a driver id. */
static const char *vol_of(const char *id)
{
	return strncmp(id, ADOPTED, strlen(ADOPTED)) == 0 ? id + strlen(ADOPTED) : id;
}

static bool valid_id(const char *v)
{
	return v[0] && strlen(v) < 64 && strspn(v, "0123456789abcdefABCDEF-") == strlen(v);
}

/* Cinder's words in an error body: {"badRequest": {"code", "message"}}. */
static void cinder_words(const char *body, char *out, size_t size)
{
	json_t *root = json_loads(body ? body : "", 0, NULL), *v;
	const char *key;

	out[0] = '\0';
	if (json_is_object(root))
		json_object_foreach(root, key, v)
		{
			const char *m = json_string_value(json_object_get(v, "message"));

			if (m) {
				snprintf(out, size, "%s", m);
				break;
			}
		}
	json_decref(root);
	if (!out[0] && body)
		snprintf(out, size, "%.200s", body);
}

/* METHOD PREFIX/path; a 2xx reply in *ret_reply (may be NULL), else -errno and Cinder's words. */
static int call(struct cinder *c, const char *method, const char *path, const char *body,
		struct zf_http_reply *ret_reply, struct zf_err *err)
{
	struct zf_http_reply reply = { 0 };
	char full[1024], words[512];
	int r;

	snprintf(full, sizeof(full), "%s%s", c->prefix, path);
	r = zf_http_request(c->http, method, full, body, c->timeout_s, &reply, err);
	if (r < 0)
		return r;
	r = zf_http_status_errno(reply.status);
	if (reply.status == 413)
		r = -EDQUOT; /* Cinder: overLimit, a quota */
	if (r < 0) {
		cinder_words(reply.body, words, sizeof(words));
		zf_err_set(err, -r, "Cinder: %s %s: %ld %s", method, path, reply.status, words);
		zf_http_reply_clear(&reply);
		return r;
	}
	if (ret_reply)
		*ret_reply = reply;
	else
		zf_http_reply_clear(&reply);
	return 0;
}

/* GET /volumes/ID as its JSON object (the caller's). */
static int get_volume(struct cinder *c, const char *vol, json_t **ret, struct zf_err *err)
{
	struct zf_http_reply reply;
	char path[128];
	json_t *root, *v;
	int r;

	snprintf(path, sizeof(path), "/volumes/%s", vol);
	if ((r = call(c, "GET", path, NULL, &reply, err)) < 0)
		return r;
	root = json_loads(reply.body, 0, NULL);
	zf_http_reply_clear(&reply);
	v = json_object_get(root, "volume");
	if (!json_is_object(v)) {
		json_decref(root);
		return zf_err_set(err, EIO, "Cinder: GET %s: no volume in the reply", path);
	}
	json_incref(v);
	json_decref(root);
	*ret = v;
	return 0;
}

static const char *status_of(json_t *v)
{
	const char *s = json_string_value(json_object_get(v, "status"));

	return s ? s : "";
}

/* Our attachment's id (host_name ours), or NULL. */
static const char *our_attachment(struct cinder *c, json_t *v)
{
	size_t i;
	json_t *a;

	json_array_foreach(json_object_get(v, "attachments"), i, a)
	{
		const char *h = json_string_value(json_object_get(a, "host_name"));

		if (h && strcmp(h, c->host_name) == 0)
			return json_string_value(json_object_get(a, "attachment_id"));
	}
	return NULL;
}

/* Who holds it, for an EBUSY. */
static const char *holder(json_t *v)
{
	json_t *a = json_array_get(json_object_get(v, "attachments"), 0);
	const char *h = json_string_value(json_object_get(a, "host_name"));

	if (!h)
		h = json_string_value(json_object_get(a, "server_id"));
	return h ? h : "another client";
}

static int action(struct cinder *c, const char *vol, const char *body,
		  struct zf_http_reply *ret_reply, struct zf_err *err)
{
	char path[128];

	snprintf(path, sizeof(path), "/volumes/%s/action", vol);
	return call(c, "POST", path, body, ret_reply, err);
}

/* ---- the host side: files, loops, mkfs, mounts --------------------------- */

static void mark_path(struct cinder *c, const char *vol, const char *ext, char *out, size_t size)
{
	snprintf(out, size, "%s/%s%s", c->dir, vol, ext);
}

/* ---- one attach or detach: the steps (cinder_steps.h) ----------------- */

struct run_ctx {
	struct cinder *c;
	const char *vol;
	char dir[2100]; /* the mount point */
	struct zf_cinder_conn conn;
	bool have_conn;
	char dev[4096]; /* the connected device */
	int loop_fd; /* FILE: held from connect to mount */
	char fstype[32];
};

static int simple_action(struct run_ctx *x, const char *name, struct zf_err *err)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"%s\": null}", name);
	return action(x->c, x->vol, body, NULL, err);
}

static int s_reserve(void *ctx, struct zf_err *err)
{
	return simple_action(ctx, "os-reserve", err);
}

static int s_unreserve(void *ctx, struct zf_err *err)
{
	return simple_action(ctx, "os-unreserve", err);
}

static int s_begin_detaching(void *ctx, struct zf_err *err)
{
	return simple_action(ctx, "os-begin_detaching", err);
}

static int s_roll_detaching(void *ctx, struct zf_err *err)
{
	return simple_action(ctx, "os-roll_detaching", err);
}

static int s_initialize(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	struct zf_http_reply reply;
	char body[1200], mark[2200];
	int r, fd;

	snprintf(body, sizeof(body), "{\"os-initialize_connection\": {\"connector\": %s}}",
		 x->c->connector);
	if ((r = action(x->c, x->vol, body, &reply, err)) < 0)
		return r;
	r = zf_cinder_conn_parse(reply.body, &x->conn, err);
	if (r == 0) {
		x->have_conn = true;
		/* for a detach after a restart: how it was connected */
		mark_path(x->c, x->vol, ".conn", mark, sizeof(mark));
		fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, reply.body, reply.len) != (ssize_t)reply.len)
			r = zf_err_set(err, errno ? errno : EIO, "%s: %s", mark, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	zf_http_reply_clear(&reply);
	return r;
}

static int s_terminate(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	char body[1200];

	snprintf(body, sizeof(body), "{\"os-terminate_connection\": {\"connector\": %s}}",
		 x->c->connector);
	return action(x->c, x->vol, body, NULL, err);
}

static int s_connect(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	struct stat st;

	switch (x->conn.kind) {
	case ZF_CINDER_CONN_FILE:
		return zf_loop_attach(x->conn.path, x->conn.read_only, x->dev, sizeof(x->dev),
				   &x->loop_fd, err);
	case ZF_CINDER_CONN_BLOCK:
		if (stat(x->conn.path, &st) < 0 || !S_ISBLK(st.st_mode))
			return zf_err_set(err, ENODEV, "Cinder's local device %s is not a block "
					  "device here", x->conn.path);
		snprintf(x->dev, sizeof(x->dev), "%s", x->conn.path);
		return 0;
	case ZF_CINDER_CONN_ISCSI:
		break;
	}
	return zf_err_set(err, EOPNOTSUPP,
			  "Cinder gives an iSCSI target (%s, %s); zunfs does not log in to iSCSI "
			  "targets: use a backend with nfs or local connections",
			  x->conn.target_portal, x->conn.target_iqn);
}

static int s_disconnect(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;

	if (x->loop_fd >= 0) {
		ioctl(x->loop_fd, LOOP_CLR_FD);
		close(x->loop_fd);
		x->loop_fd = -1;
	}
	if (x->have_conn && x->conn.kind == ZF_CINDER_CONN_FILE)
		return zf_loop_release(x->conn.path, err);
	return 0;
}

static int s_attach(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	char body[2600];

	snprintf(body, sizeof(body),
		 "{\"os-attach\": {\"host_name\": \"%s\", \"mountpoint\": \"%s\", \"mode\": \"%s\"}}",
		 x->c->host_name, x->dir, x->conn.read_only ? "ro" : "rw");
	return action(x->c, x->vol, body, NULL, err);
}

static int s_detach(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	const char *aid;
	char body[256];
	json_t *v;
	int r = get_volume(x->c, x->vol, &v, err);

	if (r < 0)
		return r;
	aid = our_attachment(x->c, v);
	if (aid)
		snprintf(body, sizeof(body), "{\"os-detach\": {\"attachment_id\": \"%s\"}}", aid);
	else
		snprintf(body, sizeof(body), "{\"os-detach\": {}}");
	json_decref(v);
	return action(x->c, x->vol, body, NULL, err);
}

static int s_format(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	char out[1024];
	char *blkid[] = { "blkid", "-p", "-o", "value", "-s", "TYPE", x->dev, NULL };
	char *mkfs[] = { "mkfs.ext4", "-q", "-F", x->dev, NULL };
	int r = zf_blockdev_run(blkid, out, sizeof(out));

	if (r == 0 && out[0]) { /* a filesystem: kept, whatever it holds */
		snprintf(x->fstype, sizeof(x->fstype), "%s", out);
		return 0;
	}
	if (r != 2) /* blkid: 2 is "no signature found" */
		return zf_err_set(err, EIO, "blkid %s: %s", x->dev, r < 0 ? strerror(-r) : out);
	if (x->conn.read_only)
		return zf_err_set(err, EROFS, "the volume is blank and read-only: no filesystem");
	r = zf_blockdev_run(mkfs, out, sizeof(out));
	if (r != 0)
		return zf_err_set(err, EIO, "mkfs.ext4 %s: %s", x->dev, r < 0 ? strerror(-r) : out);
	snprintf(x->fstype, sizeof(x->fstype), "ext4");
	return 0;
}

static int s_mount(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	unsigned long flags = MS_NOSUID | MS_NODEV | (x->conn.read_only ? MS_RDONLY : 0);

	if (mkdir(x->dir, 0700) < 0 && errno != EEXIST)
		return zf_err_set(err, errno, "%s: %s", x->dir, strerror(errno));
	if (mount(x->dev, x->dir, x->fstype[0] ? x->fstype : "ext4", flags, NULL) < 0)
		return zf_err_set(err, errno, "mount %s (%s) on %s: %s", x->dev, x->fstype, x->dir,
				  strerror(errno));
	if (x->loop_fd >= 0) { /* the mount holds the loop now (autoclear) */
		close(x->loop_fd);
		x->loop_fd = -1;
	}
	return 0;
}

static int s_umount(void *ctx, struct zf_err *err)
{
	struct run_ctx *x = ctx;
	char dev[4096];

	while (zf_blockdev_mounted(x->dir, dev, sizeof(dev)) == 1) {
		if (!x->dev[0])
			snprintf(x->dev, sizeof(x->dev), "%s", dev);
		if (umount2(x->dir, 0) < 0)
			return zf_err_set(err, errno, "unmounting %s: %s", x->dir, strerror(errno));
	}
	return 0;
}

static const struct zf_cinder_steps real_steps = {
	.reserve = s_reserve,
	.unreserve = s_unreserve,
	.initialize_connection = s_initialize,
	.terminate_connection = s_terminate,
	.connect = s_connect,
	.disconnect = s_disconnect,
	.attach = s_attach,
	.begin_detaching = s_begin_detaching,
	.roll_detaching = s_roll_detaching,
	.detach = s_detach,
	.format = s_format,
	.mount = s_mount,
	.umount = s_umount,
};

static void ctx_init(struct cinder *c, const char *vol, struct run_ctx *x)
{
	char mark[2200], *text = NULL;
	FILE *f;
	long n;

	memset(x, 0, sizeof(*x));
	x->c = c;
	x->vol = vol;
	x->loop_fd = -1;
	snprintf(x->dir, sizeof(x->dir), "%s/%s", c->dir, vol);
	/* how an earlier attach connected it, if one did */
	mark_path(c, vol, ".conn", mark, sizeof(mark));
	f = fopen(mark, "re");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, (size_t)n + 1)) &&
	    fread(text, 1, (size_t)n, f) == (size_t)n)
		x->have_conn = zf_cinder_conn_parse(text, &x->conn, NULL) == 0;
	free(text);
	fclose(f);
}

static void drop_marks(struct cinder *c, const char *vol, bool conn_too)
{
	char mark[2200];

	mark_path(c, vol, ".attaching", mark, sizeof(mark));
	unlink(mark);
	if (conn_too) {
		mark_path(c, vol, ".conn", mark, sizeof(mark));
		unlink(mark);
		mark_path(c, vol, "", mark, sizeof(mark));
		rmdir(mark);
	}
}

/* Whether vol is mounted on its mount point, STATE/cinder/ID. */
static bool mounted_here(struct cinder *c, const char *vol)
{
	char dir[2200], dev[64];

	mark_path(c, vol, "", dir, sizeof(dir));
	return zf_blockdev_mounted(dir, dev, sizeof(dev)) == 1;
}

static bool marked(struct cinder *c, const char *vol, const char *ext)
{
	char mark[2200];

	mark_path(c, vol, ext, mark, sizeof(mark));
	return access(mark, F_OK) == 0;
}

static bool marked_attaching(struct cinder *c, const char *vol)
{
	return marked(c, vol, ".attaching");
}

/*
 * Whether vol's attachment is this zunfs's: our host name, and this state
 * directory has it (mounted, or a mark of its attach). Another zunfs on
 * this host (another mount, its own state directory) attaches under the
 * same host name.
 */
static bool ours(struct cinder *c, json_t *v, const char *vol)
{
	return our_attachment(c, v) &&
	       (marked(c, vol, ".conn") || marked_attaching(c, vol) || mounted_here(c, vol));
}

/* 0 once Cinder has vol back (available) and nothing is mounted here. */
static int undone(struct run_ctx *x, struct zf_err *err)
{
	char dev[64];
	json_t *v;
	int r;

	if (zf_blockdev_mounted(x->dir, dev, sizeof(dev)) != 0)
		return zf_err_set(err, EBUSY, "%s is still mounted", x->dir);
	if ((r = get_volume(x->c, x->vol, &v, err)) < 0)
		return r;
	if (strcmp(status_of(v), "available") != 0)
		r = zf_err_set(err, EBUSY, "Cinder volume %s is still %s", x->vol, status_of(v));
	json_decref(v);
	return r;
}

/*
 * An attach cut short (attaching, ours): its host side and reservation
 * undone. 0 once Cinder has it available again; else the marks stay, for
 * the next attach or detach (a Cinder that went away mid-undo).
 */
static int undo_cut_attach(struct run_ctx *x, struct zf_err *err)
{
	s_umount(x, NULL);
	s_disconnect(x, NULL);
	s_terminate(x, NULL);
	s_unreserve(x, NULL);
	return undone(x, err);
}

/* ---- the ops -------------------------------------------------------------- */

static void failed_words(struct cinder *c, const char *vol, const char *st, char *out,
			 size_t size);

static int cinder_attach_locked(struct cinder *c, const char *vol, struct zf_err *err)
{
	struct run_ctx x;
	const char *st;
	char mark[2200];
	json_t *v;
	int r = get_volume(c, vol, &v, err), fd;

	ctx_init(c, vol, &x);
	if (r < 0) /* Cinder cannot say: one mounted here is kept as it is */
		return r != -ENOENT && mounted_here(c, vol) ? 0 : r;
	st = status_of(v);
	if (strcmp(st, "in-use") == 0) {
		if (!ours(c, v, vol)) {
			r = zf_err_set(err, EBUSY, "Cinder volume %s is in use by %s%s", vol, holder(v),
				       our_attachment(c, v) ? " (another zunfs on this host, with "
							      "its own state directory)"
							    : "");
			goto out;
		}
		if (mounted_here(c, vol))
			goto out; /* attached and mounted: nothing to do */
		/* ours but not mounted here (a restart): out, then in again */
		if ((r = zf_cinder_detach_run(&real_steps, &x, false, err)) < 0)
			goto out;
	} else if (strcmp(st, "detaching") == 0 && ours(c, v, vol)) {
		if ((r = zf_cinder_detach_run(&real_steps, &x, true, err)) < 0)
			goto out;
	} else if ((strcmp(st, "attaching") == 0 || strcmp(st, "reserved") == 0) &&
		   marked_attaching(c, vol)) {
		if ((r = undo_cut_attach(&x, err)) < 0)
			goto out;
	} else if (strncmp(st, "error", 5) == 0) {
		char words[256];

		failed_words(c, vol, st, words, sizeof(words));
		r = zf_err_set(err, EIO, "%s", words);
		goto out;
	} else if (strcmp(st, "available") != 0) {
		r = zf_err_set(err, EBUSY, "Cinder volume %s is %s, not available", vol, st);
		goto out;
	}
	drop_marks(c, vol, true);
	ctx_init(c, vol, &x);
	mark_path(c, vol, ".attaching", mark, sizeof(mark));
	fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = zf_err_set(err, errno, "%s: %s", mark, strerror(errno));
		goto out;
	}
	close(fd);
	r = zf_cinder_attach_run(&real_steps, &x, err);
	if (r == 0)
		drop_marks(c, vol, false); /* .conn stays, for the detach */
	else if (undone(&x, NULL) == 0)
		drop_marks(c, vol, true);
	/* else the rollback did not get through (Cinder went away): the marks
	 * stay, and the next attach or detach finishes it */
out:
	if (x.loop_fd >= 0)
		close(x.loop_fd);
	json_decref(v);
	return r;
}

static int cinder_attach(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	int r;

	if (!valid_id(vol_of(id)))
		return zf_err_set(err, EINVAL, "'%s' is not a Cinder volume id", id);
	pthread_mutex_lock(&c->lock);
	r = cinder_attach_locked(c, vol_of(id), err);
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int cinder_detach_locked(struct cinder *c, const char *vol, struct zf_err *err)
{
	struct run_ctx x;
	const char *st;
	json_t *v = NULL;
	int r = get_volume(c, vol, &v, err);

	ctx_init(c, vol, &x);
	if (r == -ENOENT) { /* gone from Cinder: what is left here */
		s_umount(&x, NULL);
		s_disconnect(&x, NULL);
		drop_marks(c, vol, true);
		return r;
	}
	if (r < 0)
		return r;
	st = status_of(v);
	if (strcmp(st, "in-use") == 0 && ours(c, v, vol))
		r = zf_cinder_detach_run(&real_steps, &x, false, err);
	else if (strcmp(st, "detaching") == 0 && ours(c, v, vol))
		r = zf_cinder_detach_run(&real_steps, &x, true, err);
	else if ((strcmp(st, "attaching") == 0 || strcmp(st, "reserved") == 0) &&
		 marked_attaching(c, vol))
		r = undo_cut_attach(&x, err);
	else if ((r = s_umount(&x, err)) == 0) /* not ours in Cinder: only what is here */
		r = s_disconnect(&x, err);
	if (r == 0)
		drop_marks(c, vol, true);
	json_decref(v);
	return r;
}

static int cinder_detach(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	int r;

	if (!valid_id(vol_of(id)))
		return zf_err_set(err, EINVAL, "'%s' is not a Cinder volume id", id);
	pthread_mutex_lock(&c->lock);
	r = cinder_detach_locked(c, vol_of(id), err);
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int cinder_recover(struct zf_volume_driver *drv, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	struct dirent *e;
	int r = 0, rr;
	DIR *dir = opendir(c->dir);

	if (!dir)
		return errno == ENOENT ? 0 : zf_err_set(err, errno, "%s: %s", c->dir, strerror(errno));
	while ((e = readdir(dir))) {
		static const char mark[] = ".attaching";
		size_t len = strlen(e->d_name), n = len - (sizeof(mark) - 1);
		char vol[64];

		if (len < sizeof(mark) || n >= sizeof(vol) || strcmp(e->d_name + n, mark) != 0)
			continue;
		snprintf(vol, sizeof(vol), "%.*s", (int)n, e->d_name);
		if (!valid_id(vol))
			continue;
		pthread_mutex_lock(&c->lock);
		rr = cinder_detach_locked(c, vol, r == 0 ? err : NULL);
		pthread_mutex_unlock(&c->lock);
		if (rr < 0 && rr != -ENOENT && r == 0)
			r = rr;
	}
	closedir(dir);
	return r;
}

static int cinder_disown(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	char path[160];
	int r;

	if (strncmp(id, ADOPTED, strlen(ADOPTED)) == 0)
		return 0; /* never labelled */
	if (!valid_id(id))
		return zf_err_set(err, EINVAL, "'%s' is not a Cinder volume id", id);
	snprintf(path, sizeof(path), "/volumes/%s/metadata/%s", id, ZF_LABEL_INSTANCE);
	r = call(c, "DELETE", path, NULL, NULL, err);
	return r == -ENOENT ? 0 : r; /* gone, or not labelled */
}

/* The latest of Cinder's user messages about vol (3.3+), or "". */
static void fault_of(struct cinder *c, const char *vol, char *out, size_t size)
{
	struct zf_http_reply reply;
	char path[160];
	json_t *root, *m;
	size_t i;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/messages?resource_uuid=%s&sort=created_at:desc", vol);
	if (call(c, "GET", path, NULL, &reply, NULL) < 0)
		return;
	root = json_loads(reply.body, 0, NULL);
	zf_http_reply_clear(&reply);
	json_array_foreach(json_object_get(root, "messages"), i, m)
	{
		const char *s = json_string_value(json_object_get(m, "user_message"));

		if (s) {
			snprintf(out, size, "%s", s);
			break;
		}
	}
	json_decref(root);
}

/* Why a volume in status st (error*) failed: Cinder's latest user message. */
static void failed_words(struct cinder *c, const char *vol, const char *st, char *out,
			 size_t size)
{
	char fault[200];

	fault_of(c, vol, fault, sizeof(fault));
	snprintf(out, size, "Cinder: the volume is %s%s%s", st, fault[0] ? ": " : "", fault);
}

static void info_of(struct cinder *c, const char *vol, json_t *v, struct zf_volume_info *ret)
{
	const char *st = status_of(v);
	char dir[2200];

	memset(ret, 0, sizeof(*ret));
	ret->size_bytes = (int64_t)json_integer_value(json_object_get(v, "size")) * GIB;
	if (strncmp(st, "error", 5) == 0) {
		ret->state = ZF_VOLUME_FAILED;
		failed_words(c, vol, st, ret->reason, sizeof(ret->reason));
		return;
	}
	if (strcmp(st, "available") != 0 && strcmp(st, "in-use") != 0) {
		ret->state = ZF_VOLUME_PENDING;
		return;
	}
	ret->state = ZF_VOLUME_READY;
	mark_path(c, vol, "", dir, sizeof(dir));
	if (strcmp(st, "in-use") == 0 && our_attachment(c, v) && mounted_here(c, vol))
		ret->host_path = strdup(dir);
}

static int cinder_inspect(struct zf_volume_driver *drv, const char *id,
			  struct zf_volume_info *ret_info, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	const char *vol = vol_of(id);
	json_t *v;
	int r;

	if (!valid_id(vol))
		return zf_err_set(err, EINVAL, "'%s' is not a Cinder volume id", id);
	if ((r = get_volume(c, vol, &v, err)) < 0) {
		char dir[2200];

		/* Cinder cannot say: one mounted here is usable here */
		if (r == -ENOENT || !mounted_here(c, vol))
			return r;
		mark_path(c, vol, "", dir, sizeof(dir));
		*ret_info = (struct zf_volume_info){ .state = ZF_VOLUME_READY,
						     .host_path = strdup(dir) };
		return ret_info->host_path ? 0 : zf_err_set(err, ENOMEM, "out of memory");
	}
	info_of(c, vol, v, ret_info);
	json_decref(v);
	return 0;
}

/* Waits while vol is creating; its last JSON in *ret. */
static int wait_made(struct cinder *c, const char *vol, json_t **ret, struct zf_err *err)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	time_t end = time(NULL) + CREATE_WAIT_S;
	json_t *v;
	int r;

	for (;;) {
		if ((r = get_volume(c, vol, &v, err)) < 0)
			return r;
		if (strcmp(status_of(v), "creating") != 0 || time(NULL) >= end)
			break;
		json_decref(v);
		nanosleep(&ts, NULL);
	}
	*ret = v;
	return 0;
}

/* A volume made for this owner before (a launch cut short): its id, or
 * NULL. The owner is its uuid and extra labels (a capsule's entries). */
static char *made_before(struct cinder *c, const struct zf_owner_labels *o, struct zf_err *err,
			 int *r)
{
	struct zf_http_reply reply;
	char path[1024], *meta, *esc, *id = NULL;
	json_t *root, *v, *filter = json_object();
	size_t i;

	*r = 0;
	json_object_set_new(filter, ZF_LABEL_UUID, json_string(o->uuid));
	for (size_t k = 0; k < o->n_extra; k++)
		json_object_set_new(filter, o->extra[k].key, json_string(o->extra[k].value));
	meta = json_dumps(filter, JSON_COMPACT);
	json_decref(filter);
	if (!meta) {
		*r = zf_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	esc = zf_http_escape(meta);
	free(meta);
	if (!esc) {
		*r = zf_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "/volumes/detail?metadata=%s", esc);
	free(esc);
	if ((*r = call(c, "GET", path, NULL, &reply, err)) < 0)
		return NULL;
	root = json_loads(reply.body, 0, NULL);
	zf_http_reply_clear(&reply);
	json_array_foreach(json_object_get(root, "volumes"), i, v)
	{
		const char *st = status_of(v), *vid = json_string_value(json_object_get(v, "id"));

		if (vid && strncmp(st, "error", 5) != 0 && strcmp(st, "deleting") != 0) {
			id = strdup(vid);
			break;
		}
	}
	json_decref(root);
	return id;
}

static int cinder_create(struct zf_volume_driver *drv, const struct zf_volume_request *req,
			 char **ret_id, struct zf_volume_info *ret_info, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	const struct zf_owner_labels *o = req->owner;
	struct zf_http_reply reply;
	json_t *body = NULL, *meta, *v = NULL, *root;
	char uid[16], *text, *id = NULL, *vid;
	int64_t gib;
	int r;

	if (req->n_opts)
		return zf_err_set(err, EINVAL, "the cinder driver takes no driverOptions");
	if (req->adopt_id) {
		if (!valid_id(req->adopt_id))
			return zf_err_set(err, EINVAL, "volumeID '%s' is not a Cinder volume id",
					  req->adopt_id);
		if ((r = get_volume(c, req->adopt_id, &v, err)) < 0)
			return r == -ENOENT ? zf_err_set(err, ENOENT, "Cinder has no volume %s",
							 req->adopt_id)
					    : r;
		if (asprintf(&id, "%s%s", ADOPTED, req->adopt_id) < 0) {
			json_decref(v);
			return zf_err_set(err, ENOMEM, "out of memory");
		}
		goto made;
	}
	id = made_before(c, o, err, &r);
	if (r < 0)
		return r;
	if (id)
		goto wait;
	if (req->existing)
		return -ENOENT;
	gib = req->size_bytes > 0 ? (req->size_bytes + GIB - 1) / GIB : 1;
	meta = json_object();
	snprintf(uid, sizeof(uid), "%u", o->owner_uid);
	json_object_set_new(meta, ZF_LABEL_UUID, json_string(o->uuid));
	json_object_set_new(meta, ZF_LABEL_KIND, json_string(o->kind));
	json_object_set_new(meta, ZF_LABEL_NAME, json_string(o->name));
	if (!req->unowned) /* else kept after its owner: no clean-up lists it */
		json_object_set_new(meta, ZF_LABEL_INSTANCE, json_string(o->instance));
	json_object_set_new(meta, ZF_LABEL_OWNER, json_string(uid));
	for (size_t i = 0; i < o->n_extra; i++)
		json_object_set_new(meta, o->extra[i].key, json_string(o->extra[i].value));
	body = json_pack("{s:{s:I, s:s+, s:o}}", "volume", "size", (json_int_t)gib, "name",
			 "zunfs-", o->name, "metadata", meta);
	if (body && req->type)
		json_object_set_new(json_object_get(body, "volume"), "volume_type",
				    json_string(req->type));
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return zf_err_set(err, ENOMEM, "out of memory");
	r = call(c, "POST", "/volumes", text, &reply, err);
	free(text);
	if (r < 0)
		return r;
	root = json_loads(reply.body, 0, NULL);
	zf_http_reply_clear(&reply);
	vid = (char *)json_string_value(json_object_get(json_object_get(root, "volume"), "id"));
	id = vid ? strdup(vid) : NULL;
	json_decref(root);
	if (!id)
		return zf_err_set(err, EIO, "Cinder: POST /volumes: no volume id in the reply");
wait:
	if ((r = wait_made(c, id, &v, err)) < 0) {
		free(id);
		return r;
	}
made:
	if (ret_info) {
		info_of(c, vol_of(id), v, ret_info);
		/* a failed volume is made: the caller keeps its id, and says why */
		if (ret_info->state == ZF_VOLUME_FAILED)
			zf_err_set(err, EIO, "%s", ret_info->reason);
	}
	json_decref(v);
	*ret_id = id;
	return 0;
}

static int cinder_remove(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	time_t end = time(NULL) + DELETE_WAIT_S;
	char path[128];
	json_t *v;
	int r;

	if (strncmp(id, ADOPTED, strlen(ADOPTED)) == 0)
		return 0; /* not ours to delete: forgotten */
	if (!valid_id(id))
		return zf_err_set(err, EINVAL, "'%s' is not a Cinder volume id", id);
	snprintf(path, sizeof(path), "/volumes/%s", id);
	r = call(c, "DELETE", path, NULL, NULL, err);
	if (r == -EINVAL) /* 400: its status forbids it (attached, ...) */
		return zf_err_set(err, EBUSY, "%s", err ? err->msg : "");
	if (r < 0)
		return r;
	while ((r = get_volume(c, id, &v, NULL)) == 0) {
		const char *st = status_of(v);

		if (strcmp(st, "error_deleting") == 0 || time(NULL) >= end) {
			r = zf_err_set(err, EIO, "Cinder: volume %s is %s", id, st);
			json_decref(v);
			return r;
		}
		json_decref(v);
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int cinder_list(struct zf_volume_driver *drv, const char *instance,
		       struct zf_volume_summary **ret_list, struct zf_err *err)
{
	struct cinder *c = to_cinder(drv);
	struct zf_volume_summary *list;
	struct zf_http_reply reply;
	char path[512], *meta, *esc;
	json_t *root, *vols, *v;
	size_t i, n = 0;
	int r;

	if (asprintf(&meta, "{\"%s\": \"%s\"}", ZF_LABEL_INSTANCE, instance) < 0)
		return zf_err_set(err, ENOMEM, "out of memory");
	esc = zf_http_escape(meta);
	free(meta);
	if (!esc)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/volumes/detail?metadata=%s", esc);
	free(esc);
	if ((r = call(c, "GET", path, NULL, &reply, err)) < 0)
		return r;
	root = json_loads(reply.body, 0, NULL);
	zf_http_reply_clear(&reply);
	vols = json_object_get(root, "volumes");
	list = calloc(json_array_size(vols) + 1, sizeof(*list));
	if (!list) {
		json_decref(root);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	json_array_foreach(vols, i, v)
	{
		const char *vid = json_string_value(json_object_get(v, "id"));
		const char *uuid = json_string_value(
			json_object_get(json_object_get(v, "metadata"), ZF_LABEL_UUID));

		if (!vid || !valid_id(vid))
			continue;
		snprintf(list[n].name, sizeof(list[n].name), "%s", vid);
		snprintf(list[n].uuid, sizeof(list[n].uuid), "%s", uuid ? uuid : "");
		snprintf(list[n].role, sizeof(list[n].role), "%s",
			 json_string_value(json_object_get(json_object_get(v, "metadata"),
							   ZF_LABEL_ROLE)) ?: "");
		n++;
	}
	json_decref(root);
	*ret_list = list;
	return (int)n;
}

static int cinder_mount_for_container(struct zf_volume_driver *drv, const char *id,
				      const char *host_path, const char *target, bool read_only,
				      struct zf_mount *ret_mount, struct zf_err *err)
{
	struct zf_mount m = { 0 };

	(void)drv;
	if (!host_path)
		return zf_err_set(err, ENOTCONN, "Cinder volume %s is not attached to this host",
				  vol_of(id));
	m = (struct zf_mount){ .source = strdup(host_path), .target = strdup(target),
			       .read_only = read_only, .bind = true };
	if (!m.source || !m.target) {
		free(m.source);
		free(m.target);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	*ret_mount = m;
	return 0;
}

static void cinder_free(struct zf_volume_driver *drv)
{
	struct cinder *c = to_cinder(drv);

	zf_http_free(c->http);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct zf_volume_driver_ops cinder_ops = {
	.name = "cinder",
	.free = cinder_free,
	.create = cinder_create,
	.inspect = cinder_inspect,
	.remove = cinder_remove,
	.list = cinder_list,
	.attach = cinder_attach,
	.detach = cinder_detach,
	.recover = cinder_recover,
	.disown = cinder_disown,
	.mount_for_container = cinder_mount_for_container,
};

int zf_cinder_volume_driver_new(const char *url, const char *token, const char *state_dir,
				unsigned timeout_s, struct zf_volume_driver **ret_driver,
				struct zf_err *err)
{
	struct cinder *c;
	const char *path;
	char base[512], hdr[1100], host[256] = "localhost";
	int r;

	if (strncmp(url, "http://", 7) != 0)
		return zf_err_set(err, EINVAL, "cinder=%s: not an http://HOST:PORT/v3/PROJECT URL",
				  url);
	path = strchr(url + 7, '/');
	if (!path || strlen(url) >= sizeof(c->url) || (size_t)(path - url) >= sizeof(base))
		return zf_err_set(err, EINVAL,
				  "cinder=%s: give the volume endpoint with its path, "
				  "http://HOST:PORT/v3/PROJECT",
				  url);
	if (!token || !token[0])
		return zf_err_set(err, EINVAL, "cinder=%s: no token: give -o cinder_token=TOKEN or "
					       "$OS_AUTH_TOKEN",
				  url);
	if (strchr(token, '\r') || strchr(token, '\n'))
		return zf_err_set(err, EINVAL, "cinder_token: has a line break");
	c = calloc(1, sizeof(*c));
	if (!c)
		return zf_err_set(err, ENOMEM, "out of memory");
	pthread_mutex_init(&c->lock, NULL);
	c->base.ops = &cinder_ops;
	c->timeout_s = timeout_s ? (long)timeout_s : CALL_TIMEOUT_S;
	snprintf(c->url, sizeof(c->url), "%s", url);
	snprintf(base, sizeof(base), "%.*s", (int)(path - url), url);
	snprintf(c->prefix, sizeof(c->prefix), "%s", path);
	c->prefix[strcspn(c->prefix, "?#")] = '\0';
	while (strlen(c->prefix) > 1 && c->prefix[strlen(c->prefix) - 1] == '/')
		c->prefix[strlen(c->prefix) - 1] = '\0';
	snprintf(c->dir, sizeof(c->dir), "%s/cinder", state_dir);
	gethostname(host, sizeof(host) - 1);
	snprintf(c->host_name, sizeof(c->host_name), "zunfs-%s", host);
	snprintf(c->connector, sizeof(c->connector),
		 "{\"initiator\": \"iqn.2024-01.org.zunfs:%s\", \"host\": \"%s\", "
		 "\"ip\": \"127.0.0.1\", \"platform\": \"x86_64\", \"os_type\": \"linux\", "
		 "\"multipath\": false}",
		 host, host);
	r = zf_http_new(base, &c->http);
	if (r < 0) {
		cinder_free(&c->base);
		return zf_err_set(err, -r, "cinder=%s: not an http://HOST:PORT/v3/PROJECT URL", url);
	}
	snprintf(hdr, sizeof(hdr), "X-Auth-Token: %s", token);
	if (zf_http_add_header(c->http, hdr) < 0 ||
	    /* 3.3: the messages API, for why a volume failed */
	    zf_http_add_header(c->http, "OpenStack-API-Version: volume 3.3") < 0 ||
	    zf_http_set_peer(c->http, "Cinder") < 0) {
		cinder_free(&c->base);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	if (mkdir(c->dir, 0700) < 0 && errno != EEXIST) {
		r = zf_err_set(err, errno, "%s: %s", c->dir, strerror(errno));
		cinder_free(&c->base);
		return r;
	}
	*ret_driver = &c->base;
	return 0;
}
