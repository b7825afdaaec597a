/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel plumbing: libfuse's high-level operations. Each callback maps
 * the path (tree.c), answers from the registry or hands the work to
 * actions.c, and returns its -errno straight to the kernel. No engine call
 * happens here; the only waits are the blocking reads of `events` and
 * `until/STATE`, and a ctl write waiting for its worker.
 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "fuse_ops.h"
#include "jobs.h"
#include "logs.h"
#include "render.h"
#include "session.h"
#include "tempfiles.h"
#include "tree.h"
#include "util.h"
#include "volume_data.h"

/* How often a blocked read looks for an interrupt (ctrl-c on `cat events`). */
#define WAIT_SLICE_MS 250
/* Open handles at once: every resource a user can grow has a cap. */
#define MAX_HANDLES 4096

struct handle {
	char *path_str; /* as opened: nullpath_ok gives later ops no path */
	struct zf_path path;
	char uuid[ZF_UUID_LEN + 1];
	char *buf; /* a snapshot to read, or the spec being written */
	size_t len, cap;
	bool writing; /* spec.yaml opened for writing */
	bool temp; /* a spec.yaml replacement (tempfiles.c): path.leaf in object uuid */
	unsigned owner; /* uid that opened it: temp files are per uid */
	bool dirty; /* written since the last flush */
	bool truncated; /* spec.yaml opened with O_TRUNC */
	bool applied; /* a spec written through it went to zf_action_apply_spec */
	bool nonblock;
	bool until_done;
	uint64_t gen_seen; /* object generation of the snapshot (poll) */
	uint64_t ev_pos; /* events: next line to read */
	struct zf_session *session; /* tty, or exec once its command was written */
	int log_fd; /* logs: the log file, -1 until it exists */
	int data_fd; /* a file of a volume's data/, else -1 */
	struct fuse_pollhandle *ph; /* protected by poll_lock */
	struct handle *poll_next; /* protected by poll_lock */
};

/* Handles waiting in poll(). Lock order: registry lock, then poll_lock. */
static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *pollers; /* protected by poll_lock */
static int n_handles; /* protected by poll_lock */

static struct zf_daemon *daemon_of(void)
{
	return fuse_get_context()->private_data;
}

static unsigned caller_uid(void)
{
	return (unsigned)fuse_get_context()->uid;
}

static bool interrupted(void)
{
	return fuse_interrupted() != 0;
}

/* zunfs is stopping: blocking reads end (see zf_daemon.stopping). */
static bool stopping(struct zf_daemon *d)
{
	return atomic_load(&d->stopping);
}

static struct handle *handle_of(struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

static time_t parse_time(const char *s)
{
	struct tm tm = { 0 };

	if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

/* Looks up the object a path is in; lock held. NULL if gone or not the caller's. */
static struct zf_object *object_locked(struct zf_daemon *d, const struct zf_path *p)
{
	struct zf_object *obj;

	if (p->capsule[0]) { /* a member: the capsule decides who sees it */
		struct zf_object *c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, p->capsule);

		if (!c || !zf_action_visible(c, caller_uid()))
			return NULL;
		return zf_registry_find_member_locked(d->reg, c->rec.uuid, p->name);
	}
	obj = zf_registry_find_locked(d->reg, p->kind, p->name);
	return obj && zf_action_visible(obj, caller_uid()) ? obj : NULL;
}

/* The caller, for a volume's data/ (volume_data.c works as them). */
static struct zf_caller caller(void)
{
	struct fuse_context *c = fuse_get_context();
	struct zf_caller who = { .uid = c->uid, .gid = c->gid };
	int n = fuse_getgroups(ZF_CALLER_GROUPS, who.groups);

	/* unknown (or too many to take all): none but its own group */
	who.n_groups = n >= 0 && n <= ZF_CALLER_GROUPS ? n : 0;
	return who;
}

/*
 * For a path in volumes/NAME/data: the volume's directory on the host into
 * root (size PATH_MAX) and the path below data/ into *ret_rel. -ENOENT if
 * the caller cannot see the volume or it has no files yet.
 */
static int data_root(struct zf_daemon *d, const char *path, const struct zf_path *p, char *root,
		     const char **ret_rel)
{
	struct zf_object *obj;
	int r = 0;

	zf_registry_lock(d->reg);
	obj = object_locked(d, p);
	if (!obj || !obj->host_path)
		r = -ENOENT;
	else
		snprintf(root, PATH_MAX, "%s", obj->host_path);
	zf_registry_unlock(d->reg);
	*ret_rel = path + p->rel;
	return r;
}

enum data_op {
	DATA_MKDIR,
	DATA_RMDIR,
	DATA_UNLINK,
	DATA_SYMLINK,
	DATA_CHMOD,
	DATA_CHOWN,
	DATA_TRUNCATE,
	DATA_UTIMENS,
	DATA_READLINK,
	DATA_STATFS,
};

/* What a data_op takes beside the path (each op reads its own fields). */
struct data_args {
	const char *target; /* symlink */
	off_t n; /* mkdir, chmod: the mode; truncate: the size */
	uid_t uid; /* chown */
	gid_t gid;
	const struct timespec *tv; /* utimens */
	char *buf; /* readlink */
	size_t size;
	struct statvfs *svfs; /* statfs */
};

/* One path operation in a volume's data/, as the caller. */
static int data_op(const char *path, const struct zf_path *p, enum data_op op,
		   const struct data_args *a)
{
	struct zf_daemon *d = daemon_of();
	struct zf_caller who = caller();
	char root[PATH_MAX];
	const char *rel;
	int r = data_root(d, path, p, root, &rel);

	if (r < 0)
		return r;
	switch (op) {
	case DATA_MKDIR:
		return zf_data_mkdir(root, rel, &who, (mode_t)a->n);
	case DATA_RMDIR:
		return zf_data_remove(root, rel, &who, true);
	case DATA_UNLINK:
		return zf_data_remove(root, rel, &who, false);
	case DATA_SYMLINK:
		return zf_data_symlink(root, a->target, rel, &who);
	case DATA_CHMOD:
		return zf_data_chmod(root, rel, &who, (mode_t)a->n);
	case DATA_CHOWN:
		return zf_data_chown(root, rel, &who, a->uid, a->gid);
	case DATA_TRUNCATE:
		return zf_data_truncate(root, rel, &who, a->n);
	case DATA_UTIMENS:
		return zf_data_utimens(root, rel, &who, a->tv);
	case DATA_READLINK:
		return zf_data_readlink(root, rel, &who, a->buf, a->size);
	case DATA_STATFS:
		return zf_data_statfs(root, a->svfs); /* df in data/: the volume's */
	}
	return -EINVAL;
}

/* The capsule whose members directory p is (ZF_NODE_MEMBERS); lock held. */
static struct zf_object *members_dir_locked(struct zf_daemon *d, const struct zf_path *p)
{
	struct zf_object *c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, p->name);

	return c && zf_action_visible(c, caller_uid()) ? c : NULL;
}

