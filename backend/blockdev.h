/* SPDX-License-Identifier: Apache-2.0 */
/*
 * This host's side of a block volume (the Cinder driver's, and any block
 * driver's): what is mounted where, loop devices over a volume's file, and
 * the programs a volume needs. Each returns 0 (or what it says) or -errno,
 * err saying why where it takes one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

/* The source device mounted on dir (from /proc/self/mountinfo): 1 and its
 * path in dev, 0 when nothing is mounted there, or -errno. */
int zf_blockdev_mounted(const char *dir, char *dev, size_t size);

/* Runs argv (PATH searched) under setpriv --pdeathsig KILL, so that it
 * never outlives zunfs: its exit status (128 + N for a signal), the start of
 * its output in out, or -errno when it could not be run (out says why). */
int zf_blockdev_run(char *const argv[], char *out, size_t size);

/* The first loop device from /dev/loopFROM on over file: its number and
 * its path in dev; -1 when there is none. */
int zf_loop_next(const char *file, int from, char *dev, size_t size);

/* A loop device over file (autoclear, read-only if ro): its path in dev,
 * its fd in *ret_fd (keep it until the device is mounted). Never a second
 * over one file: one left by a crash is waited for 15 s, then -EBUSY. */
int zf_loop_attach(const char *file, bool ro, char *dev, size_t size, int *ret_fd,
		   struct zf_err *err);

/* Lets go of every loop device over file (none: 0). */
int zf_loop_release(const char *file, struct zf_err *err);
