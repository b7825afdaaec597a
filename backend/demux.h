/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's multiplexed stream (attach, exec and logs of a container without a
 * tty): frames of an 8-byte header [stream, 0, 0, 0, size as big-endian u32]
 * and size bytes of payload. Headers and payloads may be split anywhere
 * across reads. Pure; unit-tested.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct zf_demux {
	uint8_t hdr[8];
	size_t hdr_have;
	uint32_t remaining; /* payload bytes left in the current frame */
	int stream; /* 0 stdin, 1 stdout, 2 stderr of the current frame */
};

/*
 * Takes up to in_len bytes of the raw stream; copies payload bytes to out (at
 * most out_size) and says how many in *out_len. Returns how many input bytes
 * it consumed (feed the rest again once out is drained).
 */
size_t zf_demux_feed(struct zf_demux *d, const char *in, size_t in_len, char *out,
		     size_t out_size, size_t *out_len);