/* The uuid of the caller's object at p: 0, or -ENOENT. */
static int object_uuid(struct zf_daemon *d, const struct zf_path *p, char uuid[ZF_UUID_LEN + 1])
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = object_locked(d, p);
	if (obj)
		memcpy(uuid, obj->rec.uuid, ZF_UUID_LEN + 1);
	zf_registry_unlock(d->reg);
	return obj ? 0 : -ENOENT;
}

static void fill_dir(struct stat *st, mode_t mode, uid_t uid, gid_t gid)
{
	st->st_mode = S_IFDIR | mode;
	st->st_nlink = 2;
	st->st_uid = uid;
	st->st_gid = gid;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct zf_daemon *d = daemon_of();
	struct zf_object *obj;
	struct zf_path p;
	char *text;
	int r;

	if (!path && fi)
		path = handle_of(fi)->path_str;
	if (!path)
		return -ESTALE;
	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA) {
		struct zf_caller who = caller();
		char root[PATH_MAX];
		const char *rel;

		if (fi && handle_of(fi)->data_fd >= 0)
			return fstat(handle_of(fi)->data_fd, st) < 0 ? -errno : 0;
		r = data_root(d, path, &p, root, &rel);
		return r < 0 ? r : zf_data_stat(root, rel, &who, st);
	}
	memset(st, 0, sizeof(*st));
	st->st_uid = d->mount_uid;
	st->st_gid = d->mount_gid;
	st->st_blksize = 4096;
	switch (p.node) {
	case ZF_NODE_ROOT:
	case ZF_NODE_KIND_DIR:
		/* a kind directory is /tmp's kind: with allow_other anyone makes
		 * objects there, and only their owner (or root) removes them, which
		 * the kernel enforces too under default_permissions */
		fill_dir(st, p.node == ZF_NODE_KIND_DIR ? 01777 : 0755, d->mount_uid, d->mount_gid);
		st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		return 0;
	case ZF_NODE_EVENTS:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		return 0;
	case ZF_NODE_VERSION:
		zf_registry_lock(d->reg);
		text = zf_render_version(d->engine_version);
		zf_registry_unlock(d->reg);
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = text ? (off_t)strlen(text) : 0;
		st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		free(text);
		return 0;
	default:
		break;
	}
	zf_registry_lock(d->reg);
	obj = p.node == ZF_NODE_MEMBERS ? members_dir_locked(d, &p) : object_locked(d, &p);
	if (!obj && p.node == ZF_NODE_OBJECT && p.kind == ZF_KIND_CONTAINER && !p.capsule[0]) {
		char target[PATH_MAX];

		/* containers/CAPSULE.CNAME: a link to the member */
		r = zf_action_link_target_locked(d, p.name, caller_uid(), target, sizeof(target));
		if (r == 0) {
			st->st_mode = S_IFLNK | 0777;
			st->st_nlink = 1;
			st->st_size = (off_t)strlen(target);
			st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		}
		goto out;
	}
	if (!obj) {
		r = -ENOENT;
		goto out;
	}
	st->st_uid = obj->rec.owner;
	st->st_mtime = parse_time(obj->rec.updated_at);
	st->st_ctime = st->st_mtime;
	st->st_atime = st->st_mtime;
	switch (p.node) {
	case ZF_NODE_OBJECT:
	case ZF_NODE_MEMBERS:
		fill_dir(st, 0755, obj->rec.owner, d->mount_gid);
		break;
	case ZF_NODE_UNTIL_DIR:
		fill_dir(st, 0555, obj->rec.owner, d->mount_gid);
		break;
	case ZF_NODE_UNTIL:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		break;
	case ZF_NODE_FILE:
		st->st_mode = S_IFREG | zf_file_mode(p.file);
		/* a member of the capsule's spec changes with the capsule's spec.yaml */
		if (p.file == ZF_FILE_SPEC && obj->rec.parent[0] && !obj->rec.added)
			st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		if (p.file == ZF_FILE_LOGS) {
			char lp[PATH_MAX];
			struct stat ls;

			/* the log's real size, so tail -f sees it grow */
			zf_logs_path(d->logs, obj->rec.uuid, lp, sizeof(lp));
			st->st_size = stat(lp, &ls) == 0 ? ls.st_size : 0;
			break;
		}
		if (!zf_file_is_rendered(p.file))
			break; /* streams and engine snapshots: no size before they are read */
		text = zf_render_file(obj, p.file, d->engine_version,
				      zf_registry_first_locked(d->reg));
		st->st_size = text ? (off_t)strlen(text) : 0;
		free(text);
		break;
	case ZF_NODE_OTHER: {
		ssize_t size = zf_temp_size(d->temps, obj->rec.uuid, p.leaf, caller_uid());

		if (size < 0) {
			r = -ENOENT;
			break;
		}
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_uid = caller_uid();
		st->st_size = size;
		break;
	}
	default:
		r = -ENOENT;
	}
out:
	zf_registry_unlock(d->reg);
	return r;
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static void fill_one(const char *name, void *userdata)
{
	struct fill_ctx *fc = userdata;

	fc->filler(fc->buf, name, NULL, 0, 0);
}

