/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the FUSE side (fs/fuse/, the only users of <fuse_lowlevel.h>): who
 * asks, the open-file handle and the rows that serve each kind of open file.
 *
 * Every open file is a struct zf_handle whose ops point at its kind's row
 * (struct zf_file_ops): lowlevel.c's read, write, truncate, flush, poll and
 * release call the row, never a chain of ifs over the handle. The row for a
 * path is picked once, at open, by zf_fuse_row(): the tree's serve column
 * for an object's file (tree.h), the node for the rest. A new way to serve
 * a file is one row here and its value in enum zf_serve.
 *
 * No request holds a thread while it waits (libfuse's low-level API lets a
 * request be answered later, from any thread): a read that would block is
 * parked (waits.c) and answered when its row can answer it, and an open or
 * write that waits on the engine runs in the engine room (room.c), a few
 * threads shared fairly between users. Rows never block.
 *
 * Lock order: the registry lock, then poll_lock (handle.c), then the
 * shares' lock (shares.c). waits.c's and room.c's locks and the nodes'
 * lock (nodes.c) are taken alone.
 */
#pragma once

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../daemon.h"
#include "../tree.h"
#include "../volume_data.h"
#include "nodes.h"

/* Open handles at once: every resource a user can grow has a cap (shares.c
 * gives each user a share of them). */
#define MAX_HANDLES 8192

struct zf_handle;
struct zf_session;

/* What one kind of open file does. A NULL slot is the default named. */
struct zf_file_ops {
	const char *what; /* for messages */
	/* open waits on the engine (an attach, a snapshot): it runs in the
	 * engine room (room.c), not on a FUSE thread */
	bool slow_open;
	/* this write waits on the engine (a ctl command, exec's command
	 * line): in the engine room too. NULL: never. */
	bool (*slow_write)(struct zf_handle *h);
	/* its reads (and writes) may answer -EAGAIN, and are then parked
	 * (waits.c) until the handle is kicked */
	bool parks;
	/* what a parked read gets when zunfs stops: 0 (EOF) or -errno */
	int stopped;
	/* release waits (a stream's pump joined): in the engine room, after
	 * the kernel has its answer */
	bool slow_release;
	/* Registry lock held. obj: the caller's object the path is in (NULL for
	 * events and version). acc: O_RDONLY, O_WRONLY or O_RDWR. NULL: 0. */
	int (*open_locked)(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			   struct fuse_file_info *fi, int acc);
	/* Then, without the lock: may call the engine or open a host file.
	 * mode: O_CREAT's. NULL: 0. */
	int (*open)(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		    mode_t mode);
	/* NULL: reads the handle's buffer. Never blocks: -EAGAIN when it
	 * would, and the read is parked (waits.c) until the row's source
	 * kicks the handle (zf_handle_wake, zf_handle_wake_changed). */
	int (*read)(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size, off_t off);
	/* a host file's fd that reads are spliced from (data/), or -1: read */
	int (*read_fd)(struct zf_handle *h);
	/* NULL: -EBADF. Never blocks unless slow_write says so: -EAGAIN (or
	 * a short count) when the rest would, and it is retried later. */
	int (*write)(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		     off_t off);
	/* ftruncate; NULL: -EACCES */
	int (*truncate)(struct zf_daemon *d, struct zf_handle *h, off_t size);
	/* fallocate(2); NULL: -EOPNOTSUPP (never ENOSYS: the kernel would stop
	 * asking for every file) */
	int (*fallocate)(struct zf_handle *h, int mode, off_t off, off_t len);
	/* close(): its result is close()'s; NULL: 0 */
	int (*flush)(struct zf_daemon *d, struct zf_handle *h);
	/* NULL: 0 (zunfs's own files are in memory or in the store already) */
	int (*fsync)(struct zf_handle *h, int datasync);
	/* fstat of an open host file; NULL: by the path */
	int (*fstat)(struct zf_handle *h, struct stat *st);
	/* poll: whether a read would not block. Registry lock held; obj: the
	 * handle's object, NULL if gone. NULL: always. */
	bool (*ready)(struct zf_daemon *d, struct zf_handle *h, const struct zf_object *obj);
	/* the last close; then the handle is freed. NULL: nothing more. */
	void (*release)(struct zf_daemon *d, struct zf_handle *h);
};

