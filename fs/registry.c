/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"
#include "util.h"

/* Buckets of the index by uuid and by name: a path's lookup is one bucket,
 * not the whole list (ls -la of 2000 objects looks each one up). */
#define INDEX_BUCKETS 4096

struct zf_registry {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* broadcast on every change; waits use CLOCK_MONOTONIC */
	struct zf_object *head, *tail; /* protected by lock: in creation order */
	/* protected by lock: every object in the list, in its uuid's bucket and
	 * its name's (kind and name, or a member's capsule and name) */
	struct zf_object *by_uuid[INDEX_BUCKETS], *by_name[INDEX_BUCKETS];
	struct zf_store *store;
	struct zf_eventlog *events;
	zf_change_cb change_cb;
	void *change_userdata;
};

int zf_registry_new(struct zf_store *store, struct zf_eventlog *events,
		    struct zf_registry **ret_reg)
{
	struct zf_registry *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return -ENOMEM;
	pthread_mutex_init(&reg->lock, NULL);
	zf_cond_init_monotonic(&reg->changed);
	reg->store = store;
	reg->events = events;
	*ret_reg = reg;
	return 0;
}

static void object_free(struct zf_object *obj)
{
	if (!obj)
		return;
	zf_record_clear(&obj->rec);
	zf_container_spec_free(obj->spec);
	free(obj->pending_spec);
	zf_capsule_spec_free(obj->capsule);
	zf_capsule_spec_free(obj->pending_capsule);
	zf_volume_spec_free(obj->volume);
	free(obj->host_path);
	free(obj);
}

void zf_registry_free(struct zf_registry *reg)
{
	if (!reg)
		return;
	while (reg->head) {
		struct zf_object *next = reg->head->next;

		object_free(reg->head);
		reg->head = next;
	}
	pthread_cond_destroy(&reg->changed);
	pthread_mutex_destroy(&reg->lock);
	free(reg);
}

void zf_registry_set_change_cb(struct zf_registry *reg, zf_change_cb cb, void *userdata)
{
	reg->change_cb = cb;
	reg->change_userdata = userdata;
}

void zf_registry_lock(struct zf_registry *reg)
{
	pthread_mutex_lock(&reg->lock);
}

void zf_registry_unlock(struct zf_registry *reg)
{
	pthread_mutex_unlock(&reg->lock);
}

void zf_registry_wait_locked(struct zf_registry *reg, int timeout_ms)
{
	struct timespec t;

	zf_deadline_ms(&t, timeout_ms);
	pthread_cond_timedwait(&reg->changed, &reg->lock, &t);
}

struct zf_object *zf_registry_first_locked(struct zf_registry *reg)
{
	return reg->head;
}

/* Each string with its NUL: "a"+"bc" is not "ab"+"c". */
static uint64_t hash_str(uint64_t h, const char *s)
{
	return zf_fnv1a(h, s, strlen(s) + 1);
}

static size_t uuid_bucket(const char *uuid)
{
	return hash_str(ZF_FNV_OFFSET, uuid) % INDEX_BUCKETS;
}

/* A member's name is its capsule's to give; the others', their kind's. */
static size_t name_bucket(enum zf_kind kind, const char *parent, const char *name)
{
	uint64_t h = parent[0] ? hash_str(ZF_FNV_OFFSET, parent)
			       : zf_fnv1a(ZF_FNV_OFFSET, &kind, sizeof(kind));

	return hash_str(h, name) % INDEX_BUCKETS;
}

static void index_add_locked(struct zf_registry *reg, struct zf_object *obj)
{
	size_t u = uuid_bucket(obj->rec.uuid),
	       n = name_bucket(obj->rec.kind, obj->rec.parent, obj->rec.name);

	obj->uuid_next = reg->by_uuid[u];
	reg->by_uuid[u] = obj;
	obj->name_next = reg->by_name[n];
	reg->by_name[n] = obj;
}

static void index_remove_locked(struct zf_registry *reg, struct zf_object *obj)
{
	struct zf_object **p;

	for (p = &reg->by_uuid[uuid_bucket(obj->rec.uuid)]; *p; p = &(*p)->uuid_next)
		if (*p == obj) {
			*p = obj->uuid_next;
			break;
		}
	for (p = &reg->by_name[name_bucket(obj->rec.kind, obj->rec.parent, obj->rec.name)]; *p;
	     p = &(*p)->name_next)
		if (*p == obj) {
			*p = obj->name_next;
			break;
		}
}

