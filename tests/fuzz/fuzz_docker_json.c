/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: every decoder of the engine's replies, on the same bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../backend/docker_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[256], *out = NULL;
	struct zf_container_summary *list = NULL;
	struct zf_container_state st;
	struct zf_engine_event ev;
	int code;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	zf_docker_parse_inspect(s, &st);
	if (zf_docker_parse_list(s, &list) >= 0)
		free(list);
	zf_docker_parse_event(s, &ev);
	zf_docker_pull_result(s, buf, sizeof(buf));
	/* the bytes as a pull's stream, a line at a time */
	struct zf_pull_tracker t = { 0 };
	struct zf_pull_progress p;

	for (const char *l = s; *l;) {
		size_t n = strcspn(l, "\n");

		zf_docker_pull_track(&t, l, n);
		l += n + (l[n] == '\n');
	}
	zf_docker_pull_progress(&t, &p);
	zf_docker_pull_tracker_clear(&t);
	zf_docker_error_message(s, buf, sizeof(buf));
	if (zf_docker_parse_create(s, &out) == 0)
		free(out);
	if (zf_docker_parse_version(s, &out) == 0)
		free(out);
	zf_docker_parse_api_version(s, &code);
	if (zf_docker_parse_volume(s, &out) == 0)
		free(out);
	struct zf_volume_summary *vols = NULL;

	if (zf_docker_parse_volume_list(s, &vols) >= 0)
		free(vols);
	if (zf_docker_render_top(s, &out) == 0)
		free(out);
	if (zf_docker_summarize_stats(s, &out) == 0)
		free(out);
	bool running;

	zf_docker_parse_exec(s, &running, &code);
	free(s);
	return 0;
}