struct zf_handle {
	const struct zf_file_ops *ops;
	char *path_str; /* as opened: later ops on the open file use it */
	uint64_t ino; /* the kernel's node of the file (nodes.h) */
	struct zf_path path;
	char uuid[ZF_UUID_LEN + 1]; /* the object it is in, "" for events/version */
	unsigned owner; /* uid that opened it: temp files and spec writes are its */
	bool nonblock;
	/* the text rows' snapshot, or the spec being written */
	/* buf, len, cap and dirty: two ops on one open file may run at once
	 * (pread from two threads, a read beside a write); taken after the
	 * registry lock, never before it */
	pthread_mutex_t buf_lock;
	char *buf;
	size_t len, cap;
	uint64_t gen_seen; /* object generation of the snapshot (poll) */
	/* spec.yaml written */
	bool writing; /* opened for writing */
	bool truncated; /* with O_TRUNC */
	bool dirty; /* written since the last flush */
	bool applied; /* a spec written through it went to zf_action_apply_spec */
	int write_err; /* a write or truncate of it failed: never applied */
	char *spec_at_open; /* O_TRUNC: the spec in force then (a later writer's wins) */
	/* spec.yaml renamed over since this open: like a regular file's old
	 * inode, it keeps what it had (no new snapshot, nothing applied) */
	atomic_bool replaced;
	uint64_t seq; /* order of opens (handle.c): which came before a rename */
	bool until_done;
	uint64_t ev_pos; /* events: next line to read */
	bool cache_stale; /* text rows: the kernel's pages are dropped at open (cache.c) */
	struct zf_session *session; /* tty, or exec once its command was written */
	int fd; /* logs: the log file; data/: the host file; else -1 */
	struct zf_wait *waits; /* protected by waits.c's lock: parked requests */
	struct zf_handle *kick_next; /* protected by waits.c's lock */
	bool kicked; /* protected by waits.c's lock: in the kick queue */
	uint64_t kicks; /* protected by waits.c's lock: every kick counts */
	struct zf_caller who; /* data/: the opener, whom its writes are made as */
	struct fuse_pollhandle *ph; /* protected by poll_lock */
	struct zf_handle *poll_next; /* protected by poll_lock */
	struct zf_handle *all_prev, *all_next; /* protected by poll_lock: every handle */
};

/* context.c: who asks, and what their path names */
/* Who a request is from, as the fs_ functions see it (zf_fuse_uid(), ...):
 * set on the thread that works for the request, a FUSE thread or the
 * engine room's. */
struct zf_req {
	fuse_req_t req; /* for fuse_req_getgroups and interrupts */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	mode_t umask;
	/* a room task's own flag, set by its interrupt; NULL: ask libfuse */
	atomic_bool *interrupted;
};
void zf_req_init(struct zf_req *r, fuse_req_t req);
/* This thread now works for r (NULL: for nobody); r must outlive that. */
void zf_fuse_set_request(const struct zf_req *r);
const struct zf_req *zf_fuse_request(void);
void zf_fuse_set_daemon(struct zf_daemon *d);
struct zf_daemon *zf_fuse_daemon(void);
unsigned zf_fuse_uid(void);
/* The caller's gid (its mkdir's group for what it makes). */
unsigned zf_fuse_gid(void);
struct zf_caller zf_fuse_caller(void);
bool zf_fuse_interrupted(void);
/* The object a path is in, if the caller may see it; NULL otherwise. Lock held. */
struct zf_object *zf_fuse_object_locked(struct zf_daemon *d, const struct zf_path *p);
/* The capsule whose members directory p is (ZF_NODE_MEMBERS); lock held. */
struct zf_object *zf_fuse_members_dir_locked(struct zf_daemon *d, const struct zf_path *p);
/* The uuid of the caller's object at p: 0, or -ENOENT. */
int zf_fuse_object_uuid(struct zf_daemon *d, const struct zf_path *p,
			char ret_uuid[ZF_UUID_LEN + 1]);
time_t zf_fuse_parse_time(const char *rfc3339);

/* handle.c: the handles, their cap and their pollers */
/* A new handle for path (parsed, counted against the caller's share of
 * MAX_HANDLES: shares.c), no row yet: 0, -EMFILE (the caller's share is
 * used), -ENFILE (all are), -ENOMEM or the path's errno. */
int zf_handle_new(const char *path, struct fuse_file_info *fi, struct zf_handle **ret_handle);
void zf_handle_free(struct zf_handle *h);
/* At the end, the loop gone: frees the handles the kernel never released
 * (files still open when zunfs stopped), their streams and files with them. */
void zf_handle_free_all(void);
struct zf_handle *zf_handle_of(struct fuse_file_info *fi);
/* Takes text (NULL: -ENOMEM) as the handle's buffer. */
int zf_handle_set_buf(struct zf_handle *h, char *text);
/* A read of the buffer at off. */
int zf_handle_read_buf(struct zf_handle *h, char *buf, size_t size, off_t off);
/* The length of h's buffer (under its lock). */
size_t zf_handle_len(struct zf_handle *h);
/* poll(): keeps ph to notify h's poller later (lock order: registry, then poll_lock). */
void zf_handle_poll_wait(struct zf_handle *h, struct fuse_pollhandle *ph);
/* h's source has something new: wakes its poller, if any, and kicks its
 * parked requests (from any thread; waits.h). */
