/* SPDX-License-Identifier: Apache-2.0 */
/* The kinds of objects, their state words, and names: pure, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../backend/engine.h"

enum zf_kind {
	ZF_KIND_CONTAINER,
	ZF_KIND_CAPSULE,
	ZF_KIND_SANDBOX,
	ZF_KIND_VOLUME,
	ZF_KIND_COUNT,
};

#define ZF_NAME_MAX 63

/* "containers", "capsules", ...: the directory of a kind. */
const char *zf_kind_dir(enum zf_kind kind);
/* "container", "capsule", ...: the word in labels, events and the store. */
const char *zf_kind_word(enum zf_kind kind);
/* Looks a directory name ("containers") or word ("container") up; -ENOENT if none. */
int zf_kind_from_dir(const char *dir);
int zf_kind_from_word(const char *word);
/* Whether this build can make objects of the kind yet. */
bool zf_kind_supported(enum zf_kind kind);

/* 0 if name is a valid object name, -EINVAL or -ENAMETOOLONG. */
int zf_name_check(const char *name);

/*
 * Every state an object can be in, the union of the kinds' lists (each
 * kind's own: zf_states), all with Empty before a spec. Containers and
 * sandboxes: OpenStack Zun's container states. Capsules: the capsule spec's,
 * after Kubernetes' pod phases (Pending, Running, Failed, Unknown; Finished
 * for Succeeded) with Starting. Volumes: Cinder's volume states (creating,
 * available, in-use, deleting, error) in Zun's capitals. The words
 * (zf_state_word) are shown (status, inspect.json, events, until/, reasons)
 * and stored (the store's status column); code compares these values.
 */
enum zf_state {
	ZF_STATE_EMPTY, /* no spec yet */
	ZF_STATE_CREATING,
	ZF_STATE_CREATED,
	ZF_STATE_RUNNING,
	ZF_STATE_STOPPED,
	ZF_STATE_PAUSED,
	ZF_STATE_RESTARTING,
	ZF_STATE_REBUILDING,
	ZF_STATE_DELETING,
	ZF_STATE_DEAD,
	ZF_STATE_ERROR,
	ZF_STATE_UNKNOWN,
	ZF_STATE_PENDING,
	ZF_STATE_STARTING,
	ZF_STATE_FINISHED,
	ZF_STATE_FAILED,
	ZF_STATE_AVAILABLE,
	ZF_STATE_IN_USE,
	ZF_STATE_COUNT,
	/* not a state: what a setter takes to leave the status as it is */
	ZF_STATE_KEEP,
};

/* "Running", "In-use", ...: the state's word; "?" for none (ZF_STATE_KEEP). */
const char *zf_state_word(enum zf_state state);
/* The state of a word (exact spelling), or -ENOENT. */
int zf_state_from_word(const char *word);

/* Whether state is one of the kind's. */
bool zf_state_valid(enum zf_kind kind, enum zf_state state);
/* The states of a kind (the order until/ lists them in), *ret_count of them. */
const enum zf_state *zf_states(enum zf_kind kind, size_t *ret_count);

/* Zun's state for what the engine says of a container. */
enum zf_state zf_state_from_engine(const struct zf_container_state *st);

enum zf_until {
	ZF_UNTIL_REACHED,
	ZF_UNTIL_WAIT,
	ZF_UNTIL_NEVER, /* the target cannot follow without the user acting */
};

/*
 * Whether a reader of until/TARGET is done, keeps waiting or fails, given the
 * object's status and task_state (empty when no operation is in flight).
 */
enum zf_until zf_until_verdict(enum zf_kind kind, enum zf_state status, const char *task_state,
			       enum zf_state target);
