/* SPDX-License-Identifier: Apache-2.0 */
/* Who uses a volume, and In-use/Available following them, on a real
 * registry over an in-memory store. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/volumes.h"

struct world {
	struct zf_store *store;
	struct zf_eventlog *events;
	struct zf_registry *reg;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_int_equal(zf_store_open(":memory:", &w->store), 0);
	assert_int_equal(zf_eventlog_new(64, &w->events), 0);
	assert_int_equal(zf_registry_new(w->store, w->events, &w->reg), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	zf_registry_free(w->reg);
	zf_eventlog_free(w->events);
	zf_store_close(w->store);
	free(w);
	return 0;
}

/* Makes KIND/NAME with spec text (parsed as its kind would be) in state status. */
static struct zf_object *make(struct world *w, enum zf_kind kind, const char *name,
			      const char *spec, const char *status)
{
	struct zf_object *o;
	struct zf_spec_error e;
	int state = zf_state_from_word(status);

	assert_true(state >= 0);
	assert_int_equal(zf_registry_create(w->reg, kind, name, 0, 0, 0), 0);
	zf_registry_lock(w->reg);
	o = zf_registry_find_locked(w->reg, kind, name);
	free(o->rec.spec);
	o->rec.spec = strdup(spec);
	if (kind == ZF_KIND_CONTAINER || kind == ZF_KIND_SANDBOX)
		assert_int_equal(zf_spec_parse(kind, spec, strlen(spec), &o->spec, &e), 0);
	if (kind == ZF_KIND_CAPSULE) /* as actions.c keeps it, parsed */
		assert_int_equal(zf_spec_parse_capsule(spec, strlen(spec), &o->capsule, &e), 0);
	zf_registry_set_state_locked(w->reg, o, (enum zf_state)state, "", "");
	zf_registry_unlock(w->reg);
	return o;
}

static const char *status_of(struct world *w, const char *name)
{
	return zf_state_word(zf_registry_find_locked(w->reg, ZF_KIND_VOLUME, name)->rec.status);
}

static void test_users(void **state)
{
	struct world *w = *state;
	struct zf_object *c, *cap;

	(void)make(w, ZF_KIND_VOLUME, "data", "", "Available");
	(void)make(w, ZF_KIND_VOLUME, "logs", "", "Available");
	(void)make(w, ZF_KIND_VOLUME, "new", "", "Creating");
	zf_registry_lock(w->reg);
	assert_null(zf_volume_user_locked(w->reg, "data"));
	zf_registry_unlock(w->reg);

	/* a container's volumeMounts */
	c = make(w, ZF_KIND_CONTAINER, "web",
		 "image: busybox\nvolumeMounts: [{name: data, mountPath: /d}]\n", "Running");
	/* a sandbox's volumes */
	(void)make(w, ZF_KIND_SANDBOX, "sb", "volumes: [{name: logs, mountPath: /l}]\n", "Running");
	/* a capsule's {volume: NAME}: only through the capsule's volumes list */
	cap = make(w, ZF_KIND_CAPSULE, "pod",
		   "kind: capsule\nspec:\n  containers:\n  - {image: busybox, volumeMounts: "
		   "[{name: v, mountPath: /v}]}\n  volumes:\n  - {name: v, volume: new}\n",
		   "Running");
	zf_registry_lock(w->reg);
	assert_ptr_equal(zf_volume_user_locked(w->reg, "data"), c);
	assert_non_null(zf_volume_user_locked(w->reg, "logs"));
	assert_ptr_equal(zf_volume_user_locked(w->reg, "new"), cap);
	assert_null(zf_volume_user_locked(w->reg, "v")); /* the capsule's own name for it */
	zf_volumes_recount_locked(w->reg);
	assert_string_equal(status_of(w, "data"), "In-use");
	assert_string_equal(status_of(w, "logs"), "In-use");
	assert_string_equal(status_of(w, "new"), "Creating"); /* not made yet: left alone */

	/* the user goes (rmdir): Available again */
	c->rec.deleting = true;
	zf_volumes_recount_locked(w->reg);
	assert_string_equal(status_of(w, "data"), "Available");
	assert_null(zf_volume_user_locked(w->reg, "data"));
	/* an upgrade's spec counts while it is brought in */
	const char *next = "kind: capsule\nspec:\n  containers:\n  - {image: busybox}\n"
			   "  volumes:\n  - {name: x, volume: data}\n";
	struct zf_spec_error e;

	cap->pending_spec = strdup(next);
	assert_int_equal(zf_spec_parse_capsule(next, strlen(next), &cap->pending_capsule, &e), 0);
	assert_ptr_equal(zf_volume_user_locked(w->reg, "data"), cap);
	zf_registry_unlock(w->reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