void zf_handle_wake(void *h);
/* Where the opens stand now: a handle made later has a larger seq. */
uint64_t zf_handle_seq_now(void);
/* A rename put a new file at object uuid's spec.yaml: its handles opened
 * up to seq (zf_handle_seq_now before the rename) are the old file's.
 * Registry lock held (open_common sets a handle's uuid under it). */
void zf_handle_mark_replaced(const char *uuid, uint64_t seq);
/* Object uuid of owner changed: wakes (and kicks: waits.h) the pollers and
 * parked reads of its files, and of the events of that owner and root. */
void zf_handle_wake_changed(const char *uuid, unsigned owner);

/* cache.c: the kernel's cache of the rendered files. The registry's change
 * callback queues the object's invalidation, then its pollers' wakeup. */
void zf_fuse_on_change(const struct zf_object *obj, void *userdata);
int zf_fuse_cache_start(struct fuse_session *se);
void zf_fuse_cache_stop(void);
/* Drops path's pages and attributes from the kernel now; never with the
 * registry lock held. */
void zf_fuse_cache_invalidate(const char *path);
/* Waits (up to a second) until the changes queued so far were handled:
 * what rmdir removed is gone from the kernel's caches when it returns. */
void zf_fuse_cache_sync(void);
/* What identifies a text served to the kernel (never 0). */
uint64_t zf_fuse_text_hash(const char *text, size_t len);
/* Which text of object uuid's file f the kernel was last served (0: none),
 * and that it now was hash. Lock order: the registry's, then this one. */
uint64_t zf_fuse_cache_served(const char *uuid, enum zf_file f);
void zf_fuse_cache_set_served(const char *uuid, enum zf_file f, uint64_t hash);

/* files.c, streams.c, data.c: the rows */
/* The row that serves path p (ZF_NODE_FILE, _UNTIL, _OTHER, _EVENTS,
 * _VERSION, _DATA); NULL for a directory. */
const struct zf_file_ops *zf_fuse_row(const struct zf_path *p);
extern const struct zf_file_ops zf_text_row, zf_spec_row, zf_ctl_row, zf_version_row,
	zf_events_row, zf_until_row, zf_temp_row;
extern const struct zf_file_ops zf_tty_row, zf_exec_row, zf_logs_row, zf_engine_row;
extern const struct zf_file_ops zf_data_row;

/* data.c: a volume's data/ for the path operations */
enum zf_data_op {
	ZF_DATA_MKDIR,
	ZF_DATA_RMDIR,
	ZF_DATA_UNLINK,
	ZF_DATA_SYMLINK,
	ZF_DATA_CHMOD,
	ZF_DATA_CHOWN,
	ZF_DATA_TRUNCATE,
	ZF_DATA_UTIMENS,
	ZF_DATA_READLINK,
	ZF_DATA_STATFS,
	ZF_DATA_STAT,
	ZF_DATA_LIST,
	ZF_DATA_MKNOD,
	ZF_DATA_ACCESS,
};

/* What a data op takes beside the path (each op reads its own fields). */
struct zf_data_args {
	const char *target; /* symlink */
	off_t n; /* mkdir, mknod, chmod: the mode; truncate: the size; access: the mask */
	dev_t dev; /* mknod */
	uid_t uid; /* chown */
	gid_t gid;
	const struct timespec *tv; /* utimens */
	char *buf; /* readlink */
	size_t size;
	struct statvfs *svfs; /* statfs */
	struct stat *st; /* stat */
	void (*each)(const char *name, void *userdata); /* list */
	void *userdata;
};

/* One path operation in a volume's data/ (p: a ZF_NODE_DATA path), as the caller. */
int zf_fuse_data_op(const char *path, const struct zf_path *p, enum zf_data_op op,
		    const struct zf_data_args *a);
/* A rename within one volume's data/ (EXDEV otherwise). */
int zf_fuse_data_rename(const char *from, const struct zf_path *pf, const char *to,
			const struct zf_path *pt, unsigned int flags);
/* At init: takes FUSE_CAP_DONT_MASK (data/ applies the caller's umask) and
 * FUSE_CAP_HANDLE_KILLPRIV (set-ID bits are cleared by the host file system,
 * as the writer), and notes whether the kernel still asks with a chmod. */
void zf_fuse_data_init(struct fuse_conn_info *conn);
/* Whether the volume at p has its files somewhere (volumes/NAME/data). */
bool zf_fuse_volume_has_data(struct zf_daemon *d, const struct zf_path *p);

/* files.c: the caller's temp files (spec.yaml replacements) by path */
enum zf_temp_op { ZF_TEMP_EXISTS, ZF_TEMP_TRUNCATE, ZF_TEMP_UNLINK };
int zf_fuse_temp_op(const struct zf_path *p, enum zf_temp_op op, off_t size);
