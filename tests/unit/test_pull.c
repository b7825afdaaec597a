/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pull's progress: the engine's stream (fixtures captured from dockerd
 * 20.10 pulling from Debian's docker-registry) summed over the layers, and
 * the status_reason made of it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/docker_json.h"
#include "../../fs/render.h"
#include "fixture.h"

/* The two layers of pull_layers.jsonl, as the registry sent them. */
#define BIG 209779423
#define SMALL 20978076

/* Feeds every line of fixture name; what each changing line made, in order. */
static int feed(const char *name, struct zf_pull_tracker *t, struct zf_pull_progress *seen,
		int max_seen)
{
	char *body = fixture(name), *p;
	int n = 0;

	assert_non_null(body);
	for (p = body; *p;) {
		size_t len = strcspn(p, "\n");
		int r = zf_docker_pull_track(t, p, len);

		assert_true(r == 0 || r == 1);
		if (r == 1) {
			assert_true(n < max_seen);
			zf_docker_pull_progress(t, &seen[n++]);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	free(body);
	return n;
}

static void test_two_layers(void **state)
{
	struct zf_pull_tracker t = { 0 };
	struct zf_pull_progress seen[64], last = { 0 };
	int n;

	(void)state;
	n = feed("pull_layers.jsonl", &t, seen, 64);
	/* "Pulling from" and the digest and status lines are about no layer */
	assert_int_equal(t.n_layers, 2);
	assert_false(t.failed);
	/* every layer line changed something but the two "Download complete"
	 * (their "Verifying Checksum" had counted the whole layer already) */
	assert_int_equal(n, 34 - 3 - 2);

	/* the two "Pulling fs layer" lines: layers known, no size yet */
	assert_int_equal(seen[0].layers, 1);
	assert_int_equal(seen[1].layers, 2);
	assert_int_equal(seen[1].total, 0);
	/* the first Downloading of each: sizes summed */
	assert_int_equal(seen[2].total, BIG);
	assert_int_equal(seen[2].downloaded, 552960);
	assert_int_equal(seen[3].total, BIG + SMALL);
	assert_int_equal(seen[3].downloaded, 552960 + 236544);
	/* the small one verified: all of it counts */
	assert_int_equal(seen[4].downloaded, 552960 + SMALL);
	for (int i = 0; i < n; i++) {
		/* never backwards, never past the total */
		assert_true(seen[i].downloaded >= last.downloaded);
		assert_true(seen[i].extracted >= last.extracted);
		assert_true(seen[i].downloaded <= seen[i].total || seen[i].total == 0);
		assert_true(seen[i].extracted <= seen[i].downloaded);
		last = seen[i];
	}
	assert_int_equal(last.layers, 2);
	assert_int_equal(last.layers_done, 2);
	assert_int_equal(last.total, BIG + SMALL);
	assert_int_equal(last.downloaded, BIG + SMALL);
	assert_int_equal(last.extracted, BIG + SMALL);
	zf_docker_pull_tracker_clear(&t);
	assert_int_equal(t.n_layers, 0);
}

static void test_already_exists(void **state)
{
	struct zf_pull_tracker t = { 0 };
	struct zf_pull_progress seen[32];
	int n;

	(void)state;
	n = feed("pull_exists.jsonl", &t, seen, 32);
	assert_true(n > 0);
	/* a layer already here counts as a layer, not as bytes to download */
	assert_int_equal(seen[0].layers, 1);
	assert_int_equal(seen[0].layers_done, 1);
	assert_int_equal(seen[0].total, 0);
	assert_int_equal(seen[n - 1].layers, 2);
	assert_int_equal(seen[n - 1].layers_done, 2);
	assert_int_equal(seen[n - 1].total, SMALL);
	assert_int_equal(seen[n - 1].downloaded, SMALL);
	zf_docker_pull_tracker_clear(&t);
}

static void test_errors_and_noise(void **state)
{
	struct zf_pull_tracker t = { 0 };
	const char *second = "{\"error\":\"second\"}";
	const char *pulling = "{\"status\":\"Pulling from zunfs/x\",\"id\":\"1\"}";
	char *body = fixture("pull_stream_error.jsonl"), *nl, buf[256];

	(void)state;
	assert_non_null(body);
	nl = strchr(body, '\n');
	assert_non_null(nl);
	assert_int_equal(zf_docker_pull_track(&t, body, (size_t)(nl - body)), 0);
	assert_int_equal(zf_docker_pull_track(&t, nl + 1, strcspn(nl + 1, "\n")), -EIO);
	assert_true(t.failed);
	assert_string_equal(t.error, "manifest for x:1 not found");
	/* the first error is the one kept */
	assert_int_equal(zf_docker_pull_track(&t, second, strlen(second)), -EIO);
	assert_string_equal(t.error, "manifest for x:1 not found");
	free(body);
	/* neither garbage nor a line about the tag counts as a layer */
	assert_int_equal(zf_docker_pull_track(&t, "not json", 8), 0);
	assert_int_equal(zf_docker_pull_track(&t, "", 0), 0);
	assert_int_equal(zf_docker_pull_track(&t, "[1,2]", 5), 0);
	assert_int_equal(zf_docker_pull_track(&t, pulling, strlen(pulling)), 0);
	assert_int_equal(t.n_layers, 0);
	zf_docker_pull_tracker_clear(&t);

	/* a tag the registry does not have is refused before the stream (404) */
	body = fixture("pull_no_tag.json");
	zf_docker_error_message(body, buf, sizeof(buf));
	assert_non_null(strstr(buf, "manifest unknown"));
	free(body);
}

static void test_layer_cap(void **state)
{
	struct zf_pull_tracker t = { 0 };
	char line[160];

	(void)state;
	for (int i = 0; i < ZF_PULL_LAYERS_MAX + 44; i++) {
		int n = snprintf(line, sizeof(line),
				 "{\"status\":\"Downloading\",\"progressDetail\":"
				 "{\"current\":1,\"total\":10},\"id\":\"l%d\"}",
				 i);

		assert_int_equal(zf_docker_pull_track(&t, line, (size_t)n),
				 i < ZF_PULL_LAYERS_MAX ? 1 : 0);
	}
	assert_int_equal(t.n_layers, ZF_PULL_LAYERS_MAX);
	/* the same line again changes nothing; a bogus size is ignored */
	assert_int_equal(zf_docker_pull_track(&t, line, strlen(line)), 0);
	snprintf(line, sizeof(line),
		 "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":-5,\"total\":\"x\"},"
		 "\"id\":\"l0\"}");
	assert_int_equal(zf_docker_pull_track(&t, line, strlen(line)), 1);
	assert_int_equal(t.n_layers, ZF_PULL_LAYERS_MAX);
	zf_docker_pull_tracker_clear(&t);
}

static void test_reason_text(void **state)
{
	struct zf_pull_progress p = { 0 };
	char buf[256];

	(void)state;
	zf_render_pull_progress("r/x:1", &p, buf, sizeof(buf));
	assert_string_equal(buf, "pulling image r/x:1");
	p.layers = 3;
	p.layers_done = 1;
	zf_render_pull_progress("r/x:1", &p, buf, sizeof(buf));
	assert_string_equal(buf, "pulling image r/x:1: 1 of 3 layers");
	p.total = BIG + SMALL;
	p.downloaded = 552960 + 236544;
	zf_render_pull_progress("r/x:1", &p, buf, sizeof(buf));
	assert_string_equal(buf, "pulling image r/x:1: 789.5 kB of 230.8 MB (0%)");
	p.downloaded = 193039360 + SMALL;
	zf_render_pull_progress("r/x:1", &p, buf, sizeof(buf));
	assert_string_equal(buf, "pulling image r/x:1: 214.0 MB of 230.8 MB (92%)");
	p.downloaded = p.total;
	p.extracted = 54591488;
	zf_render_pull_progress("r/x:1", &p, buf, sizeof(buf));
	assert_string_equal(buf, "pulling image r/x:1: extracting, 54.6 MB of 230.8 MB (23%)");
	p.total = 3000000000LL;
	p.downloaded = 999;
	zf_render_pull_progress("r/x:1", &p, buf, sizeof(buf));
	assert_string_equal(buf, "pulling image r/x:1: 999 B of 3.00 GB (0%)");
	/* a short buffer cuts, never overflows */
	zf_render_pull_progress("r/x:1", &p, buf, 10);
	assert_string_equal(buf, "pulling i");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_layers),
		cmocka_unit_test(test_already_exists),
		cmocka_unit_test(test_errors_and_noise),
		cmocka_unit_test(test_layer_cap),
		cmocka_unit_test(test_reason_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
