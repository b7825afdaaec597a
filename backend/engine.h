/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container engine interface.
 *
 * zunfs's FUSE layer drives containers only through this table of function
 * pointers, so the Docker driver (docker.c) is one implementation among the
 * ones to come. Nothing here knows about paths, inodes or FUSE. Volumes'
 * storage is not here: volume drivers (volume_driver.h) make it, the
 * local one over this engine's volume API.
 *
 * Conventions for every call:
 *  - returns 0 (or a count) on success, a negative errno on failure;
 *  - `err` may be NULL; when not NULL and the call fails, err->msg holds the
 *    engine's own words (e.g. "No such image: foo:latest");
 *  - ret_* output parameters are written only on success and belong to the
 *    caller (free with the matching *_free or free()).
 *  - every call is safe from any thread; calls may block on the network.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZF_ERR_MSG_MAX 512

struct zf_err {
	char msg[ZF_ERR_MSG_MAX];
};

/* Fills err->msg (if err) like snprintf; returns -errnum for chaining. */
int zf_err_set(struct zf_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct zf_kv {
	char *key;
	char *value;
};

/* Deep copies of n pairs, and of a NULL-terminated array of strings (NULL
 * or 0 give NULL); 0, or -ENOMEM with nothing left allocated. */
int zf_kv_dup(const struct zf_kv *kv, size_t n, struct zf_kv **ret);
int zf_strv_dup(char *const *v, char ***ret);

struct zf_port {
	int container_port;
	int host_port; /* 0: none asked */
	char protocol[8]; /* "tcp", "udp" or "sctp" */
};

/* A volume in a container: an engine volume by name, or a host directory
 * (what a volume driver's mount_for_container gives, volume_driver.h). */
struct zf_mount {
	char *source; /* the engine volume's name, or a host path when bind */
	char *target; /* absolute path in the container */
	bool read_only;
	bool bind;
};

enum zf_pull_policy {
	ZF_PULL_IF_NOT_PRESENT = 0,
	ZF_PULL_ALWAYS,
	ZF_PULL_NEVER,
};

/*
 * The engine's one check of a container (Docker's HEALTHCHECK): it runs test
 * in the container every interval; retries failures in a row make it
 * unhealthy, one pass healthy; failures within start_period of the start
 * count for nothing until the first pass.
 */
struct zf_healthcheck {
	char **test; /* "CMD", ARGV... or "CMD-SHELL", LINE; NULL-terminated */
	int64_t interval_ns; /* 0 for these three: the engine's default */
	int64_t timeout_ns;
	int retries;
	int64_t start_period_ns; /* 0: none */
	/* the interval within the start period (Engine API 1.44 and later);
	 * 0: none asked. An engine without it refuses the container, naming
	 * start_interval_for, the spec's field that asks for it. */
	int64_t start_interval_ns;
	char *start_interval_for;
};

void zf_healthcheck_free(struct zf_healthcheck *h);
/* A deep copy of src (NULL gives NULL). 0 or -ENOMEM. */
int zf_healthcheck_dup(const struct zf_healthcheck *src, struct zf_healthcheck **ret);

/* What one container should be: engine-neutral, filled from a spec. */
struct zf_container_config {
	char *image;
	char **command; /* NULL-terminated; NULL: the image's */
	char *workdir;
	struct zf_kv *env;
	size_t n_env;
	struct zf_kv *labels; /* the user's labels only */
	size_t n_labels;
	char restart_policy[16]; /* engine words: "no", "always", "on-failure", "unless-stopped" */
	int restart_max_retries;
	enum zf_pull_policy pull_policy;
	int64_t nano_cpus; /* 0: no limit */
	int64_t memory_bytes; /* 0: no limit */
	struct zf_port *ports;
	size_t n_ports;
	bool tty;
	bool stdin_open;
	/* what lowers privilege (a securityContext): */
	char *user; /* "UID[:GID]" or ":GID"; NULL: the image's */
	bool read_only_rootfs;
	bool no_new_privileges;
	char **cap_drop; /* NULL-terminated, or NULL */
	int64_t *group_add; /* supplementary groups */
	size_t n_group_add;
	/* resolv.conf (a container of its own network only: the engine refuses
	 * them on one that joins another's): NULL-terminated, or NULL */
	char **dns, **dns_search, **dns_options;
	struct zf_healthcheck *health; /* NULL: none asked (the image's, if it has one) */
	/* set by zunfs, not by a spec: */
	char *hostname;
	char *join_ns; /* engine id whose network, IPC and UTS namespaces to join */
	bool ipc_shareable; /* a sandbox: others may join its IPC namespace */
	struct zf_mount *mounts; /* from volumeMounts (and a sandbox's volumes) */
	size_t n_mounts;
	char *volumes_from; /* engine id whose volumes to mount too (a sandbox's) */
};

void zf_container_config_free(struct zf_container_config *c);
/*
 * A deep copy of src (NULL gives NULL): a worker changes its own copy
 * (mounts, namespaces, security) while the object's stays as parsed.
 * 0 or -ENOMEM.
 */
int zf_container_config_dup(const struct zf_container_config *src,
			    struct zf_container_config **ret);

/*
 * Labels zunfs puts on every engine object it makes (see docs/design.md):
 * which object owns it. What else the caller labels its containers with
 * (zunfs.* words of its own) goes in extra, set after the user's labels so
 * that none can mask them; a listing gives them back (ZF_LABEL_PREFIX).
 */
struct zf_owner_labels {
	const char *uuid;
	const char *kind; /* "container", ... */
	const char *name;
	const char *instance; /* which zunfs state store made it */
	unsigned owner_uid;
	const struct zf_kv *extra; /* keys start with ZF_LABEL_PREFIX */
	size_t n_extra;
	char engine_name[128]; /* the container's name in the engine; "": the engine's choice */
};

#define ZF_LABEL_PREFIX "zunfs."
#define ZF_LABEL_UUID "zunfs.uuid"
#define ZF_LABEL_KIND "zunfs.kind"
#define ZF_LABEL_NAME "zunfs.name"
#define ZF_LABEL_OWNER "zunfs.owner"
#define ZF_LABEL_INSTANCE "zunfs.instance"
/* absent: the object's own; "sandbox", "member.NAME", "init.NAME"; a capsule's volumes "cinder.NAME" */
#define ZF_LABEL_ROLE "zunfs.role"

/* What the engine says of a container's check (inspect's State.Health). */
struct zf_health {
	char status[16]; /* "starting", "healthy", "unhealthy"; "": no check */
	int failing_streak;
	/* the last check it ran: end[0] == '\0' when none yet */
	int exit_code; /* -1 when the engine could not run it (no such command, timeout) */
	char end[40];
	char output[512]; /* its output, trailing blank lines off; the last bytes when long */
};

/* The engine's view of one container. */
struct zf_container_state {
	char id[72];
	char status[16]; /* engine word: created running paused restarting removing exited dead */
	int exit_code;
	int pid;
	bool oom_killed;
	char error[256]; /* the engine's State.Error, may be empty */
	char started_at[40];
	char finished_at[40];
	char uuid[40]; /* from the zunfs.uuid label, may be empty */
	char instance[40];
	char ip[48]; /* its address on an engine network, "" with none (network none) */
	struct zf_health health;
};

#define ZF_SUMMARY_LABELS_MAX 6

/* One line of a container listing. */
struct zf_container_summary {
	char id[72];
	char uuid[40];
	char instance[40];
	char kind[16];
	char name[72];
	char state[16];
	/* its other labels that start with ZF_LABEL_PREFIX (the owner's extra
	 * ones), the first ZF_SUMMARY_LABELS_MAX of them */
	struct {
		char key[40];
		char value[80];
	} labels[ZF_SUMMARY_LABELS_MAX];
	int n_labels;
};

/* The value of label key in s, "" when it has none. */
const char *zf_summary_label(const struct zf_container_summary *s, const char *key);

/* One engine event about a container. */
struct zf_engine_event {
	char id[72];
	char action[32]; /* "start", "die", "destroy", "pause", ... */
	char uuid[40];
	char instance[40];
	int exit_code; /* for "die", else -1 */
};

/* Called with each message of a container's log: its time (RFC 3339 with
 * nanoseconds, fixed width) and bytes; return non-zero to stop. */
typedef int (*zf_log_cb)(const char *time, const char *data, size_t len, void *userdata);

/*
 * A hijacked engine connection (attach, exec): after the HTTP upgrade the
 * socket carries the container's stdin one way and its output the other.
 * zf_stream_read gives the output bytes (demultiplexed when the container
 * has no tty); zf_stream_write sends to stdin. (backend/stream.c)
 */
struct zf_stream;

void zf_stream_free(struct zf_stream *s);
/* Waits up to timeout_ms (-1: forever) for output; 0 at the end of the
 * stream, -EAGAIN on timeout, else the byte count or -errno. */
ssize_t zf_stream_read(struct zf_stream *s, char *buf, size_t size, int timeout_ms);
/* Sends all of buf, waiting up to timeout_ms per chunk; -EAGAIN on timeout. */
ssize_t zf_stream_write(struct zf_stream *s, const char *buf, size_t size, int timeout_ms);
/* No more input: the container sees EOF on stdin. */
void zf_stream_close_write(struct zf_stream *s);
/* Ends a zf_stream_read that waits in another thread (it returns 0). */
void zf_stream_shutdown(struct zf_stream *s);

/*
 * How far a pull has come, summed over the image's layers from the engine's
 * progress stream (each layer's progressDetail {current, total}). Layers
 * whose size the engine has not told count in layers but not in the bytes.
 */
struct zf_pull_progress {
	int layers; /* layers seen so far */
	int layers_done; /* pulled, or already present ("Pull complete", "Already exists") */
	int64_t total; /* bytes of the layers to download whose size is known */
	int64_t downloaded; /* of total, downloaded so far */
	int64_t extracted; /* of total, extracted so far */
};

/* Called by image_pull as its progress changes (often: throttle what it costs). */
typedef void (*zf_pull_progress_cb)(const struct zf_pull_progress *progress, void *userdata);

/* Called by events_follow for each event; return non-zero to stop following. */
typedef int (*zf_event_cb)(const struct zf_engine_event *ev, void *userdata);

struct zf_engine;

struct zf_engine_ops {
	const char *name;
	void (*free)(struct zf_engine *e);

	/* One human line, e.g. "Docker Engine 20.10.24 (API 1.41, linux/amd64, host vm1)". */
	int (*version)(struct zf_engine *e, char **ret_line, struct zf_err *err);
	/* Whether the engine answers within timeout_s (Engine API: GET /_ping). */
	int (*ping)(struct zf_engine *e, long timeout_s, struct zf_err *err);
	/* 0 if the image is present, -ENOENT if not. */
	int (*image_present)(struct zf_engine *e, const char *ref, struct zf_err *err);
	/* The user a present image runs as (its Config.User, "" for root's default). */
	int (*image_user)(struct zf_engine *e, const char *ref, char **ret_user,
			  struct zf_err *err);
	/*
	 * Pulls ref from its registry; progress_cb (may be NULL) is called from
	 * this thread each time the engine reports progress. A failure the
	 * registry reports (missing tag, refused connection) is in err.
	 */
	int (*image_pull)(struct zf_engine *e, const char *ref, zf_pull_progress_cb progress_cb,
			  void *userdata, struct zf_err *err);
	/*
	 * Makes image ref from a tar of its root file system; changes are
	 * Dockerfile lines ("CMD [\"/pause\"]"), NULL-terminated.
	 */
	int (*image_import)(struct zf_engine *e, const char *ref, const void *tar, size_t len,
			    const char *const *changes, struct zf_err *err);

	int (*container_create)(struct zf_engine *e, const struct zf_container_config *cfg,
				const struct zf_owner_labels *owner, char **ret_id,
				struct zf_err *err);
	int (*container_start)(struct zf_engine *e, const char *id, struct zf_err *err);
	/* timeout_s < 0: the engine's default grace period. */
	int (*container_stop)(struct zf_engine *e, const char *id, int timeout_s,
			      struct zf_err *err);
	int (*container_restart)(struct zf_engine *e, const char *id, int timeout_s,
				 struct zf_err *err);
	int (*container_kill)(struct zf_engine *e, const char *id, const char *signal,
			      struct zf_err *err);
	int (*container_pause)(struct zf_engine *e, const char *id, struct zf_err *err);
	int (*container_unpause)(struct zf_engine *e, const char *id, struct zf_err *err);
	int (*container_resize)(struct zf_engine *e, const char *id, int rows, int cols,
				struct zf_err *err);
	/* Removes a stopped container; force also kills a running one. -ENOENT if gone. */
	int (*container_remove)(struct zf_engine *e, const char *id, bool force,
				struct zf_err *err);
	int (*container_inspect)(struct zf_engine *e, const char *id,
				 struct zf_container_state *ret_state, struct zf_err *err);
	/* Every container (running or not) labelled zunfs.instance=instance. Returns the count. */
	int (*container_list)(struct zf_engine *e, const char *instance,
			      struct zf_container_summary **ret_list, struct zf_err *err);

	/*
	 * Interactive mode. attach: the container's output (and stdin when
	 * with_stdin) as a stream; tty says whether the container has one (then
	 * the stream is raw, else multiplexed). -EBUSY when not running.
	 */
	int (*container_attach)(struct zf_engine *e, const char *id, bool with_stdin, bool tty,
				struct zf_stream **ret_stream, struct zf_err *err);
	/* A command to run in the container (argv NULL-terminated); its exec id. */
	int (*exec_create)(struct zf_engine *e, const char *id, char *const *argv, bool tty,
			   bool with_stdin, char **ret_exec_id, struct zf_err *err);
	int (*exec_start)(struct zf_engine *e, const char *exec_id, bool tty,
			  struct zf_stream **ret_stream, struct zf_err *err);
	int (*exec_inspect)(struct zf_engine *e, const char *exec_id, bool *ret_running,
			    int *ret_exit_code, struct zf_err *err);
	int (*exec_resize)(struct zf_engine *e, const char *exec_id, int rows, int cols,
			   struct zf_err *err);
	/* The container's processes: a header line, then one line each. */
	int (*container_top)(struct zf_engine *e, const char *id, char **ret_text,
			     struct zf_err *err);
	/* One sample: {"cpu_percent", "memory_usage", "memory_limit", "pids", ...}. */
	int (*container_stats)(struct zf_engine *e, const char *id, char **ret_json,
			       struct zf_err *err);
	/*
	 * The container's stdout and stderr from `since` on (a time cb was given,
	 * or NULL for all), a message at a time, following new output until the
	 * container stops, cb says stop, or *stop turns true. tty: whether the
	 * container has one (its log is not multiplexed then).
	 */
	int (*container_logs)(struct zf_engine *e, const char *id, bool tty, const char *since,
			      zf_log_cb cb, void *userdata, const volatile bool *stop,
			      struct zf_err *err);

	/*
	 * Follows the engine's event stream for containers labelled
	 * zunfs.instance=instance, calling cb for each, until cb returns non-zero,
	 * *stop becomes true (checked at least once a second) or the stream breaks.
	 * connected_cb (may be NULL) is called once the stream is open.
	 */
	int (*events_follow)(struct zf_engine *e, const char *instance, zf_event_cb cb,
			     void (*connected_cb)(void *userdata), void *userdata,
			     const volatile bool *stop, struct zf_err *err);
};

struct zf_engine {
	const struct zf_engine_ops *ops;
};

/*
 * Makes a Docker engine client for url: "unix:///path/to/docker.sock",
 * "tcp://host:port" or "http://host:port". -EINVAL for another scheme.
 */
int zf_docker_engine_new(const char *url, struct zf_engine **ret_engine);

/* TLS to a tcp:// engine, as the docker CLI: PEM files. */
struct zf_engine_tls {
	const char *ca_file; /* the CA of the engine's certificate; NULL: the system's */
	const char *cert_file; /* the client's certificate, or NULL */
	const char *key_file; /* its key: given with cert_file */
};

/*
 * As zf_docker_engine_new; with tls (not NULL) a "tcp://host:port" engine is
 * spoken to over HTTPS, its certificate checked against tls->ca_file and
 * host. The files are loaded here: a bad one fails with err saying which.
 */
int zf_docker_engine_new_tls(const char *url, const struct zf_engine_tls *tls,
			     struct zf_engine **ret_engine, struct zf_err *err);

/*
 * Makes image ref holding one file, path (no leading '/', under 100
 * bytes) with data and mode, and the Dockerfile lines changes, through
 * e's image_import (backend/engine.c). The sandbox's pause image.
 */
int zf_engine_import_file(struct zf_engine *e, const char *ref, const char *path,
			  const void *data, size_t len, mode_t mode, const char *const *changes,
			  struct zf_err *err);

static inline void zf_engine_free(struct zf_engine *e)
{
	if (e)
		e->ops->free(e);
}