/* Whether the volume at p has its files somewhere (volumes/NAME/data). */
static bool volume_has_data(struct zf_daemon *d, const struct zf_path *p)
{
	struct zf_object *obj;
	bool has;

	zf_registry_lock(d->reg);
	obj = object_locked(d, p);
	has = obj && obj->host_path;
	zf_registry_unlock(d->reg);
	return has;
}

/* containers/CAPSULE.CNAME for every member of the caller's capsules, unless a
 * container has that name. Lock held. */
static void list_links_locked(struct zf_daemon *d, void *buf, fuse_fill_dir_t filler)
{
	char name[2 * ZF_NAME_MAX + 2], target[PATH_MAX];

	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		if (!o->rec.parent[0] || o->rec.deleting)
			continue;
		snprintf(name, sizeof(name), "%s.%s", o->parent_name, o->rec.name);
		/* the link must lead here (a capsule the caller sees, no container of the name) */
		if (zf_action_link_target_locked(d, name, caller_uid(), target, sizeof(target)) == 0)
			filler(buf, name, NULL, 0, 0);
	}
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct zf_daemon *d = daemon_of();
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_READLINK, &(struct data_args){ .buf = buf, .size = size });
	if (p.node != ZF_NODE_OBJECT || p.kind != ZF_KIND_CONTAINER || p.capsule[0])
		return -EINVAL;
	zf_registry_lock(d->reg);
	r = zf_action_link_target_locked(d, p.name, caller_uid(), buf, size);
	if (r < 0 && object_locked(d, &p))
		r = -EINVAL; /* a directory, not a link */
	zf_registry_unlock(d->reg);
	return r;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct zf_daemon *d = daemon_of();
	struct zf_path p;
	int r;

	(void)off, (void)flags;
	if (!path)
		path = (const char *)(uintptr_t)fi->fh; /* kept by opendir */
	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA) {
		struct zf_caller who = caller();
		struct fill_ctx fc = { buf, filler };
		char root[PATH_MAX];
		const char *rel;

		r = data_root(d, path, &p, root, &rel);
		return r < 0 ? r : zf_data_list(root, rel, &who, fill_one, &fc);
	}
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	switch (p.node) {
	case ZF_NODE_ROOT:
		for (int k = 0; k < ZF_KIND_COUNT; k++)
			filler(buf, zf_kind_dir((enum zf_kind)k), NULL, 0, 0);
		filler(buf, "events", NULL, 0, 0);
		filler(buf, "version", NULL, 0, 0);
		return 0;
	case ZF_NODE_KIND_DIR:
		zf_registry_lock(d->reg);
		for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
			if (o->rec.kind == p.kind && !o->rec.deleting && !o->rec.parent[0] &&
			    zf_action_visible(o, caller_uid()))
				filler(buf, o->rec.name, NULL, 0, 0);
		if (p.kind == ZF_KIND_CONTAINER)
			list_links_locked(d, buf, filler);
		zf_registry_unlock(d->reg);
		return 0;
	case ZF_NODE_MEMBERS: {
		struct zf_object *c;

		zf_registry_lock(d->reg);
		c = members_dir_locked(d, &p);
		for (struct zf_object *o = zf_registry_first_locked(d->reg); c && o; o = o->next)
			if (!o->rec.deleting && strcmp(o->rec.parent, c->rec.uuid) == 0)
				filler(buf, o->rec.name, NULL, 0, 0);
		zf_registry_unlock(d->reg);
		return c ? 0 : -ENOENT;
	}
	case ZF_NODE_OBJECT:
	case ZF_NODE_UNTIL_DIR: {
		char uuid[ZF_UUID_LEN + 1];

		if (object_uuid(d, &p, uuid) < 0)
			return -ENOENT;
		if (p.node == ZF_NODE_UNTIL_DIR) {
			for (const char *const *s = zf_states(p.kind); *s; s++)
				filler(buf, *s, NULL, 0, 0);
			return 0;
		}
		for (int f = 0; f < ZF_FILE_COUNT; f++)
			if (zf_file_in_kind((enum zf_file)f, p.kind))
				filler(buf, zf_file_name((enum zf_file)f), NULL, 0, 0);
		filler(buf, "until", NULL, 0, 0);
		if (p.kind == ZF_KIND_CAPSULE)
			filler(buf, "containers", NULL, 0, 0);
		if (p.kind == ZF_KIND_VOLUME && volume_has_data(d, &p))
			filler(buf, "data", NULL, 0, 0);
		struct fill_ctx fc = { buf, filler };

		zf_temp_list(d->temps, uuid, caller_uid(), fill_one, &fc);
		return 0;
	}
	default:
		return -ENOTDIR;
	}
}

/* With nullpath_ok, readdir may get no path: opendir keeps it. */
static int op_opendir(const char *path, struct fuse_file_info *fi)
{
	struct stat st;
	char *copy;
	int r;

	r = op_getattr(path, &st, NULL);
	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	fi->fh = (uint64_t)(uintptr_t)copy;
	return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	free((char *)(uintptr_t)fi->fh);
	return 0;
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r == -ENAMETOOLONG)
		return r;
	if (r == 0 && p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_MKDIR, &(struct data_args){ .n = mode });
	if (r < 0 || p.node != ZF_NODE_OBJECT)
		return -EPERM; /* only KIND/NAME and capsules/NAME/containers/NEW can be made */
	if (p.capsule[0])
		return zf_action_mkdir_member(daemon_of(), p.capsule, p.name, caller_uid());
	return zf_action_mkdir(daemon_of(), p.kind, p.name, caller_uid());
}

static int op_rmdir(const char *path)
{
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_RMDIR, &(struct data_args){ 0 });
	if (p.node == ZF_NODE_ROOT || p.node == ZF_NODE_KIND_DIR || p.node == ZF_NODE_UNTIL_DIR ||
	    p.node == ZF_NODE_MEMBERS)
		return -EPERM;
	if (p.node != ZF_NODE_OBJECT)
		return -ENOTDIR;
	if (p.capsule[0])
		return zf_action_rmdir_member(daemon_of(), p.capsule, p.name, caller_uid());
	return zf_action_rmdir(daemon_of(), p.kind, p.name, caller_uid());
}

