/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

const char *const zf_health_words[] = { "healthy", "unhealthy", NULL };

bool zf_health_word(const char *word)
{
	for (const char *const *w = zf_health_words; *w; w++)
		if (strcmp(*w, word) == 0)
			return true;
	return false;
}

const struct zf_health *zf_health_of(const struct zf_object *obj)
{
	/* a rebuild's new container is not the old one's health */
	if (!obj->rec.engine_id[0] || strcmp(obj->health_id, obj->rec.engine_id) != 0 ||
	    !obj->health.status[0])
		return NULL;
	return &obj->health;
}

bool zf_health_has_check(const struct zf_object *obj)
{
	if (obj->rec.kind != ZF_KIND_CONTAINER)
		return false;
	return (obj->spec && obj->spec->cfg->health) || zf_health_of(obj);
}

enum zf_until zf_health_verdict(const struct zf_object *obj, const char *target)
{
	const struct zf_health *h = zf_health_of(obj);

	if (!zf_health_has_check(obj))
		return ZF_UNTIL_NEVER;
	/* the health read may be the container's an operation replaces */
	if (obj->rec.task_state[0])
		return ZF_UNTIL_WAIT;
	if (h && strcmp(h->status, target) == 0)
		return ZF_UNTIL_REACHED;
	/* a container that settled runs no check until the user acts */
	if (zf_until_verdict(obj->rec.kind, obj->rec.status, obj->rec.task_state,
			     ZF_STATE_RUNNING) == ZF_UNTIL_NEVER)
		return ZF_UNTIL_NEVER;
	return ZF_UNTIL_WAIT;
}

const char *zf_health_last_line(const char *output, size_t *ret_len)
{
	const char *end = output + strlen(output), *start;

	while (end > output && strchr("\r\n", end[-1]))
		end--;
	start = end;
	while (start > output && !strchr("\r\n", start[-1]))
		start--;
	*ret_len = (size_t)(end - start);
	return start;
}

char *zf_health_render(const struct zf_object *obj)
{
	const struct zf_health *h = zf_health_of(obj);
	char *out = NULL;
	size_t len = 0, n;
	const char *line;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	if (!h) {
		fputs("none\n", f);
	} else {
		fprintf(f, "%s\nfailing_streak: %d\n", h->status, h->failing_streak);
		if (h->end[0]) {
			line = zf_health_last_line(h->output, &n);
			fprintf(f, "last_exit_code: %d\nlast_check: %s\nlast_output:%s%.*s\n",
				h->exit_code, h->end, n ? " " : "", (int)n, line);
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* s as JSON text; null when it is none (not UTF-8: never from the engine) */
static json_t *text_or_null(const char *s)
{
	json_t *v = s ? json_string(s) : NULL;

	return v ? v : json_null();
}

json_t *zf_health_json(const struct zf_object *obj)
{
	const struct zf_health *h = zf_health_of(obj);
	bool last = h && h->end[0];
	json_t *o = json_object();

	json_object_set_new(o, "status", json_string(h ? h->status : "none"));
	json_object_set_new(o, "failing_streak", h ? json_integer(h->failing_streak) : json_null());
	json_object_set_new(o, "last_exit_code", last ? json_integer(h->exit_code) : json_null());
	json_object_set_new(o, "last_output", text_or_null(last ? h->output : NULL));
	json_object_set_new(o, "last_check", text_or_null(last ? h->end : NULL));
	return o;
}
