/* SPDX-License-Identifier: Apache-2.0 */
/* What every spec harness checks of a refusal. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/spec.h"

/* A parser's result r, e its error: 0, -ENOMEM, or -EINVAL / -EPERM with a
 * message (status_reason shows it) that formats into any buffer. */
static inline void zf_fuzz_check_result(int r, const struct zf_spec_error *e)
{
	char small[16], big[512];

	if (r == 0 || r == -ENOMEM)
		return;
	if (r != -EINVAL && r != -EPERM && r != -EOPNOTSUPP)
		abort();
	if (!memchr(e->msg, '\0', sizeof(e->msg)) || !e->msg[0] || e->line < 0 || e->column < 0 ||
	    (e->line > 0 && e->column < 1))
		abort();
	zf_spec_error_format(e, small, sizeof(small));
	zf_spec_error_format(e, big, sizeof(big));
	if (strncmp(small, big, sizeof(small) - 1) != 0)
		abort();
}