static int handle_reserve(void)
{
	int r = 0;

	pthread_mutex_lock(&poll_lock);
	if (n_handles >= MAX_HANDLES)
		r = -ENFILE;
	else
		n_handles++;
	pthread_mutex_unlock(&poll_lock);
	return r;
}

static void handle_free(struct handle *h)
{
	pthread_mutex_lock(&poll_lock);
	for (struct handle **pp = &pollers; *pp; pp = &(*pp)->poll_next) {
		if (*pp == h) {
			*pp = h->poll_next;
			break;
		}
	}
	if (h->ph)
		fuse_pollhandle_destroy(h->ph);
	n_handles--;
	pthread_mutex_unlock(&poll_lock);
	free(h->path_str);
	free(h->buf);
	free(h);
}

static int buf_set(struct handle *h, char *text)
{
	if (!text)
		return -ENOMEM;
	free(h->buf);
	h->buf = text;
	h->len = strlen(text);
	h->cap = h->len + 1;
	return 0;
}

/* (Re)takes the snapshot a read-only handle serves; lock held. */
static int snapshot_locked(struct zf_daemon *d, struct handle *h, struct zf_object *obj)
{
	if (h->path.node == ZF_NODE_VERSION)
		return buf_set(h, zf_render_version(d->engine_version));
	h->gen_seen = obj->gen;
	return buf_set(h, zf_render_file(obj, h->path.file, d->engine_version,
					 zf_registry_first_locked(d->reg)));
}

/* Wakes a poll() on the handle whose session has new output (pump thread). */
static void session_wake(void *userdata)
{
	struct handle *h = userdata;

	pthread_mutex_lock(&poll_lock);
	if (h->ph) {
		fuse_notify_poll(h->ph);
		fuse_pollhandle_destroy(h->ph);
		h->ph = NULL;
		for (struct handle **pp = &pollers; *pp; pp = &(*pp)->poll_next) {
			if (*pp == h) {
				*pp = h->poll_next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&poll_lock);
}

/* Adds or drops (id NULL: drop exec_id) an open tty exec of the object, for ctl resize. */
static void note_tty_exec(struct zf_daemon *d, const char *uuid, const char *exec_id, bool add)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	for (int i = 0; obj && i < ZF_TTY_EXECS_MAX; i++) {
		if (add && !obj->tty_execs[i][0]) {
			snprintf(obj->tty_execs[i], sizeof(obj->tty_execs[i]), "%s", exec_id);
			break;
		}
		if (!add && strcmp(obj->tty_execs[i], exec_id) == 0) {
			obj->tty_execs[i][0] = '\0';
			break;
		}
	}
	zf_registry_unlock(d->reg);
}

static void count_attach(struct zf_daemon *d, const char *uuid, int delta)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		obj->attached += delta;
		obj->gen++; /* inspect.json changed */
	}
	zf_registry_unlock(d->reg);
}

/*
 * tty, exec, logs, top and stats. tty attaches now; exec waits for its
 * command line; top and stats ask the engine now (a snapshot, like a
 * regular file's content at open); logs opens the log file.
 */
static int open_stream(struct zf_daemon *d, struct handle *h, struct fuse_file_info *fi, int acc)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_err err = { { 0 } };
	char id[72] = "", lp[PATH_MAX], *text = NULL;
	struct zf_object *obj;
	int r;

	switch (h->path.file) {
	case ZF_FILE_TTY:
		fi->nonseekable = 1;
		r = zf_session_attach(d, h->uuid, acc != O_RDONLY, session_wake, h, &h->session, NULL,
				      0);
		if (r == 0)
			count_attach(d, h->uuid, 1);
		return r;
	case ZF_FILE_EXEC:
		fi->nonseekable = 1;
		return acc == O_RDONLY ? -EACCES : 0;
	case ZF_FILE_LOGS:
		if (acc != O_RDONLY)
			return -EACCES;
		zf_logs_path(d->logs, h->uuid, lp, sizeof(lp));
		h->log_fd = open(lp, O_RDONLY | O_CLOEXEC);
		return 0;
	default: /* top, stats */
		if (acc != O_RDONLY)
			return -EACCES;
		zf_registry_lock(d->reg);
		obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
		r = obj && obj->rec.engine_id[0] && strcmp(obj->rec.status, "Running") == 0 ? 0 : -EBUSY;
		if (r == 0)
			memcpy(id, obj->rec.engine_id, sizeof(id));
		zf_registry_unlock(d->reg);
		if (r < 0)
			return r;
		r = h->path.file == ZF_FILE_TOP ? ops->container_top(d->engine, id, &text, &err)
						 : ops->container_stats(d->engine, id, &text, &err);
		if (r < 0)
			return r;
		if (h->path.file == ZF_FILE_STATS) {
			char *t = NULL;

			if (asprintf(&t, "%s\n", text) < 0)
				t = NULL;
			free(text);
			text = t;
		}
		return buf_set(h, text);
	}
}

/* A file of a volume's data/: opened on the host as the caller (mode: O_CREAT's). */
static int open_data(struct zf_daemon *d, struct handle *h, struct fuse_file_info *fi, mode_t mode)
{
	struct zf_caller who = caller();
	char root[PATH_MAX];
	const char *rel;
	int r = data_root(d, h->path_str, &h->path, root, &rel);

	if (r < 0)
		return r;
	/* the host's page cache rules here: no direct_io, so mmap works */
	fi->direct_io = 0;
	return zf_data_open(root, rel, &who, fi->flags & ~O_NOCTTY, mode, &h->data_fd);
}

static int open_common(const char *path, struct fuse_file_info *fi, mode_t mode);

static int op_open(const char *path, struct fuse_file_info *fi)
{
	return open_common(path, fi, 0);
}

