/* SPDX-License-Identifier: Apache-2.0 */
/* The detach keys of `zunfs attach` (docker's --detach-keys format). Pure. */
#pragma once

#include <stddef.h>

#define ZF_DETACH_MAX 16

struct zf_detach {
	unsigned char keys[ZF_DETACH_MAX];
	size_t n; /* keys in the sequence */
	size_t matched; /* how many of them the last bytes typed matched */
};

/* "ctrl-p,ctrl-q" (the default), "ctrl-a,d", "ctrl-@", "a": -EINVAL if not. */
int zf_detach_parse(const char *spec, struct zf_detach *ret_detach);

/*
 * Takes one typed byte. Puts the bytes to send on to the container in out
 * (room for ZF_DETACH_MAX + 1): nothing while a sequence may be under way,
 * the held bytes when it turns out not to be. Returns 1 when the whole
 * sequence was typed (nothing is sent then), else 0.
 */
int zf_detach_feed(struct zf_detach *d, unsigned char c, unsigned char *out, size_t *ret_out_len);
