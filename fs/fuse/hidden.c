/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfuse's hidden names. Before a rename over a file that is open, or an
 * unlink of one, libfuse renames it to .fuse_hiddenN, so that the open file
 * keeps a name to be stat'ed by (fstat(2) comes by name), and unlinks that
 * name at the file's last close. (hard_remove would spare this, but then an
 * unlinked open file has no fstat: ESTALE, also in a volume's data/.)
 *
 * zunfs lets it do so for spec.yaml before a rename over it (sed -i, perl
 * -pi, mv beside a reader): the name is that spec.yaml until the rename
 * replaces it, then the old file, whose size is the spec it had. If the
 * rename fails, the kernel still has spec.yaml at the hidden node for its
 * entry timeout (ops.c's op_init) and asks by the hidden name: the name
 * stays that spec.yaml for as long, even past the unlink at its last close.
 *
 * And for a temp file before an unlink (vim removes a swap file it has just
 * closed, whose release may come after): the file goes at once, its name
 * stays for an fstat and the unlink at the last close.
 *
 * Which of rename and unlink is asking, libfuse does not say: the caller's
 * syscall does (ops.c's rename).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util.h"
#include "private.h"

/* Longer than the kernel keeps a name (entry_timeout, 1 s). */
#define GONE_GRACE_MS 3000

struct hidden {
	char *name;
	char uuid[ZF_UUID_LEN + 1];
	struct zf_hidden_info info;
	bool gone; /* unlinked; still spec.yaml until expires */
	struct timespec expires;
	struct hidden *next;
};

/* Lock order: the registry lock, then this one. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hidden *head; /* protected by lock */
static int count; /* protected by lock */

bool zf_hidden_is_name(const char *leaf)
{
	return strncmp(leaf, ".fuse_hidden", strlen(".fuse_hidden")) == 0;
}

static void drop_locked(struct hidden **pp)
{
	struct hidden *h = *pp;

	*pp = h->next;
	free(h->name);
	free(h);
	count--;
}

static bool expired(const struct hidden *h)
{
	struct timespec now;

	if (!h->gone)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > h->expires.tv_sec ||
	       (now.tv_sec == h->expires.tv_sec && now.tv_nsec >= h->expires.tv_nsec);
}

/* Lock held. The link that points at name's record, or NULL. */
static struct hidden **find_locked(const char *name)
{
	for (struct hidden **pp = &head; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->name, name) != 0)
			continue;
		if (!expired(*pp))
			return pp;
		drop_locked(pp);
		return NULL;
	}
	return NULL;
}

int zf_hidden_add(struct zf_daemon *d, const char *name, const char *uuid,
		  const struct zf_hidden_info *info)
{
	struct hidden *h;
	int r = 0;

	zf_registry_lock(d->reg);
	pthread_mutex_lock(&lock);
	/* an object removed while its old spec.yaml was open: libfuse has no
	 * path left to unlink that by */
	for (struct hidden **pp = &head; *pp;) {
		if (expired(*pp) || !zf_registry_find_uuid_locked(d->reg, (*pp)->uuid))
			drop_locked(pp);
		else
			pp = &(*pp)->next;
	}
	if (find_locked(name)) {
		r = -EEXIST;
		goto out;
	}
	if (count >= MAX_HANDLES) { /* one per open file at most */
		r = -ENFILE;
		goto out;
	}
	h = calloc(1, sizeof(*h));
	if (h)
		h->name = strdup(name);
	if (!h || !h->name) {
		free(h);
		r = -ENOMEM;
		goto out;
	}
	memcpy(h->uuid, uuid, ZF_UUID_LEN);
	h->info = *info;
	h->next = head;
	head = h;
	count++;
out:
	pthread_mutex_unlock(&lock);
	zf_registry_unlock(d->reg);
	return r;
}

int zf_hidden_find(const char *name, struct zf_hidden_info *ret_info)
{
	struct hidden **pp;

	pthread_mutex_lock(&lock);
	pp = find_locked(name);
	if (pp)
		*ret_info = (*pp)->info;
	pthread_mutex_unlock(&lock);
	return pp ? 0 : -ENOENT;
}

void zf_hidden_replaced(const char *uuid, size_t old_size)
{
	pthread_mutex_lock(&lock);
	for (struct hidden *h = head; h; h = h->next)
		if (!h->info.temp && h->info.old_size < 0 && strcmp(h->uuid, uuid) == 0)
			h->info.old_size = (ssize_t)old_size;
	pthread_mutex_unlock(&lock);
}

int zf_hidden_remove(const char *name)
{
	struct hidden **pp;

	pthread_mutex_lock(&lock);
	pp = find_locked(name);
	if (pp && (*pp)->gone) {
		pp = NULL; /* unlinked already */
	} else if (pp && !(*pp)->info.temp && (*pp)->info.old_size < 0) {
		(*pp)->gone = true;
		zf_deadline_ms(&(*pp)->expires, GONE_GRACE_MS);
	} else if (pp) {
		drop_locked(pp);
	}
	pthread_mutex_unlock(&lock);
	return pp ? 0 : -ENOENT;
}

void zf_hidden_free_all(void)
{
	pthread_mutex_lock(&lock);
	while (head)
		drop_locked(&head);
	pthread_mutex_unlock(&lock);
}