static int open_common(const char *path, struct fuse_file_info *fi, mode_t mode)
{
	struct zf_daemon *d = daemon_of();
	int acc = fi->flags & O_ACCMODE;
	struct zf_object *obj = NULL;
	struct handle *h;
	int r;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	r = zf_path_parse(path, &h->path);
	if (r < 0)
		goto fail_free;
	h->path_str = strdup(path);
	if (!h->path_str) {
		r = -ENOMEM;
		goto fail_free;
	}
	r = handle_reserve();
	if (r < 0)
		goto fail_free;
	h->nonblock = (fi->flags & O_NONBLOCK) != 0;
	h->owner = caller_uid();
	h->log_fd = -1;
	h->data_fd = -1;
	fi->direct_io = 1; /* sizes change under the kernel: never serve from its cache */
	if (h->path.node == ZF_NODE_DATA) {
		r = open_data(d, h, fi, mode);
		if (r < 0) {
			handle_free(h);
			return r;
		}
		fi->fh = (uint64_t)(uintptr_t)h;
		return 0;
	}
	zf_registry_lock(d->reg);
	switch (h->path.node) {
	case ZF_NODE_EVENTS:
		r = acc == O_RDONLY ? 0 : -EACCES;
		h->ev_pos = zf_eventlog_tail(d->events);
		fi->nonseekable = 1;
		break;
	case ZF_NODE_VERSION:
		r = acc == O_RDONLY ? snapshot_locked(d, h, NULL) : -EACCES;
		break;
	case ZF_NODE_UNTIL:
	case ZF_NODE_FILE:
		obj = object_locked(d, &h->path);
		if (!obj) {
			r = -ENOENT;
			break;
		}
		memcpy(h->uuid, obj->rec.uuid, sizeof(h->uuid));
		if (h->path.node == ZF_NODE_UNTIL) {
			r = acc == O_RDONLY ? 0 : -EACCES;
			fi->nonseekable = 1;
		} else if (!zf_file_is_rendered(h->path.file)) {
			r = 0; /* opened below, outside the lock: they may call the engine */
		} else if (h->path.file == ZF_FILE_CTL) {
			r = acc == O_WRONLY ? 0 : -EACCES;
		} else if (h->path.file == ZF_FILE_SPEC && acc != O_RDONLY) {
			/* a member of the capsule's spec refuses at once, saying why */
			r = zf_action_spec_writable_locked(d, obj);
			h->writing = r == 0;
			h->truncated = (fi->flags & O_TRUNC) != 0;
			/* O_TRUNC (atomic_o_trunc) starts empty; else edits start from the spec.
			 * Only a write makes it dirty: a shell's `>` closes a dup of the fd
			 * before writing, and that flush must not apply an empty spec. */
			if (r == 0)
				r = buf_set(h, strdup((fi->flags & O_TRUNC) ? "" : obj->rec.spec));
		} else {
			r = acc == O_RDONLY ? snapshot_locked(d, h, obj) : -EACCES;
		}
		break;
	case ZF_NODE_OTHER:
		obj = object_locked(d, &h->path);
		if (!obj || zf_temp_size(d->temps, obj->rec.uuid, h->path.leaf, caller_uid()) < 0) {
			r = -ENOENT;
			break;
		}
		memcpy(h->uuid, obj->rec.uuid, sizeof(h->uuid));
		h->temp = true;
		if (fi->flags & O_TRUNC)
			r = zf_temp_truncate(d->temps, h->uuid, h->path.leaf, h->owner, 0);
		break;
	default:
		r = -EISDIR;
	}
	zf_registry_unlock(d->reg);
	if (r == 0 && h->path.node == ZF_NODE_FILE && !zf_file_is_rendered(h->path.file))
		r = open_stream(d, h, fi, acc);
	if (r < 0) {
		handle_free(h);
		return r;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
fail_free:
	free(h->path_str);
	free(h);
	return r;
}

static int read_slice(struct handle *h, char *buf, size_t size, off_t off)
{
	size_t n;

	if (off < 0 || (size_t)off >= h->len)
		return 0;
	n = h->len - (size_t)off;
	if (n > size)
		n = size;
	memcpy(buf, h->buf + off, n);
	return (int)n;
}

static int read_events(struct zf_daemon *d, struct handle *h, char *buf, size_t size)
{
	for (;;) {
		size_t n = zf_eventlog_read(d->events, &h->ev_pos, buf, size,
					    h->nonblock ? 0 : WAIT_SLICE_MS);

		if (n > 0)
			return (int)n;
		if (h->nonblock)
			return -EAGAIN;
		if (interrupted())
			return -EINTR;
		if (stopping(d))
			return 0; /* the stream of events ends with zunfs */
	}
}

static int read_until(struct zf_daemon *d, struct handle *h, char *buf, size_t size)
{
	const char *target = h->path.leaf;
	int r;

	if (h->until_done)
		return 0;
	zf_registry_lock(d->reg);
	for (;;) {
		struct zf_object *obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
		enum zf_until v;

		if (!obj || (obj->rec.deleting && strcmp(target, "Deleting") != 0)) {
			r = -EIO; /* removed: no state follows */
			break;
		}
		v = zf_until_verdict(obj->rec.kind, obj->rec.status, obj->rec.task_state, target);
		if (v == ZF_UNTIL_REACHED) {
			r = snprintf(buf, size, "%s\n", target);
			h->until_done = true;
			break;
		}
		if (v == ZF_UNTIL_NEVER) {
			r = -EIO;
			break;
		}
		if (h->nonblock) {
			r = -EAGAIN;
			break;
		}
		if (interrupted()) {
			r = -EINTR;
			break;
		}
		if (stopping(d)) {
			r = -ENOTCONN; /* what the mount answers once zunfs is gone */
			break;
		}
		zf_registry_wait_locked(d->reg, WAIT_SLICE_MS);
	}
	zf_registry_unlock(d->reg);
	return r;
}

/* tty and exec: blocks for output (FIFO-like), EOF when the stream ends. */
static int read_session(struct zf_daemon *d, struct handle *h, char *buf, size_t size)
{
	if (!h->session)
		return 0; /* exec before its command: nothing will come */
	for (;;) {
		ssize_t n = zf_session_read(h->session, buf, size, h->nonblock ? 0 : WAIT_SLICE_MS);

		if (n != -EAGAIN || h->nonblock)
			return (int)n;
		if (interrupted())
			return -EINTR;
		if (stopping(d))
			return 0; /* the attach ends with zunfs; the container runs on */
	}
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct zf_daemon *d = daemon_of();
	struct handle *h = handle_of(fi);
	int r = 0;

	(void)path;
	if (h->data_fd >= 0) {
		ssize_t n = pread(h->data_fd, buf, size, off);

		return n < 0 ? -errno : (int)n;
	}
	if (h->temp)
		return (int)zf_temp_read(d->temps, h->uuid, h->path.leaf, h->owner, buf, size, off);
	if (h->path.node == ZF_NODE_FILE && (h->path.file == ZF_FILE_TTY || h->path.file == ZF_FILE_EXEC))
		return read_session(d, h, buf, size);
	if (h->path.node == ZF_NODE_FILE && h->path.file == ZF_FILE_LOGS) {
		ssize_t n;

		if (h->log_fd < 0) { /* no output yet when it was opened: look again */
			char lp[PATH_MAX];

			zf_logs_path(d->logs, h->uuid, lp, sizeof(lp));
			h->log_fd = open(lp, O_RDONLY | O_CLOEXEC);
			if (h->log_fd < 0)
				return 0;
		}
		n = pread(h->log_fd, buf, size, off);
		return n < 0 ? -errno : (int)n;
	}
	switch (h->path.node) {
	case ZF_NODE_EVENTS:
		return read_events(d, h, buf, size);
	case ZF_NODE_UNTIL:
		return read_until(d, h, buf, size);
	default:
		break;
	}
	if (off == 0 && !h->writing && h->path.node == ZF_NODE_FILE &&
	    zf_file_is_rendered(h->path.file)) {
		/* a read from the start sees the object as it is now (poll, then re-read) */
		zf_registry_lock(d->reg);
		struct zf_object *obj = zf_registry_find_uuid_locked(d->reg, h->uuid);

		r = obj ? snapshot_locked(d, h, obj) : -ENOENT;
		zf_registry_unlock(d->reg);
	}
	return r < 0 ? r : read_slice(h, buf, size, off);
}

/* The longest exec command line. */
#define EXEC_LINE_MAX 4096

/* tty: to the container's stdin. exec: the first write is the command line,
 * later ones go to its stdin (with -i). */
static int write_session(struct zf_daemon *d, struct handle *h, const char *buf, size_t size)
{
	size_t done = 0;

	if (!h->session) {
		char line[EXEC_LINE_MAX];
		int r;

		if (size >= sizeof(line))
			return -E2BIG;
		memcpy(line, buf, size);
		line[size] = '\0';
		line[strcspn(line, "\n")] = '\0';
		r = zf_session_exec(d, h->uuid, line, session_wake, h, &h->session, NULL, 0);
		if (r < 0)
			return r;
		if (zf_session_has_tty(h->session))
			note_tty_exec(d, h->uuid, zf_session_exec_id(h->session), true);
		return (int)size;
	}
	while (done < size) {
		ssize_t n = zf_session_write(h->session, buf + done, size - done, WAIT_SLICE_MS);

		if (n == -EAGAIN) {
			if (h->nonblock)
				return done ? (int)done : -EAGAIN;
			if (interrupted())
				return done ? (int)done : -EINTR;
			if (stopping(d))
				return done ? (int)done : -EPIPE;
			continue;
		}
		if (n < 0)
			return done ? (int)done : (int)n;
		done += (size_t)n;
	}
	return (int)done;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct zf_daemon *d = daemon_of();
	struct handle *h = handle_of(fi);
	size_t end;
	int r;

	(void)path;
	if (h->data_fd >= 0) {
		ssize_t n = pwrite(h->data_fd, buf, size, off);

		return n < 0 ? -errno : (int)n;
	}
	if (h->temp)
		return (int)zf_temp_write(d->temps, h->uuid, h->path.leaf, h->owner, buf, size, off);
	if (h->path.node == ZF_NODE_FILE && (h->path.file == ZF_FILE_TTY || h->path.file == ZF_FILE_EXEC))
		return write_session(d, h, buf, size);
	if (h->path.node == ZF_NODE_FILE && h->path.file == ZF_FILE_CTL) {
		char line[ZF_JOB_ARG_MAX];

		if (size >= sizeof(line))
			return -EINVAL;
		memcpy(line, buf, size);
		line[size] = '\0';
		r = zf_action_ctl(d, h->uuid, line, interrupted);
		return r < 0 ? r : (int)size;
	}
	if (!h->writing)
		return -EBADF;
	if (off < 0 || (size_t)off + size > ZF_SPEC_MAX)
		return -EFBIG;
	end = (size_t)off + size;
	r = zf_grow(&h->buf, &h->cap, end);
	if (r < 0)
		return r;
	if ((size_t)off > h->len)
		memset(h->buf + h->len, ' ', (size_t)off - h->len);
	memcpy(h->buf + off, buf, size);
	if (end > h->len)
		h->len = end;
	h->buf[h->len] = '\0';
	h->dirty = true;
	return (int)size;
}

/* close(): a spec written through this handle is validated and applied here,
 * so a bad one fails the close() with EINVAL. */
static int op_flush(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);

	(void)path;
	if (!h->writing || !h->dirty)
		return 0;
	h->dirty = false;
	h->applied = true;
	return zf_action_apply_spec(daemon_of(), h->uuid, h->buf ? h->buf : "", h->len, h->owner);
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct zf_daemon *d = daemon_of();
	struct handle *h = handle_of(fi);

	(void)path;
	/* `: > spec.yaml` (O_TRUNC, nothing written) is an empty spec. At the
	 * last close, not at flush: a shell's `>` closes a dup of the fd before
	 * its command writes. What close() cannot report, status_reason says. */
	if (h->writing && h->truncated && !h->applied)
		zf_action_apply_spec(d, h->uuid, "", 0, h->owner);
	if (h->session) {
		if (h->path.file == ZF_FILE_TTY)
			count_attach(d, h->uuid, -1);
		else if (zf_session_has_tty(h->session))
			note_tty_exec(d, h->uuid, zf_session_exec_id(h->session), false);
		/* first: its pump may still wake this handle's poller */
		zf_session_free(h->session);
		h->session = NULL;
	}
	if (h->log_fd >= 0)
		close(h->log_fd);
	if (h->data_fd >= 0)
		close(h->data_fd);
	handle_free(h);
	return 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);

	(void)path;
	if (h->data_fd < 0)
		return 0; /* zunfs's own files are in memory or in the store already */
	return (datasync ? fdatasync(h->data_fd) : fsync(h->data_fd)) < 0 ? -errno : 0;
}

