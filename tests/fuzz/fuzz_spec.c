/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the container-key spec parsers (container, sandbox, a capsule
 * member's own spec.yaml) must never crash or leak, nor accept a container
 * without an image, nor refuse without saying why. The capsule and volume
 * parsers have harnesses of their own (fuzz_capsule, fuzz_volume). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/kinds.h"
#include "../../fs/spec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	char *name = NULL;
	int r;

	r = zf_spec_parse_container((const char *)data, size, &spec, &e);
	zf_fuzz_check_result(r, &e);
	if (r == 0) {
		if (!spec->cfg || !spec->cfg->image || !*spec->cfg->image)
			abort();
		zf_container_spec_free(spec);
	}
	memset(&e, 0, sizeof(e));
	r = zf_spec_parse_sandbox((const char *)data, size, &spec, &e);
	zf_fuzz_check_result(r, &e);
	if (r == 0) {
		/* zunfs picks a sandbox's image */
		if (!spec->cfg || spec->cfg->image)
			abort();
		zf_container_spec_free(spec);
	}
	memset(&e, 0, sizeof(e));
	r = zf_spec_parse_member((const char *)data, size, ZF_MEMORY_BYTES, &spec, &name, &e);
	zf_fuzz_check_result(r, &e);
	if (r == 0) {
		if (!spec->cfg || !spec->cfg->image || (name && zf_name_check(name) < 0))
			abort();
		zf_container_spec_free(spec);
		free(name);
	}
	return 0;
}