struct zf_object *zf_registry_find_locked(struct zf_registry *reg, enum zf_kind kind,
					  const char *name)
{
	for (struct zf_object *o = reg->by_name[name_bucket(kind, "", name)]; o; o = o->name_next)
		if (!o->rec.deleting && !o->rec.parent[0] && o->rec.kind == kind &&
		    strcmp(o->rec.name, name) == 0)
			return o;
	return NULL;
}

struct zf_object *zf_registry_find_member_locked(struct zf_registry *reg, const char *parent_uuid,
						 const char *name)
{
	/* a member's key is its capsule and name: the kind is not part of it */
	for (struct zf_object *o = reg->by_name[name_bucket(ZF_KIND_CONTAINER, parent_uuid, name)];
	     o; o = o->name_next)
		if (!o->rec.deleting && strcmp(o->rec.parent, parent_uuid) == 0 &&
		    strcmp(o->rec.name, name) == 0)
			return o;
	return NULL;
}

/* The name in `events`: a member is CAPSULE.CNAME, as its containers/ link. */
static void event_add_locked(struct zf_registry *reg, const struct zf_object *obj, const char *old,
			     const char *new)
{
	char name[2 * ZF_NAME_MAX + 2];

	if (obj->rec.parent[0])
		snprintf(name, sizeof(name), "%s.%s", obj->parent_name, obj->rec.name);
	else
		snprintf(name, sizeof(name), "%s", obj->rec.name);
	zf_eventlog_add(reg->events, obj->rec.owner, obj->rec.kind, name, old, new);
}

struct zf_object *zf_registry_find_uuid_locked(struct zf_registry *reg, const char *uuid)
{
	for (struct zf_object *o = reg->by_uuid[uuid_bucket(uuid)]; o; o = o->uuid_next)
		if (strcmp(o->rec.uuid, uuid) == 0)
			return o;
	return NULL;
}

/* Appends, so listings keep creation order; and indexes. */
static void append_locked(struct zf_registry *reg, struct zf_object *obj)
{
	obj->next = NULL;
	if (reg->tail)
		reg->tail->next = obj;
	else
		reg->head = obj;
	reg->tail = obj;
	index_add_locked(reg, obj);
}

static void changed_locked(struct zf_registry *reg, struct zf_object *obj)
{
	/* a member's change is its capsule's too: its inspect.json lists them */
	struct zf_object *parent =
		obj->rec.parent[0] ? zf_registry_find_uuid_locked(reg, obj->rec.parent) : NULL;

	obj->gen++;
	if (parent)
		parent->gen++;
	pthread_cond_broadcast(&reg->changed);
	if (reg->change_cb) {
		reg->change_cb(obj, reg->change_userdata);
		if (parent)
			reg->change_cb(parent, reg->change_userdata);
	}
}

int zf_registry_load(struct zf_registry *reg, zf_load_cb load)
{
	struct zf_record *recs = NULL;
	size_t n = 0;
	int r;

	r = zf_store_load(reg->store, &recs, &n);
	if (r < 0)
		return r;
	pthread_mutex_lock(&reg->lock);
	for (size_t i = 0; i < n; i++) {
		struct zf_object *obj = calloc(1, sizeof(*obj));

		if (!obj) {
			r = -ENOMEM;
			break;
		}
		obj->rec = recs[i];
		memset(&recs[i], 0, sizeof(recs[i])); /* strings moved into obj */
		obj->exit_code = -1;
		obj->spec_mtime = time(NULL);
		append_locked(reg, obj);
	}
	for (struct zf_object *o = reg->head; o; o = o->next) {
		struct zf_object *parent =
			o->rec.parent[0] ? zf_registry_find_uuid_locked(reg, o->rec.parent) : NULL;

		if (parent)
			memcpy(o->parent_name, parent->rec.name, sizeof(o->parent_name));
	}
	/* a stored spec was valid when stored; one this build refuses stays text
	 * only. Members after the rest: they read their capsule's spec. */
	for (int members = 0; members < 2; members++)
		for (struct zf_object *o = reg->head; o; o = o->next)
			if (!o->rec.parent[0] == !members)
				load(reg, o);
	pthread_mutex_unlock(&reg->lock);
	zf_records_free(recs, n);
	return r;
}

