/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the volume spec parser must never crash or leak, nor refuse
 * without saying why; what it accepts is a local volume with tmpfs options
 * only (nothing of the host), or a cinder volume either adopted (volumeID) or
 * made (size), never both. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/spec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* type, device, o: the engine's tmpfs options, nothing else */
static bool local_option_ok(const char *key, const char *value)
{
	if (strcmp(key, "type") == 0 || strcmp(key, "device") == 0)
		return strcmp(value, "tmpfs") == 0;
	if (strcmp(key, "o") == 0)
		return !strstr(value, "bind");
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zf_volume_spec *v = NULL;
	struct zf_spec_error e = { 0 };
	int r = zf_spec_parse_volume((const char *)data, size, &v, &e);

	zf_fuzz_check_result(r, &e);
	if (r != 0)
		return 0;
	if (v->size_bytes < 0)
		abort();
	for (size_t i = 0; i < v->n_opts; i++)
		if (!v->opts[i].key || !v->opts[i].value)
			abort();
	if (strcmp(v->driver, "local") == 0) {
		if (v->volume_id || v->volume_type)
			abort();
		for (size_t i = 0; i < v->n_opts; i++)
			if (!local_option_ok(v->opts[i].key, v->opts[i].value))
				abort();
	} else if (strcmp(v->driver, "cinder") == 0) {
		if (!v->volume_id == !v->size_bytes)
			abort();
	} else {
		abort();
	}
	zf_volume_spec_free(v);
	return 0;
}
