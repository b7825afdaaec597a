/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util.h"
#include "nodes.h"

struct node {
	uint64_t ino;
	uint64_t nlookup; /* the kernel's references */
	size_t children; /* nodes whose parent this is: it outlives them */
	struct node *parent; /* NULL for the root */
	char *name;
	mode_t type;
	bool orphan; /* no name any more */
	struct zf_orphan info;
	struct node *ino_next, *name_next;
};

/* Hash tables that double when fuller than one entry a bucket. */
struct table {
	struct node **b;
	size_t n_buckets, n;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node root = { .ino = ZF_NODE_ROOT_ID, .nlookup = 1, .name = (char *)"", .type = S_IFDIR };
/* protected by lock */
static struct table by_ino, by_name;
static uint64_t next_ino = ZF_NODE_ROOT_ID + 1;

static size_t ino_hash(uint64_t ino)
{
	return (size_t)zf_fnv1a(ZF_FNV_OFFSET, &ino, sizeof(ino));
}

static size_t name_hash(uint64_t parent, const char *name)
{
	return (size_t)zf_fnv1a(zf_fnv1a(ZF_FNV_OFFSET, &parent, sizeof(parent)), name, strlen(name));
}

static struct node **next_of(struct node *n, bool names)
{
	return names ? &n->name_next : &n->ino_next;
}

static size_t hash_of(const struct node *n, bool names)
{
	return names ? name_hash(n->parent ? n->parent->ino : 0, n->name) : ino_hash(n->ino);
}

/* Lock held. Doubles t's buckets; false when out of memory (it stays). */
static bool grow(struct table *t, bool names)
{
	size_t nb = t->n_buckets ? 2 * t->n_buckets : 256;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return false;
	for (size_t i = 0; i < t->n_buckets; i++) {
		for (struct node *n = t->b[i], *next; n; n = next) {
			size_t h = hash_of(n, names) % nb;

			next = *next_of(n, names);
			*next_of(n, names) = b[h];
			b[h] = n;
		}
	}
	free(t->b);
	t->b = b;
	t->n_buckets = nb;
	return true;
}

static bool insert(struct table *t, struct node *n, bool names)
{
	size_t h;

	if (t->n >= t->n_buckets && !grow(t, names) && !t->n_buckets)
		return false;
	h = hash_of(n, names) % t->n_buckets;
	*next_of(n, names) = t->b[h];
	t->b[h] = n;
	t->n++;
	return true;
}

static void unlink_from(struct table *t, struct node *n, bool names)
{
	if (!t->n_buckets)
		return;
	for (struct node **p = &t->b[hash_of(n, names) % t->n_buckets]; *p; p = next_of(*p, names)) {
		if (*p == n) {
			*p = *next_of(n, names);
			t->n--;
			return;
		}
	}
}

static struct node *find_ino_locked(uint64_t ino)
{
	if (ino == ZF_NODE_ROOT_ID)
		return &root;
	if (!by_ino.n_buckets)
		return NULL;
	for (struct node *n = by_ino.b[ino_hash(ino) % by_ino.n_buckets]; n; n = n->ino_next)
		if (n->ino == ino)
			return n;
	return NULL;
}

static struct node *find_name_locked(uint64_t parent, const char *name)
{
	if (!by_name.n_buckets)
		return NULL;
	for (struct node *n = by_name.b[name_hash(parent, name) % by_name.n_buckets]; n;
	     n = n->name_next)
		if (n->parent->ino == parent && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* Lock held: n loses its name (it stays for the kernel's references). */
static void orphan_locked(struct node *n, const struct zf_orphan *info)
{
	if (n->orphan)
		return;
	unlink_from(&by_name, n, true);
	n->orphan = true;
	n->info = info ? *info : (struct zf_orphan){ 0 };
}

/* Lock held: frees n once the kernel and its children are done with it,
 * then its parent the same way. */
static void release_locked(struct node *n)
{
	while (n && n != &root && n->nlookup == 0 && n->children == 0) {
		struct node *parent = n->parent;

		if (!n->orphan)
			unlink_from(&by_name, n, true);
		unlink_from(&by_ino, n, false);
		free(n->name);
		free(n);
		if (parent)
			parent->children--;
		n = parent;
	}
}

int zf_node_ref(uint64_t parent, const char *name, mode_t type, uint64_t *ret_ino)
{
	struct node *p, *n;
	int r = 0;

	pthread_mutex_lock(&lock);
	p = find_ino_locked(parent);
	if (!p || p->orphan) {
		r = -ENOENT;
		goto out;
	}
	n = find_name_locked(parent, name);
	if (n && (n->type & S_IFMT) != (type & S_IFMT)) {
		orphan_locked(n, NULL);
		n = NULL;
	}
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (n)
			n->name = strdup(name);
		if (!n || !n->name) {
			free(n);
			r = -ENOMEM;
			goto out;
		}
		n->ino = next_ino++;
		n->parent = p;
		n->type = type & S_IFMT;
		if (!insert(&by_ino, n, false)) {
			free(n->name);
			free(n);
			r = -ENOMEM;
			goto out;
		}
		if (!insert(&by_name, n, true)) {
			unlink_from(&by_ino, n, false);
			free(n->name);
			free(n);
			r = -ENOMEM;
			goto out;
		}
		p->children++;
	}
	n->nlookup++;
	*ret_ino = n->ino;
out:
	pthread_mutex_unlock(&lock);
	return r;
}

void zf_node_forget(uint64_t ino, uint64_t count)
{
	struct node *n;

	pthread_mutex_lock(&lock);
	n = find_ino_locked(ino);
	if (n && n != &root) {
		n->nlookup = count < n->nlookup ? n->nlookup - count : 0;
		release_locked(n);
	}
	pthread_mutex_unlock(&lock);
}

/* Lock held. The path of n below the root, then "/" name when name. */
static int path_locked(struct node *n, const char *name, char *buf, size_t size)
{
	size_t len = name ? strlen(name) + 1 : 0, at;

	for (struct node *m = n; m != &root; m = m->parent) {
		if (m->orphan)
			return -ESTALE;
		len += strlen(m->name) + 1;
	}
	if (len == 0)
		len = 1; /* "/" */
	if (len + 1 > size)
		return -ENAMETOOLONG;
	buf[len] = '\0';
	at = len;
	if (name) {
		at -= strlen(name);
		memcpy(buf + at, name, strlen(name));
		buf[--at] = '/';
	}
	for (struct node *m = n; m != &root; m = m->parent) {
		size_t l = strlen(m->name);

		at -= l;
		memcpy(buf + at, m->name, l);
		buf[--at] = '/';
	}
	if (len == 1)
		buf[0] = '/';
	return 0;
}

int zf_node_path(uint64_t ino, char *buf, size_t size)
{
	struct node *n;
	int r;

	pthread_mutex_lock(&lock);
	n = find_ino_locked(ino);
	r = n ? path_locked(n, NULL, buf, size) : -ENOENT;
	pthread_mutex_unlock(&lock);
	return r;
}

int zf_node_child_path(uint64_t parent, const char *name, char *buf, size_t size)
{
	struct node *n;
	int r;

	pthread_mutex_lock(&lock);
	n = find_ino_locked(parent);
	r = n ? path_locked(n, name, buf, size) : -ENOENT;
	pthread_mutex_unlock(&lock);
	return r;
}

struct zf_orphan zf_node_orphan_info(uint64_t ino)
{
	struct zf_orphan info = { 0 };
	struct node *n;

	pthread_mutex_lock(&lock);
	n = find_ino_locked(ino);
	if (n && n->orphan)
		info = n->info;
	pthread_mutex_unlock(&lock);
	return info;
}

void zf_node_unlinked(uint64_t parent, const char *name, const struct zf_orphan *info)
{
	struct node *n;

	pthread_mutex_lock(&lock);
	n = find_name_locked(parent, name);
	if (n)
		orphan_locked(n, info);
	pthread_mutex_unlock(&lock);
}

/* Lock held: gives n the name name in directory p (its name hash entry
 * must be out). false: no memory, n unchanged. */
static bool rename_locked(struct node *n, struct node *p, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		return false;
	free(n->name);
	n->name = copy;
	if (n->parent != p) {
		n->parent->children--;
		p->children++;
		n->parent = p;
	}
	return true;
}

int zf_node_renamed(uint64_t parent, const char *name, uint64_t newparent, const char *newname,
		    bool exchange, const struct zf_orphan *info)
{
	struct node *from, *to, *np, *op;
	int r = 0;

	pthread_mutex_lock(&lock);
	from = find_name_locked(parent, name);
	to = find_name_locked(newparent, newname);
	np = find_ino_locked(newparent);
	op = find_ino_locked(parent);
	if (!np || !op)
		goto out;
	if (exchange) {
		char *a = from ? strdup(newname) : NULL, *b = to ? strdup(name) : NULL;

		if ((from && !a) || (to && !b)) {
			free(a);
			free(b);
			r = -ENOMEM;
			goto out;
		}
		if (from)
			unlink_from(&by_name, from, true);
		if (to)
			unlink_from(&by_name, to, true);
		if (from) {
			free(from->name);
			from->name = a;
			if (from->parent != np) {
				from->parent->children--;
				np->children++;
				from->parent = np;
			}
		}
		if (to) {
			free(to->name);
			to->name = b;
			if (to->parent != op) {
				to->parent->children--;
				op->children++;
				to->parent = op;
			}
		}
		/* the tables are as big as before: reinserting needs no memory */
		if (from)
			insert(&by_name, from, true);
		if (to)
			insert(&by_name, to, true);
		goto out;
	}
	if (to == from)
		goto out;
	if (from) {
		unlink_from(&by_name, from, true);
		if (!rename_locked(from, np, newname)) {
			insert(&by_name, from, true);
			r = -ENOMEM;
			goto out;
		}
	}
	if (to)
		orphan_locked(to, info);
	if (from)
		insert(&by_name, from, true);
out:
	pthread_mutex_unlock(&lock);
	return r;
}

int zf_node_find(const char *path, uint64_t *ret_ino, uint64_t *ret_parent,
		 const char **ret_name)
{
	struct node *n = &root, *parent = NULL;
	const char *p = path, *last = path;
	char name[256];
	int r = 0;

	pthread_mutex_lock(&lock);
	while (*p == '/')
		p++;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len >= sizeof(name)) {
			r = -ENOENT;
			break;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		parent = n;
		last = p;
		n = find_name_locked(n->ino, name);
		if (!n) {
			r = -ENOENT;
			break;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	if (r == 0) {
		*ret_ino = n->ino;
		*ret_parent = parent ? parent->ino : 0;
		*ret_name = parent ? last : NULL;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

size_t zf_nodes_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = by_ino.n + 1;
	pthread_mutex_unlock(&lock);
	return n;
}

void zf_nodes_free_all(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < by_ino.n_buckets; i++) {
		for (struct node *n = by_ino.b[i], *next; n; n = next) {
			next = n->ino_next;
			free(n->name);
			free(n);
		}
	}
	free(by_ino.b);
	free(by_name.b);
	by_ino = (struct table){ 0 };
	by_name = (struct table){ 0 };
	root.children = 0;
	pthread_mutex_unlock(&lock);
}
