/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "cinder_conn.h"

/* md5hex(s) into out[33]: os-brick names a share's mount point so. */
static int md5hex(const char *s, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL) || n != 16)
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static const char *str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int need(const char *v, const char *key, const char *type, struct zf_err *err)
{
	if (v && v[0])
		return 0;
	return zf_err_set(err, EINVAL, "Cinder's connection_info (%s) has no %s", type, key);
}

static int parse_info(json_t *ci, struct zf_cinder_conn *c, struct zf_err *err)
{
	/* legacy: the type's keys under data; attachments: flat */
	json_t *data = json_is_object(json_object_get(ci, "data")) ? json_object_get(ci, "data") : ci;
	const char *type = str_of(ci, "driver_volume_type");
	const char *mode = str_of(data, "access_mode");
	int r;

	if ((r = need(type, "driver_volume_type", "?", err)) < 0)
		return r;
	snprintf(c->type, sizeof(c->type), "%s", type);
	c->read_only = mode && strcmp(mode, "ro") == 0;
	if (strcmp(type, "nfs") == 0) {
		const char *export = str_of(data, "export"), *name = str_of(data, "name");
		const char *base = str_of(ci, "mount_point_base"), *format = str_of(data, "format");
		char hash[33];

		if (!base)
			base = str_of(data, "mount_point_base");
		if ((r = need(export, "export", type, err)) < 0 ||
		    (r = need(name, "name", type, err)) < 0 ||
		    (r = need(base, "mount_point_base", type, err)) < 0)
			return r;
		if (format && strcmp(format, "raw") != 0)
			return zf_err_set(err, EOPNOTSUPP,
					  "Cinder's nfs volume is in %s format; zunfs loops raw "
					  "files only (nfs_qcow2_volumes = false)",
					  format);
		if (strchr(name, '/') || strcmp(name, "..") == 0)
			return zf_err_set(err, EINVAL, "Cinder's nfs volume name '%s' is not a file name",
					  name);
		if ((r = md5hex(export, hash)) < 0)
			return zf_err_set(err, -r, "md5 of the export failed");
		c->kind = ZF_CINDER_CONN_FILE;
		if ((size_t)snprintf(c->path, sizeof(c->path), "%s/%s/%s", base, hash, name) >=
		    sizeof(c->path))
			return zf_err_set(err, ENAMETOOLONG, "Cinder's nfs volume path is too long");
		return 0;
	}
	if (strcmp(type, "local") == 0) {
		const char *dev = str_of(data, "device_path");

		if ((r = need(dev, "device_path", type, err)) < 0)
			return r;
		c->kind = ZF_CINDER_CONN_BLOCK;
		snprintf(c->path, sizeof(c->path), "%s", dev);
		return 0;
	}
	if (strcmp(type, "iscsi") == 0) {
		const char *portal = str_of(data, "target_portal"), *iqn = str_of(data, "target_iqn");
		json_t *lun = json_object_get(data, "target_lun");

		if ((r = need(portal, "target_portal", type, err)) < 0 ||
		    (r = need(iqn, "target_iqn", type, err)) < 0)
			return r;
		if (!json_is_integer(lun))
			return need(NULL, "target_lun", type, err);
		c->kind = ZF_CINDER_CONN_ISCSI;
		snprintf(c->target_portal, sizeof(c->target_portal), "%s", portal);
		snprintf(c->target_iqn, sizeof(c->target_iqn), "%s", iqn);
		c->target_lun = (int)json_integer_value(lun);
		snprintf(c->path, sizeof(c->path), "/dev/disk/by-path/ip-%s-iscsi-%s-lun-%d", portal,
			 iqn, c->target_lun);
		return 0;
	}
	return zf_err_set(err, EOPNOTSUPP,
			  "Cinder's driver_volume_type '%s' is not one zunfs connects (nfs, local, "
			  "iscsi)",
			  type);
}

int zf_cinder_conn_parse(const char *json, struct zf_cinder_conn *ret, struct zf_err *err)
{
	json_t *root = json_loads(json ? json : "", 0, NULL), *ci;
	struct zf_cinder_conn c = { 0 };
	int r;

	if (!root)
		return zf_err_set(err, EINVAL, "Cinder's connection_info is not JSON");
	ci = json_object_get(root, "connection_info");
	if (!ci && json_is_object(json_object_get(root, "attachment")))
		ci = json_object_get(json_object_get(root, "attachment"), "connection_info");
	if (!ci && json_object_get(root, "driver_volume_type"))
		ci = root; /* a bare connection_info */
	r = json_is_object(ci) ? parse_info(ci, &c, err)
			       : zf_err_set(err, EINVAL, "Cinder's reply has no connection_info");
	json_decref(root);
	if (r == 0)
		*ret = c;
	return r;
}