enum temp_op { TEMP_EXISTS, TEMP_TRUNCATE, TEMP_UNLINK };

/* An operation on the caller's temp file at p (a ZF_NODE_OTHER path). */
static int with_temp(const struct zf_path *p, enum temp_op op, off_t size)
{
	struct zf_daemon *d = daemon_of();
	char uuid[ZF_UUID_LEN + 1];
	int r;

	if (object_uuid(d, p, uuid) < 0)
		return -ENOENT;
	switch (op) {
	case TEMP_TRUNCATE:
		return zf_temp_truncate(d->temps, uuid, p->leaf, caller_uid(), size);
	case TEMP_UNLINK:
		return zf_temp_remove(d->temps, uuid, p->leaf, caller_uid());
	default:
		r = (int)zf_temp_size(d->temps, uuid, p->leaf, caller_uid());
		return r < 0 ? r : 0;
	}
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct zf_daemon *d = daemon_of();
	struct zf_object *obj;
	struct zf_path p;
	char *text;
	int r;

	if (fi) {
		struct handle *h = handle_of(fi);

		if (h->data_fd >= 0)
			return ftruncate(h->data_fd, size) < 0 ? -errno : 0;
		if (h->temp)
			return zf_temp_truncate(d->temps, h->uuid, h->path.leaf, h->owner, size);
		if (!h->writing)
			return -EACCES;
		if (size < 0 || (size_t)size > ZF_SPEC_MAX)
			return -EFBIG;
		if ((r = zf_grow(&h->buf, &h->cap, (size_t)size)) < 0)
			return r;
		if ((size_t)size > h->len)
			memset(h->buf + h->len, ' ', (size_t)size - h->len);
		h->len = (size_t)size;
		h->buf[h->len] = '\0';
		h->dirty = true;
		return 0;
	}
	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_TRUNCATE, &(struct data_args){ .n = size });
	if (p.node == ZF_NODE_OTHER)
		return with_temp(&p, TEMP_TRUNCATE, size);
	if (p.node != ZF_NODE_FILE)
		return -EISDIR;
	if (p.file != ZF_FILE_SPEC)
		return -EACCES;
	/* truncate(1) on spec.yaml: the cut spec is applied like any other */
	char uuid[ZF_UUID_LEN + 1];

	zf_registry_lock(d->reg);
	obj = object_locked(d, &p);
	text = obj ? strdup(obj->rec.spec) : NULL;
	if (obj)
		memcpy(uuid, obj->rec.uuid, sizeof(uuid));
	zf_registry_unlock(d->reg);
	if (!obj)
		return -ENOENT;
	if (!text)
		return -ENOMEM;
	if ((size_t)size < strlen(text))
		text[size] = '\0';
	r = zf_action_apply_spec(d, uuid, text, strlen(text), caller_uid());
	free(text);
	return r;
}

