/* SPDX-License-Identifier: Apache-2.0 */
/* The command line: zunfs [-f] [-d] [-o OPTION,...] MOUNTPOINT. */
#pragma once

#include <stdbool.h>

#include "endpoint.h"

struct fuse_args;

struct zf_options {
	char *docker; /* engine URL, as given */
	char *tlscacert, *tlscert, *tlskey; /* as given */
	int tlsverify; /* ints: fuse_opt stores an int */
	int insecure_tcp;
	struct zf_endpoint endpoint; /* decided from the above and the environment */
	char *state_dir;
	char *sandbox_image;
	char *sandbox_mode; /* "shared" | "per-container" */
	char *cinder;
	bool show_help;
	bool show_version;
};

/*
 * Takes zunfs's own options out of args (FUSE's stay), fills defaults from
 * the environment, and decides the engine's endpoint (endpoint.h) unless
 * --help or --version was asked. Returns 0, or -EINVAL after printing why
 * to stderr.
 */
int zf_options_parse(struct fuse_args *args, struct zf_options *ret_opts);
void zf_options_clear(struct zf_options *opts);
void zf_options_usage(const char *progname);
