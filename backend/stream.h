/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Making a hijacked engine connection's stream (backend only); what its
 * users do with one is in engine.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

/* Takes fd and the bytes already read past the headers (copied). */
int zf_stream_new(int fd, bool multiplexed, const char *leftover, size_t leftover_len,
		  struct zf_stream **ret_stream);
