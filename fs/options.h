/* SPDX-License-Identifier: Apache-2.0 */
/* The command line: zunfs [-f] [-d] [-o OPTION,...] [SOURCE] MOUNTPOINT. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "endpoint.h"

struct fuse_args;

#define ZF_MAX_OBJECTS_DEFAULT 1000
#define ZF_MAX_SESSIONS_DEFAULT 32

struct zf_options {
	char *docker; /* engine URL, as given */
	char *tlscacert, *tlscert, *tlskey; /* as given */
	int tlsverify; /* ints: fuse_opt stores an int */
	int insecure_tcp;
	struct zf_endpoint endpoint; /* decided from the above and the environment */
	char *state_dir;
	char *sandbox_image;
	char *sandbox_mode; /* "shared" | "per-container" */
	char *cinder; /* Cinder v3 endpoint: http://HOST:PORT/v3/PROJECT */
	char *cinder_token; /* its X-Auth-Token; default $OS_AUTH_TOKEN */
	int cinder_timeout; /* seconds a Cinder request may take; 0: the driver's 60 */
	int max_objects; /* records per non-root uid (mkdir: EDQUOT); 0: no cap */
	int max_sessions; /* live tty/exec sessions per non-root uid (EMFILE); 0: no cap */
	char *tmpfs_max_arg; /* as given */
	int64_t tmpfs_max; /* bytes one user's tmpfs volumes may hold together (tmpfs.h) */
	bool show_help;
	bool show_version;
	bool allow_other; /* FUSE's allow_other: other users reach the mount */
};

/* unix://, tcp:// or http://: what docker= takes (and a mount SOURCE may be). */
bool zf_options_is_engine_url(const char *s);

/*
 * Takes zunfs's own options out of args (FUSE's stay), fills defaults from
 * the environment, and decides the engine's endpoint (endpoint.h) unless
 * --help or --version was asked. A SOURCE before the mountpoint (mount.fuse3
 * runs "zunfs SOURCE MOUNTPOINT -o OPTS", see mount.fuse3(8)) is dropped, or
 * taken as docker= when it is an engine URL and docker= is not given; the
 * mountpoint stays in args for fuse_parse_cmdline(). Returns 0, or -EINVAL
 * after printing why to stderr.
 */
int zf_options_parse(struct fuse_args *args, struct zf_options *ret_opts);
void zf_options_clear(struct zf_options *opts);
void zf_options_usage(const char *progname);
