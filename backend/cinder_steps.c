/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>

#include "cinder_steps.h"

int zf_cinder_attach_run(const struct zf_cinder_steps *s, void *ctx, struct zf_err *err)
{
	int r = s->reserve(ctx, err);

	if (r < 0)
		return r;
	if ((r = s->initialize_connection(ctx, err)) < 0)
		goto unreserve;
	if ((r = s->connect(ctx, err)) < 0)
		goto terminate;
	if ((r = s->attach(ctx, err)) < 0)
		goto disconnect;
	if ((r = s->format(ctx, err)) < 0 || (r = s->mount(ctx, err)) < 0)
		goto detach;
	return 0;
detach:
	/* attached: out the spec's way (begin_detaching .. detach) */
	s->begin_detaching(ctx, NULL);
	s->disconnect(ctx, NULL);
	s->terminate_connection(ctx, NULL);
	s->detach(ctx, NULL);
	return r;
disconnect:
	s->disconnect(ctx, NULL);
terminate:
	s->terminate_connection(ctx, NULL);
unreserve:
	s->unreserve(ctx, NULL);
	return r;
}

int zf_cinder_detach_run(const struct zf_cinder_steps *s, void *ctx, bool begun,
			 struct zf_err *err)
{
	int r;

	if (!begun && (r = s->begin_detaching(ctx, err)) < 0)
		return r;
	if ((r = s->umount(ctx, err)) < 0)
		goto roll;
	if ((r = s->disconnect(ctx, err)) < 0) {
		/* still connected: back to mounted and in use */
		if (s->mount(ctx, NULL) < 0)
			return r; /* neither way: stays detaching, a retry resumes */
		goto roll;
	}
	if ((r = s->terminate_connection(ctx, err)) < 0)
		return r;
	return s->detach(ctx, err);
roll:
	s->roll_detaching(ctx, NULL);
	return r;
}
