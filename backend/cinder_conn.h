/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cinder's connection_info, decoded: what this host opens to reach a
 * volume, by driver_volume_type. Pure (no I/O), for cinder_volume.c and
 * its unit tests (fixtures captured from a real Cinder: tests/fixtures/cinder/).
 *
 * Two shapes are read: the legacy os-initialize_connection reply,
 * {"connection_info": {"driver_volume_type", "data": {...}, ...}}, and the
 * attachments API's (3.44+), {"attachment": {"connection_info": {...}}},
 * where the data's keys sit flat next to driver_volume_type.
 */
#pragma once

#include <stdbool.h>

#include "engine.h"

enum zf_cinder_conn_kind {
	ZF_CINDER_CONN_FILE = 0, /* a file on a mounted share (nfs): looped */
	ZF_CINDER_CONN_BLOCK, /* a block device already on this host (local) */
	ZF_CINDER_CONN_ISCSI, /* an iSCSI target: a login makes the block device */
};

struct zf_cinder_conn {
	char type[32]; /* driver_volume_type, as Cinder gave it */
	enum zf_cinder_conn_kind kind;
	/*
	 * FILE: the volume's file, MOUNT_POINT_BASE/md5hex(EXPORT)/NAME (where
	 * os-brick's RemoteFsConnector finds it); BLOCK: data.device_path;
	 * ISCSI: the device a login gives, /dev/disk/by-path/ip-PORTAL-iscsi-IQN-lun-LUN.
	 */
	char path[4096];
	char target_portal[256], target_iqn[256]; /* ISCSI */
	int target_lun; /* ISCSI */
	bool read_only; /* access_mode "ro" */
};

/*
 * Decodes json (either shape) into *ret. -EOPNOTSUPP, with the type in
 * err, for a driver_volume_type zunfs does not connect, or an nfs volume
 * not in raw format; -EINVAL (err says which key) when a key is missing.
 */
int zf_cinder_conn_parse(const char *json, struct zf_cinder_conn *ret, struct zf_err *err);
