/* SPDX-License-Identifier: Apache-2.0 */
/* State words, the engine's states in Zun's words, and until/ verdicts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/kinds.h"

/* Whether word is one of the kind's states (exact spelling). */
static bool valid(enum zf_kind kind, const char *word)
{
	int s = zf_state_from_word(word);

	return s >= 0 && zf_state_valid(kind, (enum zf_state)s);
}

static void test_words(void **state)
{
	(void)state;
	assert_true(valid(ZF_KIND_CONTAINER, "Running"));
	assert_true(valid(ZF_KIND_CONTAINER, "Rebuilding"));
	assert_false(valid(ZF_KIND_CONTAINER, "running"));
	assert_false(valid(ZF_KIND_CONTAINER, "Pending"));
	assert_true(valid(ZF_KIND_CAPSULE, "Pending"));
	assert_true(valid(ZF_KIND_VOLUME, "In-use"));
	assert_false(valid(ZF_KIND_VOLUME, "Running"));
}

/* One word for every state, no two alike, each read back as its state; every
 * state is some kind's. */
static void test_state_table(void **state)
{
	bool listed[ZF_STATE_COUNT] = { false };

	(void)state;
	for (int s = 0; s < ZF_STATE_COUNT; s++) {
		const char *w = zf_state_word((enum zf_state)s);

		assert_non_null(w);
		assert_true(w[0] != '\0' && strcmp(w, "?") != 0);
		assert_int_equal(zf_state_from_word(w), s);
		for (int t = 0; t < s; t++)
			assert_string_not_equal(zf_state_word((enum zf_state)t), w);
	}
	/* the enum is the union of the kinds' lists, no more */
	for (int k = 0; k < ZF_KIND_COUNT; k++) {
		size_t n;
		const enum zf_state *states = zf_states((enum zf_kind)k, &n);

		assert_true(n > 0);
		for (size_t i = 0; i < n; i++) {
			assert_true(states[i] < ZF_STATE_COUNT);
			assert_true(zf_state_valid((enum zf_kind)k, states[i]));
			listed[states[i]] = true;
		}
	}
	for (int s = 0; s < ZF_STATE_COUNT; s++)
		assert_true(listed[s]);
	assert_false(zf_state_valid(ZF_KIND_CONTAINER, ZF_STATE_KEEP));
	assert_string_equal(zf_state_word(ZF_STATE_IN_USE), "In-use");
	assert_string_equal(zf_state_word(ZF_STATE_KEEP), "?");
	assert_int_equal(zf_state_from_word("running"), -ENOENT);
	assert_int_equal(zf_state_from_word(""), -ENOENT);
	assert_int_equal(zf_state_from_word("?"), -ENOENT);
}

static void test_from_engine(void **state)
{
	static const char *const map[][2] = {
		{ "created", "Created" }, { "running", "Running" },	  { "paused", "Paused" },
		{ "restarting", "Restarting" }, { "removing", "Deleting" }, { "exited", "Stopped" },
		{ "dead", "Dead" },	  { "weird", "Unknown" },
	};
	struct zf_container_state st = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(st.status, sizeof(st.status), "%s", map[i][0]);
		assert_string_equal(zf_state_word(zf_state_from_engine(&st)), map[i][1]);
	}
}

/* zf_until_verdict on the words of states */
static enum zf_until verdict(enum zf_kind kind, const char *status, const char *task_state,
			     const char *target)
{
	int s = zf_state_from_word(status), t = zf_state_from_word(target);

	assert_true(s >= 0 && t >= 0);
	return zf_until_verdict(kind, (enum zf_state)s, task_state, (enum zf_state)t);
}

static void test_until(void **state)
{
	(void)state;
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Running", "", "Running"), ZF_UNTIL_REACHED);
	/* Empty waits for a spec; transitional states wait */
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Empty", "", "Running"), ZF_UNTIL_WAIT);
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Creating", "", "Running"), ZF_UNTIL_WAIT);
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Running", "", "Stopped"), ZF_UNTIL_WAIT);
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Restarting", "", "Running"), ZF_UNTIL_WAIT);
	/* settled states do not move on without the user */
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Stopped", "", "Running"), ZF_UNTIL_NEVER);
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Error", "", "Running"), ZF_UNTIL_NEVER);
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Created", "", "Running"), ZF_UNTIL_NEVER);
	/* ... unless an operation is in flight */
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Stopped", "container_starting", "Running"),
			 ZF_UNTIL_WAIT);
	assert_int_equal(verdict(ZF_KIND_CONTAINER, "Deleting", "", "Running"), ZF_UNTIL_NEVER);
	assert_int_equal(verdict(ZF_KIND_CAPSULE, "Failed", "", "Running"), ZF_UNTIL_NEVER);
	assert_int_equal(verdict(ZF_KIND_CAPSULE, "Pending", "", "Running"), ZF_UNTIL_WAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_from_engine),
		cmocka_unit_test(test_until),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
