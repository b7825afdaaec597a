/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's inode numbers (FUSE node ids) for the paths of the tree.
 * zunfs's files are known by their paths (tree.c), the kernel's by node
 * ids: a LOOKUP of a name in a directory gives the name a node, the kernel
 * counts its references (each LOOKUP, CREATE, MKNOD, MKDIR or SYMLINK
 * reply is one) and FORGETs them. A node's path is its parents' names.
 *
 * A name unlinked, or renamed over, leaves its node without a name (an
 * orphan) until the kernel forgets it: it keeps what getattr must answer
 * for the open file that still has it (struct zf_orphan), as an unlinked
 * file keeps its inode on a disk file system. A node id is never used
 * twice, so the kernel never takes a new file for an old one.
 *
 * Pure (no FUSE, no registry); thread-safe under one lock of its own,
 * taken alone (never while holding another lock of fs/fuse/ or the
 * registry's, and nothing is taken under it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZF_NODE_ROOT_ID 1

/* What an orphan answers to getattr when no open handle of it can. */
struct zf_orphan {
	bool known; /* false: nothing to say (ESTALE) */
	mode_t mode; /* type and permission bits */
	uid_t uid;
	gid_t gid;
	off_t size;
};

/* Drops every node (at the end; the root stays). */
void zf_nodes_free_all(void);

/*
 * The node of name in directory parent, with one more kernel reference.
 * type: S_IFMT of what the name is now; a node there of another type is
 * orphaned first (the kernel would take the changed type for a corrupt
 * inode). 0, -ENOENT (no such parent), -ENOMEM.
 */
int zf_node_ref(uint64_t parent, const char *name, mode_t type, uint64_t *ret_ino);

/* The kernel forgot n references of ino; at none left, the node goes. */
void zf_node_forget(uint64_t ino, uint64_t n);

/*
 * The path of ino ("/" for the root, else "/a/b") into buf of size bytes.
 * 0, -ENOENT for an unknown node, -ESTALE for an orphan (or one under an
 * orphaned directory), -ENAMETOOLONG when it does not fit.
 */
int zf_node_path(uint64_t ino, char *buf, size_t size);

/* The path of name in directory parent, as zf_node_path. */
int zf_node_child_path(uint64_t parent, const char *name, char *buf, size_t size);

/* What orphan ino answers (known false if it is none or not an orphan). */
struct zf_orphan zf_node_orphan_info(uint64_t ino);

/* name in parent was unlinked or removed: its node, if the kernel has one,
 * becomes an orphan saying info (NULL: nothing). */
void zf_node_unlinked(uint64_t parent, const char *name, const struct zf_orphan *info);

/*
 * name in parent was renamed to newname in newparent: its node follows;
 * a node at the target becomes an orphan saying info (NULL: nothing), or,
 * with exchange, takes the old name. -ENOMEM leaves both as they were.
 */
int zf_node_renamed(uint64_t parent, const char *name, uint64_t newparent, const char *newname,
		    bool exchange, const struct zf_orphan *info);

/*
 * The node at path and, unless it is the root, its directory's node and
 * its name (a pointer into path): for invalidating what the kernel caches.
 * 0, or -ENOENT when the kernel has no node there.
 */
int zf_node_find(const char *path, uint64_t *ret_ino, uint64_t *ret_parent,
		 const char **ret_name);

/* How many nodes the kernel holds (the root included). */
size_t zf_nodes_count(void);