static int op_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
		   unsigned *reventsp)
{
	struct zf_daemon *d = daemon_of();
	struct handle *h = handle_of(fi);
	bool ready = false;

	(void)path;
	zf_registry_lock(d->reg);
	if (h->path.node == ZF_NODE_EVENTS) {
		ready = h->ev_pos < zf_eventlog_tail(d->events);
	} else if (h->path.node == ZF_NODE_UNTIL || h->path.node == ZF_NODE_FILE) {
		struct zf_object *obj = zf_registry_find_uuid_locked(d->reg, h->uuid);

		if (!obj)
			ready = true;
		else if (h->path.node == ZF_NODE_UNTIL)
			ready = zf_until_verdict(obj->rec.kind, obj->rec.status, obj->rec.task_state,
						 h->path.leaf) != ZF_UNTIL_WAIT;
		else if (h->path.file == ZF_FILE_TTY || h->path.file == ZF_FILE_EXEC)
			ready = !h->session || zf_session_readable(h->session);
		else
			ready = obj->gen != h->gen_seen;
	} else {
		ready = true;
	}
	pthread_mutex_lock(&poll_lock);
	if (ph) {
		if (h->ph)
			fuse_pollhandle_destroy(h->ph);
		else {
			h->poll_next = pollers;
			pollers = h;
		}
		h->ph = ph;
	}
	pthread_mutex_unlock(&poll_lock);
	zf_registry_unlock(d->reg);
	*reventsp = ready ? (POLLIN | POLLRDNORM) : 0;
	return 0;
}

/* Registry change hook (registry lock held): wakes the pollers it concerns. */
static void on_change(const struct zf_object *obj, void *userdata)
{
	(void)userdata;
	pthread_mutex_lock(&poll_lock);
	for (struct handle **pp = &pollers; *pp;) {
		struct handle *h = *pp;

		/* events readers care about every change */
		if (h->path.node == ZF_NODE_EVENTS || strcmp(h->uuid, obj->rec.uuid) == 0) {
			fuse_notify_poll(h->ph);
			fuse_pollhandle_destroy(h->ph);
			h->ph = NULL;
			*pp = h->poll_next;
			h->poll_next = NULL;
			continue;
		}
		pp = &h->poll_next;
	}
	pthread_mutex_unlock(&poll_lock);
}

static int op_deny(void)
{
	return -EPERM;
}

