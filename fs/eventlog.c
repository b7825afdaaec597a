/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlog.h"
#include "util.h"

#define LINE_MAX_LEN 192

struct zf_eventlog {
	pthread_mutex_t lock;
	pthread_cond_t added;
	char (*lines)[LINE_MAX_LEN]; /* protected by lock */
	unsigned *owners; /* protected by lock: the uid of each line's object */
	size_t capacity;
	uint64_t next; /* protected by lock: sequence number of the next line */
};

int zf_eventlog_new(size_t capacity, struct zf_eventlog **ret_log)
{
	struct zf_eventlog *log = calloc(1, sizeof(*log));

	if (!log)
		return -ENOMEM;
	log->lines = calloc(capacity, sizeof(*log->lines));
	log->owners = calloc(capacity, sizeof(*log->owners));
	if (!log->lines || !log->owners) {
		free(log->lines);
		free(log->owners);
		free(log);
		return -ENOMEM;
	}
	log->capacity = capacity;
	pthread_mutex_init(&log->lock, NULL);
	zf_cond_init_monotonic(&log->added);
	*ret_log = log;
	return 0;
}

void zf_eventlog_free(struct zf_eventlog *log)
{
	if (!log)
		return;
	pthread_cond_destroy(&log->added);
	pthread_mutex_destroy(&log->lock);
	free(log->lines);
	free(log->owners);
	free(log);
}

void zf_eventlog_add(struct zf_eventlog *log, unsigned owner, enum zf_kind kind,
		     const char *name, const char *old_state, const char *new_state)
{
	char now[32];

	zf_now_rfc3339(now, sizeof(now));
	pthread_mutex_lock(&log->lock);
	log->owners[log->next % log->capacity] = owner;
	snprintf(log->lines[log->next % log->capacity], LINE_MAX_LEN, "%s %s/%s %s %s\n", now,
		 zf_kind_dir(kind), name, old_state ? old_state : "-", new_state ? new_state : "-");
	log->next++;
	pthread_cond_broadcast(&log->added);
	pthread_mutex_unlock(&log->lock);
}

uint64_t zf_eventlog_tail(struct zf_eventlog *log)
{
	uint64_t t;

	pthread_mutex_lock(&log->lock);
	t = log->next;
	pthread_mutex_unlock(&log->lock);
	return t;
}

size_t zf_eventlog_read(struct zf_eventlog *log, unsigned uid, uint64_t *pos, char *buf,
			size_t size, int timeout_ms)
{
	struct timespec deadline;
	size_t n = 0;

	zf_deadline_ms(&deadline, timeout_ms);
	pthread_mutex_lock(&log->lock);
	while (*pos >= log->next) {
		if (pthread_cond_timedwait(&log->added, &log->lock, &deadline) == ETIMEDOUT)
			break;
	}
	if (log->next > log->capacity && *pos < log->next - log->capacity)
		*pos = log->next - log->capacity; /* fell behind: skip what was overwritten */
	while (*pos < log->next) {
		const char *line = log->lines[*pos % log->capacity];
		size_t len = strlen(line);

		if (uid != 0 && log->owners[*pos % log->capacity] != uid) {
			(*pos)++; /* another user's object: not theirs to see */
			continue;
		}
		if (n + len > size)
			break;
		memcpy(buf + n, line, len);
		n += len;
		(*pos)++;
	}
	pthread_mutex_unlock(&log->lock);
	return n;
}