/* A new record in memory: kind/name of owner, with its spec text (status
 * Empty when it is "", else the given one), a fresh uuid and times. */
static int object_new(enum zf_kind kind, const char *name, unsigned owner, const char *spec,
		      enum zf_state status, struct zf_object **ret_obj)
{
	struct zf_object *obj = calloc(1, sizeof(*obj));
	int r;

	if (!obj)
		return -ENOMEM;
	obj->exit_code = -1;
	obj->spec_mtime = time(NULL);
	obj->rec.kind = kind;
	obj->rec.owner = owner;
	obj->rec.owner_gid = -1;
	snprintf(obj->rec.name, sizeof(obj->rec.name), "%s", name);
	obj->rec.status = spec[0] ? status : ZF_STATE_EMPTY;
	obj->rec.spec = strdup(spec);
	obj->rec.status_reason = strdup("");
	if (!obj->rec.spec || !obj->rec.status_reason) {
		r = -ENOMEM;
		goto fail;
	}
	r = zf_uuid_new(obj->rec.uuid);
	if (r < 0)
		goto fail;
	zf_now_rfc3339(obj->rec.created_at, sizeof(obj->rec.created_at));
	memcpy(obj->rec.updated_at, obj->rec.created_at, sizeof(obj->rec.updated_at));
	*ret_obj = obj;
	return 0;
fail:
	object_free(obj);
	return r;
}

/* Stores obj and puts it in the registry (lock held); obj is the registry's then. */
static int object_add_locked(struct zf_registry *reg, struct zf_object *obj)
{
	int r = zf_store_insert(reg->store, &obj->rec);

	if (r < 0)
		return r;
	append_locked(reg, obj);
	event_add_locked(reg, obj, NULL, zf_state_word(obj->rec.status));
	changed_locked(reg, obj);
	return 0;
}

unsigned zf_registry_count_owned_locked(struct zf_registry *reg, unsigned owner, unsigned limit)
{
	unsigned n = 0;

	for (struct zf_object *o = reg->head; o && (!limit || n < limit); o = o->next)
		if (o->rec.owner == owner)
			n++;
	return n;
}

int zf_registry_create(struct zf_registry *reg, enum zf_kind kind, const char *name,
		       unsigned owner, unsigned owner_gid, unsigned max_owned)
{
	struct zf_object *obj = NULL;
	int r = object_new(kind, name, owner, "", ZF_STATE_EMPTY, &obj);

	if (r < 0)
		return r;
	obj->rec.owner_gid = owner_gid;
	pthread_mutex_lock(&reg->lock);
	if (zf_registry_find_locked(reg, kind, name))
		r = -EEXIST;
	else if (max_owned && zf_registry_count_owned_locked(reg, owner, max_owned) >= max_owned)
		r = -EDQUOT;
	else
		r = object_add_locked(reg, obj);
	pthread_mutex_unlock(&reg->lock);
	if (r < 0)
		object_free(obj);
	return r;
}

int zf_registry_create_member_locked(struct zf_registry *reg, const struct zf_object *capsule,
				     const char *name, const char *spec, bool added,
				     struct zf_object **ret_obj)
{
	struct zf_object *obj = NULL;
	struct zf_spec_error e;
	int r;

	if (zf_registry_find_member_locked(reg, capsule->rec.uuid, name))
		return -EEXIST;
	r = object_new(ZF_KIND_CONTAINER, name, capsule->rec.owner, spec, ZF_STATE_CREATING, &obj);
	if (r < 0)
		return r;
	obj->rec.added = added;
	obj->rec.owner_gid = capsule->rec.owner_gid;
	memcpy(obj->rec.parent, capsule->rec.uuid, sizeof(obj->rec.parent));
	memcpy(obj->parent_name, capsule->rec.name, sizeof(obj->parent_name));
	if (spec[0])
		r = zf_spec_parse_member(spec, strlen(spec),
					 capsule->capsule ? capsule->capsule->memory_unit
							  : ZF_MEMORY_BYTES,
					 &obj->spec, NULL, &e);
	if (r == 0)
		r = object_add_locked(reg, obj);
	if (r < 0) {
		object_free(obj);
		return r;
	}
	if (ret_obj)
		*ret_obj = obj;
	return 0;
}