/* Only in an object directory, and only as a step to replace spec.yaml. */
static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct zf_daemon *d = daemon_of();
	struct zf_path p;
	int r;

	char uuid[ZF_UUID_LEN + 1];

	r = zf_path_parse(path, &p);
	if (r == 0 && p.node == ZF_NODE_DATA)
		return open_common(path, fi, mode);
	/* inside an object the caller may not see, nothing is there to refuse:
	 * absent (a name the kernel still caches from its owner's lookup) */
	if (r == 0 && p.node > ZF_NODE_OBJECT && p.node != ZF_NODE_MEMBERS &&
	    object_uuid(d, &p, uuid) < 0)
		return -ENOENT;
	if (r < 0 || p.node != ZF_NODE_OTHER)
		return r == -ENAMETOOLONG ? r : -EPERM;
	r = zf_temp_create(d->temps, uuid, p.leaf, caller_uid());
	if (r < 0)
		return r;
	r = op_open(path, fi);
	if (r < 0)
		zf_temp_remove(d->temps, uuid, p.leaf, caller_uid());
	return r;
}

static int op_unlink(const char *path)
{
	struct zf_path p;
	int r = zf_path_parse(path, &p);

	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_UNLINK, &(struct data_args){ 0 });
	return p.node == ZF_NODE_OTHER ? with_temp(&p, TEMP_UNLINK, 0) : op_deny();
}

static int op_mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)path, (void)mode, (void)dev;
	return op_deny();
}

static int op_link2(const char *from, const char *to)
{
	(void)from, (void)to;
	return op_deny();
}

/* Symbolic links only in a volume's data/: the target is kept as given. */
static int op_symlink(const char *target, const char *path)
{
	struct zf_path p;

	if (zf_path_parse(path, &p) < 0 || p.node != ZF_NODE_DATA)
		return op_deny();
	return data_op(path, &p, DATA_SYMLINK, &(struct data_args){ .target = target });
}

/* The one rename there is: a temp file over its object's spec.yaml, applied
 * like a write of spec.yaml (an invalid spec fails the rename with EINVAL and
 * leaves the temp file). */
static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct zf_daemon *d = daemon_of();
	struct zf_path pf, pt;
	char uuid[ZF_UUID_LEN + 1], *text = NULL;
	size_t len;
	int r;

	if (zf_path_parse(from, &pf) == 0 && zf_path_parse(to, &pt) == 0 &&
	    (pf.node == ZF_NODE_DATA || pt.node == ZF_NODE_DATA)) {
		struct zf_caller who = caller();
		char root[PATH_MAX];
		const char *relf, *relt;

		/* within one volume's files; anything else is another file system */
		if (pf.node != pt.node || strcmp(pf.name, pt.name) != 0)
			return -EXDEV;
		r = data_root(d, from, &pf, root, &relf);
		relt = to + pt.rel;
		return r < 0 ? r : zf_data_rename(root, relf, relt, &who, flags);
	}
	if (zf_path_parse(from, &pf) < 0 || zf_path_parse(to, &pt) < 0 ||
	    pf.node != ZF_NODE_OTHER || pt.node != ZF_NODE_FILE || pt.file != ZF_FILE_SPEC ||
	    pf.kind != pt.kind || strcmp(pf.name, pt.name) != 0 ||
	    strcmp(pf.capsule, pt.capsule) != 0)
		return op_deny();
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (flags & RENAME_NOREPLACE)
		return -EEXIST; /* spec.yaml is always there */
	if (object_uuid(d, &pf, uuid) < 0)
		return -ENOENT;
	r = zf_temp_copy(d->temps, uuid, pf.leaf, caller_uid(), &text, &len);
	if (r < 0)
		return r;
	r = zf_action_apply_spec(d, uuid, text, len, caller_uid());
	free(text);
	if (r == 0)
		zf_temp_remove(d->temps, uuid, pf.leaf, caller_uid());
	return r;
}

/* sed -i and editors give their temp file the original's mode and owner: let them. */
static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct zf_path p;

	if (!path && fi)
		path = handle_of(fi)->path_str;
	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_CHMOD, &(struct data_args){ .n = mode });
	if (!path || zf_path_parse(path, &p) < 0 || p.node != ZF_NODE_OTHER)
		return op_deny();
	return with_temp(&p, TEMP_EXISTS, 0);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct zf_path p;

	if (!path && fi)
		path = handle_of(fi)->path_str;
	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_CHOWN, &(struct data_args){ .uid = uid, .gid = gid });
	return op_chmod(path, 0, fi);
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct stat st;

	struct zf_path p;

	if (!path && fi)
		path = handle_of(fi)->path_str;
	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_UTIMENS, &(struct data_args){ .tv = tv });
	/* touch(1) on an existing file is harmless; times are the object's own */
	return op_getattr(path, &st, fi);
}

static int op_statfs(const char *path, struct statvfs *st)
{
	struct zf_path p;

	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return data_op(path, &p, DATA_STATFS, &(struct data_args){ .svfs = st });
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namemax = 255;
	return 0;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	struct zf_daemon *d = daemon_of();

	/*
	 * Sizes and absences change behind the kernel's back: never cache them.
	 * Names may be cached a moment: every operation resolves its path here
	 * again (and checks who asks), so a stale name only saves a lookup. Not
	 * with allow_other: the kernel's name cache is one for all users, and a
	 * name its owner looked up would be found by another user's path walk.
	 */
	cfg->entry_timeout = d->opts.allow_other ? 0 : 1.0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->use_ino = 0;
	/* ops on an open file get no path, so libfuse takes no path lock for them:
	 * a reader blocked in until/ must not hold up rmdir of its object */
	cfg->nullpath_ok = 1;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (d->reg)
		zf_registry_set_change_cb(d->reg, on_change, NULL);
	return d;
}

static void op_destroy(void *private_data)
{
	struct zf_daemon *d = private_data;

	if (d->reg)
		zf_registry_set_change_cb(d->reg, NULL, NULL);
}

const struct fuse_operations zf_fuse_ops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.readlink = op_readlink,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.truncate = op_truncate,
	.poll = op_poll,
	.create = op_create,
	.unlink = op_unlink,
	.mknod = op_mknod,
	.symlink = op_symlink,
	.link = op_link2,
	.rename = op_rename,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.statfs = op_statfs,
};
