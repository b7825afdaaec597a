/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the spec parsers (container, sandbox, capsule, member, volume)
 * must never crash or leak, nor accept a container without an image; every
 * member of an accepted capsule has a text of its own that parses alone to
 * the same image. */
#include <string.h>
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
		for (size_t i = 0; i < capsule->n_containers; i++) {
			const struct zf_capsule_member *m = &capsule->containers[i];

			if (!m->name || !m->spec->cfg->image || !m->text)
				abort();
			if (zf_spec_parse_member(m->text, strlen(m->text), &spec, NULL, &e) != 0 ||
			    strcmp(spec->cfg->image, m->spec->cfg->image) != 0)
				abort();
			zf_container_spec_free(spec);
		}
		zf_capsule_spec_free(capsule);
	}
	if (zf_spec_parse_member((const char *)data, size, &spec, NULL, &e) == 0)
		zf_container_spec_free(spec);
	struct zf_volume_spec *v = NULL;

	if (zf_spec_parse_volume((const char *)data, size, &v, &e) == 0)
		zf_volume_spec_free(v);
	return 0;
}