enum zf_memory_unit zf_registry_member_unit_locked(struct zf_registry *reg,
						   const struct zf_object *member)
{
	const struct zf_object *cap = zf_registry_find_uuid_locked(reg, member->rec.parent);

	return cap && cap->capsule ? cap->capsule->memory_unit : ZF_MEMORY_BYTES;
}

int zf_registry_persist_locked(struct zf_registry *reg, struct zf_object *obj)
{
	int r;

	zf_now_rfc3339(obj->rec.updated_at, sizeof(obj->rec.updated_at));
	r = zf_store_update(reg->store, &obj->rec);
	changed_locked(reg, obj);
	return r;
}

void zf_registry_set_engine_id(struct zf_registry *reg, const char *uuid, const char *id)
{
	struct zf_object *obj;

	zf_registry_lock(reg);
	obj = zf_registry_find_uuid_locked(reg, uuid);
	if (obj) {
		snprintf(obj->rec.engine_id, sizeof(obj->rec.engine_id), "%s", id);
		zf_registry_persist_locked(reg, obj);
	}
	zf_registry_unlock(reg);
}

/* status_reason is one line: reason up to its first line break. */
static int set_reason_locked(struct zf_object *obj, const char *reason)
{
	char *copy = strdup(reason);

	if (!copy)
		return -ENOMEM;
	copy[strcspn(copy, "\r\n")] = '\0';
	free(obj->rec.status_reason);
	obj->rec.status_reason = copy;
	return 0;
}

int zf_registry_set_state_locked(struct zf_registry *reg, struct zf_object *obj,
				 enum zf_state status, const char *reason, const char *task_state)
{
	enum zf_state old = obj->rec.status;

	if (reason && set_reason_locked(obj, reason) < 0)
		return -ENOMEM;
	if (reason)
		obj->refused = false; /* a reason of its own now (refuse_locked marks its) */
	if (status != ZF_STATE_KEEP)
		obj->rec.status = status;
	if (task_state)
		snprintf(obj->rec.task_state, sizeof(obj->rec.task_state), "%s", task_state);
	if (old != obj->rec.status)
		event_add_locked(reg, obj, zf_state_word(old), zf_state_word(obj->rec.status));
	return zf_registry_persist_locked(reg, obj);
}

int zf_registry_engine_state_locked(struct zf_registry *reg, struct zf_object *obj,
				    enum zf_state status, const char *reason)
{
	bool same = obj->rec.status == status;

	/* the user's refusal stays readable until their next write or action,
	 * whatever the engine does meanwhile: a new state, not its reason */
	if (obj->refused)
		return same ? 0 : zf_registry_set_state_locked(reg, obj, status, NULL, NULL);
	if (same && strcmp(obj->rec.status_reason, reason) == 0)
		return 0;
	return zf_registry_set_state_locked(reg, obj, status, reason, NULL);
}

int zf_registry_show_reason_locked(struct zf_registry *reg, struct zf_object *obj,
				   const char *reason)
{
	if (set_reason_locked(obj, reason) < 0)
		return -ENOMEM;
	changed_locked(reg, obj);
	return 0;
}

void zf_registry_touch_locked(struct zf_registry *reg, struct zf_object *obj)
{
	changed_locked(reg, obj);
}

int zf_registry_remove_locked(struct zf_registry *reg, struct zf_object *obj)
{
	struct zf_object **p, *child;
	int r;

	/* a capsule's members go with it */
	for (p = &reg->head; *p;) {
		child = *p;
		if (!child->rec.parent[0] || strcmp(child->rec.parent, obj->rec.uuid) != 0) {
			p = &child->next;
			continue;
		}
		r = zf_registry_remove_locked(reg, child);
		if (r < 0)
			return r;
		p = &reg->head; /* the list changed: walk it again */
	}
	r = zf_store_delete(reg->store, obj->rec.uuid);
	if (r < 0 && r != -ENOENT)
		return r;
	for (p = &reg->head; *p; p = &(*p)->next) {
		if (*p == obj) {
			*p = obj->next;
			if (reg->tail == obj) /* p is the head's, or its predecessor's next */
				reg->tail = p == &reg->head
						    ? NULL
						    : (struct zf_object *)((char *)p -
									   offsetof(struct zf_object, next));
			break;
		}
	}
	index_remove_locked(reg, obj);
	event_add_locked(reg, obj, zf_state_word(obj->rec.status), NULL);
	changed_locked(reg, obj);
	object_free(obj);
	return 0;
}
