/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the spec parsers (container, sandbox, capsule) must never crash or
 * leak, nor accept a container without an image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../fs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zf_container_spec *spec = NULL;
	struct zf_capsule_spec *capsule = NULL;
	struct zf_spec_error e;

	if (zf_spec_parse_container((const char *)data, size, &spec, &e) == 0) {
		if (!spec->cfg->image)
			abort();
		zf_container_spec_free(spec);
	}
	if (zf_spec_parse_sandbox((const char *)data, size, &spec, &e) == 0)
		zf_container_spec_free(spec);
	if (zf_spec_parse_capsule((const char *)data, size, &capsule, &e) == 0) {
		if (capsule->n_containers == 0)
			abort();
		for (size_t i = 0; i < capsule->n_containers; i++)
			if (!capsule->containers[i].name || !capsule->containers[i].spec->cfg->image)
				abort();
		zf_capsule_spec_free(capsule);
	}
	return 0;
}
