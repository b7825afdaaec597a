/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "store.h"
#include "tempfiles.h"
#include "uidcount.h"
#include "util.h"

struct temp {
	char uuid[ZF_UUID_LEN + 1];
	char *name;
	unsigned owner;
	char *data;
	size_t len, cap;
	/* a write or truncate failed since it was last emptied: what it holds
	 * is not what was written, and a rename never applies it */
	int write_err;
	struct temp *next;
};

struct zf_tempfiles {
	pthread_mutex_t lock;
	struct temp *head; /* protected by lock */
	struct zf_uidcount held; /* per owner; taken under lock */
};

static const struct zf_uidcount_caps caps = {
	.user = ZF_TEMP_PER_UID,
	.root = ZF_TEMP_PER_UID,
	.others = ZF_TEMP_MAX - ZF_TEMP_PER_UID,
};

int zf_tempfiles_new(struct zf_tempfiles **ret_t)
{
	struct zf_tempfiles *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	zf_uidcount_init(&t->held);
	*ret_t = t;
	return 0;
}

static void temp_free(struct temp *f)
{
	free(f->name);
	free(f->data);
	free(f);
}

void zf_tempfiles_free(struct zf_tempfiles *t)
{
	if (!t)
		return;
	while (t->head) {
		struct temp *next = t->head->next;

		temp_free(t->head);
		t->head = next;
	}
	zf_uidcount_destroy(&t->held);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Lock held. The link that points at the file, or NULL. */
static struct temp **find_locked(struct zf_tempfiles *t, const char *uuid, const char *name,
				 unsigned owner)
{
	for (struct temp **p = &t->head; *p; p = &(*p)->next)
		if ((*p)->owner == owner && strcmp((*p)->uuid, uuid) == 0 &&
		    strcmp((*p)->name, name) == 0)
			return p;
	return NULL;
}

int zf_temp_create(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner)
{
	struct temp *f;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	if (find_locked(t, uuid, name, owner)) {
		r = -EEXIST;
		goto out;
	}
	if ((r = zf_uidcount_take(&t->held, owner, &caps)) < 0)
		goto out;
	f = calloc(1, sizeof(*f));
	if (f)
		f->name = strdup(name);
	if (!f || !f->name) {
		free(f);
		zf_uidcount_give(&t->held, owner);
		r = -ENOMEM;
		goto out;
	}
	memcpy(f->uuid, uuid, sizeof(f->uuid) - 1);
	f->owner = owner;
	f->next = t->head;
	t->head = f;
out:
	pthread_mutex_unlock(&t->lock);
	return r;
}

ssize_t zf_temp_size(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner)
{
	struct temp **p;
	ssize_t r;

	pthread_mutex_lock(&t->lock);
	p = find_locked(t, uuid, name, owner);
	r = p ? (ssize_t)(*p)->len : -ENOENT;
	pthread_mutex_unlock(&t->lock);
	return r;
}

ssize_t zf_temp_read(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		     char *buf, size_t size, off_t off)
{
	struct temp **p;
	ssize_t r = 0;

	pthread_mutex_lock(&t->lock);
	p = find_locked(t, uuid, name, owner);
	if (!p) {
		r = -ENOENT;
	} else if (off >= 0 && (size_t)off < (*p)->len) {
		r = (ssize_t)((*p)->len - (size_t)off);
		if ((size_t)r > size)
			r = (ssize_t)size;
		memcpy(buf, (*p)->data + off, (size_t)r);
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* Makes the file exactly len bytes long (zero-filled when it grows). */
static int resize(struct temp *f, size_t len)
{
	int r;

	if (len > ZF_SPEC_MAX)
		return -EFBIG;
	if ((r = zf_grow(&f->data, &f->cap, len)) < 0)
		return r;
	if (len > f->len)
		memset(f->data + f->len, 0, len - f->len);
	f->len = len;
	f->data[len] = '\0';
	return 0;
}

ssize_t zf_temp_write(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		      const char *buf, size_t size, off_t off)
{
	struct temp **p;
	ssize_t r;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	p = find_locked(t, uuid, name, owner);
	if (!p) {
		r = -ENOENT;
	} else if ((size_t)off + size > (*p)->len &&
		   (r = resize(*p, (size_t)off + size)) < 0) {
		(*p)->write_err = (int)r;
	} else {
		memcpy((*p)->data + off, buf, size);
		r = (ssize_t)size;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

int zf_temp_truncate(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		     off_t size)
{
	struct temp **p;
	int r;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	p = find_locked(t, uuid, name, owner);
	r = p ? resize(*p, (size_t)size) : -ENOENT;
	if (p && r < 0)
		(*p)->write_err = r;
	else if (p && size == 0)
		(*p)->write_err = 0; /* emptied: written anew from here */
	pthread_mutex_unlock(&t->lock);
	return r;
}

int zf_temp_copy(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		 char **ret_data, size_t *ret_len)
{
	struct temp **p;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	p = find_locked(t, uuid, name, owner);
	if (!p) {
		r = -ENOENT;
	} else if ((*p)->write_err) {
		r = (*p)->write_err;
	} else {
		char *copy = malloc((*p)->len + 1);

		if (!copy) {
			r = -ENOMEM;
		} else {
			if ((*p)->len)
				memcpy(copy, (*p)->data, (*p)->len);
			copy[(*p)->len] = '\0';
			*ret_data = copy;
			*ret_len = (*p)->len;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

int zf_temp_remove(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner)
{
	struct temp **p, *f;
	int r = -ENOENT;

	pthread_mutex_lock(&t->lock);
	p = find_locked(t, uuid, name, owner);
	if (p) {
		f = *p;
		*p = f->next;
		zf_uidcount_give(&t->held, f->owner);
		temp_free(f);
		r = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void zf_temp_remove_object(struct zf_tempfiles *t, const char *uuid)
{
	pthread_mutex_lock(&t->lock);
	for (struct temp **p = &t->head; *p;) {
		struct temp *f = *p;

		if (strcmp(f->uuid, uuid) == 0) {
			*p = f->next;
			zf_uidcount_give(&t->held, f->owner);
			temp_free(f);
		} else {
			p = &f->next;
		}
	}
	pthread_mutex_unlock(&t->lock);
}

void zf_temp_list(struct zf_tempfiles *t, const char *uuid, unsigned owner,
		  void (*fn)(const char *name, void *userdata), void *userdata)
{
	pthread_mutex_lock(&t->lock);
	for (struct temp *f = t->head; f; f = f->next)
		if (f->owner == owner && strcmp(f->uuid, uuid) == 0)
			fn(f->name, userdata);
	pthread_mutex_unlock(&t->lock);
}
