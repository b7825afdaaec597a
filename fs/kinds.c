/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "kinds.h"

static const char *const kind_dirs[ZF_KIND_COUNT] = { "containers", "capsules", "sandboxes",
						      "volumes" };
static const char *const kind_words[ZF_KIND_COUNT] = { "container", "capsule", "sandbox",
						       "volume" };

static const char *const state_words[ZF_STATE_COUNT] = {
	[ZF_STATE_EMPTY] = "Empty",
	[ZF_STATE_CREATING] = "Creating",
	[ZF_STATE_CREATED] = "Created",
	[ZF_STATE_RUNNING] = "Running",
	[ZF_STATE_STOPPED] = "Stopped",
	[ZF_STATE_PAUSED] = "Paused",
	[ZF_STATE_RESTARTING] = "Restarting",
	[ZF_STATE_REBUILDING] = "Rebuilding",
	[ZF_STATE_DELETING] = "Deleting",
	[ZF_STATE_DEAD] = "Dead",
	[ZF_STATE_ERROR] = "Error",
	[ZF_STATE_UNKNOWN] = "Unknown",
	[ZF_STATE_PENDING] = "Pending",
	[ZF_STATE_STARTING] = "Starting",
	[ZF_STATE_FINISHED] = "Finished",
	[ZF_STATE_FAILED] = "Failed",
	[ZF_STATE_AVAILABLE] = "Available",
	[ZF_STATE_IN_USE] = "In-use",
};

static const enum zf_state container_states[] = {
	ZF_STATE_EMPTY, ZF_STATE_CREATING, ZF_STATE_CREATED, ZF_STATE_RUNNING,
	ZF_STATE_STOPPED, ZF_STATE_PAUSED, ZF_STATE_RESTARTING, ZF_STATE_REBUILDING,
	ZF_STATE_DELETING, ZF_STATE_DEAD, ZF_STATE_ERROR, ZF_STATE_UNKNOWN,
};
static const enum zf_state capsule_states[] = {
	ZF_STATE_EMPTY, ZF_STATE_PENDING, ZF_STATE_STARTING, ZF_STATE_RUNNING,
	ZF_STATE_FINISHED, ZF_STATE_FAILED, ZF_STATE_DELETING, ZF_STATE_UNKNOWN,
};
static const enum zf_state volume_states[] = {
	ZF_STATE_EMPTY, ZF_STATE_CREATING, ZF_STATE_AVAILABLE,
	ZF_STATE_IN_USE, ZF_STATE_DELETING, ZF_STATE_ERROR,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *zf_kind_dir(enum zf_kind kind)
{
	return kind < ZF_KIND_COUNT ? kind_dirs[kind] : "?";
}

const char *zf_kind_word(enum zf_kind kind)
{
	return kind < ZF_KIND_COUNT ? kind_words[kind] : "?";
}

static int lookup(const char *const *table, const char *s)
{
	for (int k = 0; k < ZF_KIND_COUNT; k++)
		if (strcmp(table[k], s) == 0)
			return k;
	return -ENOENT;
}

int zf_kind_from_dir(const char *dir)
{
	return lookup(kind_dirs, dir);
}

int zf_kind_from_word(const char *word)
{
	return lookup(kind_words, word);
}

bool zf_kind_supported(enum zf_kind kind)
{
	return kind < ZF_KIND_COUNT;
}

int zf_name_check(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return -EINVAL;
	if (n > ZF_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return -EINVAL;
	}
	return 0;
}

const char *zf_state_word(enum zf_state state)
{
	return state < ZF_STATE_COUNT ? state_words[state] : "?";
}

int zf_state_from_word(const char *word)
{
	for (int s = 0; s < ZF_STATE_COUNT; s++)
		if (strcmp(state_words[s], word) == 0)
			return s;
	return -ENOENT;
}

const enum zf_state *zf_states(enum zf_kind kind, size_t *ret_count)
{
	switch (kind) {
	case ZF_KIND_CAPSULE:
		*ret_count = N(capsule_states);
		return capsule_states;
	case ZF_KIND_VOLUME:
		*ret_count = N(volume_states);
		return volume_states;
	default: /* sandboxes are containers to the engine and share their states */
		*ret_count = N(container_states);
		return container_states;
	}
}

bool zf_state_valid(enum zf_kind kind, enum zf_state state)
{
	size_t n;
	const enum zf_state *states = zf_states(kind, &n);

	for (size_t i = 0; i < n; i++)
		if (states[i] == state)
			return true;
	return false;
}

enum zf_state zf_state_from_engine(const struct zf_container_state *st)
{
	static const struct {
		const char *engine;
		enum zf_state zun;
	} map[] = {
		{ "created", ZF_STATE_CREATED },   { "running", ZF_STATE_RUNNING },
		{ "paused", ZF_STATE_PAUSED },     { "restarting", ZF_STATE_RESTARTING },
		{ "removing", ZF_STATE_DELETING }, { "exited", ZF_STATE_STOPPED },
		{ "dead", ZF_STATE_DEAD },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(st->status, map[i].engine) == 0)
			return map[i].zun;
	return ZF_STATE_UNKNOWN;
}

/* States a container settles in: nothing moves it on without the user. */
static bool container_settled(enum zf_state status)
{
	return status == ZF_STATE_CREATED || status == ZF_STATE_STOPPED ||
	       status == ZF_STATE_DEAD || status == ZF_STATE_ERROR;
}

enum zf_until zf_until_verdict(enum zf_kind kind, enum zf_state status, const char *task_state,
			       enum zf_state target)
{
	if (status == target)
		return ZF_UNTIL_REACHED;
	if (task_state && *task_state)
		return ZF_UNTIL_WAIT; /* an operation is in flight: anything may follow */
	if (status == ZF_STATE_DELETING)
		return ZF_UNTIL_NEVER;
	if (kind == ZF_KIND_CONTAINER || kind == ZF_KIND_SANDBOX)
		return container_settled(status) ? ZF_UNTIL_NEVER : ZF_UNTIL_WAIT;
	if (kind == ZF_KIND_CAPSULE)
		return status == ZF_STATE_FINISHED || status == ZF_STATE_FAILED ? ZF_UNTIL_NEVER
										: ZF_UNTIL_WAIT;
	return status == ZF_STATE_ERROR ? ZF_UNTIL_NEVER : ZF_UNTIL_WAIT;
}
