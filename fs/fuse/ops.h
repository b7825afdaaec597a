/* SPDX-License-Identifier: Apache-2.0 */
/* The FUSE side's one export: libfuse's operations table. */
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse.h>

/* The operations table; private_data is the struct zf_daemon. */
extern const struct fuse_operations zf_fuse_ops;
