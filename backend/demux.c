/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "demux.h"

size_t zf_demux_feed(struct zf_demux *d, const char *in, size_t in_len, char *out,
		     size_t out_size, size_t *out_len)
{
	size_t used = 0, produced = 0;

	while (used < in_len) {
		if (d->remaining == 0) {
			size_t take = sizeof(d->hdr) - d->hdr_have;

			if (take > in_len - used)
				take = in_len - used;
			memcpy(d->hdr + d->hdr_have, in + used, take);
			d->hdr_have += take;
			used += take;
			if (d->hdr_have < sizeof(d->hdr))
				break;
			d->hdr_have = 0;
			d->stream = d->hdr[0];
			d->remaining = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
				       (uint32_t)d->hdr[6] << 8 | (uint32_t)d->hdr[7];
			continue;
		}
		size_t take = d->remaining;

		if (take > in_len - used)
			take = in_len - used;
		if (take > out_size - produced)
			take = out_size - produced;
		if (take == 0)
			break; /* out is full */
		memcpy(out + produced, in + used, take);
		produced += take;
		used += take;
		d->remaining -= (uint32_t)take;
	}
	*out_len = produced;
	return used;
}
