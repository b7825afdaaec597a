/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the spec parser must never crash, leak or accept without an image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../fs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e;

	if (zf_spec_parse_container((const char *)data, size, &spec, &e) == 0) {
		if (!spec->cfg->image)
			abort();
		zf_container_spec_free(spec);
	}
	return 0;
}
