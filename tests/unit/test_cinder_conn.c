/* SPDX-License-Identifier: Apache-2.0 */
/* Cinder's connection_info decoded (backend/cinder_conn.c), from replies of
 * a real Cinder (tests/fixtures/cinder/README.md). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "../../backend/cinder_conn.h"
#include "fixture.h"

/* md5("127.0.0.1:/tmp/zunfs-cinder/export"): os-brick's mount point of the share */
#define SHARE_MP "/tmp/zunfs-cinder/mnt/2833b50a8aa5fa745330d276e8dde6d5"
#define VOLUME "volume-87aa0893-ca44-4822-ab0e-ea0668b740ac"

static void check_nfs(const char *name)
{
	struct zf_cinder_conn c;
	struct zf_err err = { { 0 } };
	char *json = fixture(name);

	assert_non_null(json);
	assert_int_equal(zf_cinder_conn_parse(json, &c, &err), 0);
	assert_string_equal(c.type, "nfs");
	assert_int_equal(c.kind, ZF_CINDER_CONN_FILE);
	assert_string_equal(c.path, SHARE_MP "/" VOLUME);
	assert_false(c.read_only);
	free(json);
}

/* the legacy reply (data under "data") and the attachments API's (flat) give one path */
static void test_nfs_legacy(void **state)
{
	(void)state;
	check_nfs("cinder/nfs-legacy.json");
}

static void test_nfs_attachment(void **state)
{
	(void)state;
	check_nfs("cinder/nfs-attachment.json");
}

static void test_iscsi(void **state)
{
	struct zf_cinder_conn c;
	char *json = fixture("cinder/iscsi-legacy.json");

	(void)state;
	assert_int_equal(zf_cinder_conn_parse(json, &c, NULL), 0);
	assert_int_equal(c.kind, ZF_CINDER_CONN_ISCSI);
	assert_string_equal(c.target_portal, "192.0.2.10:3260");
	assert_int_equal(c.target_lun, 1);
	assert_string_equal(c.path, "/dev/disk/by-path/ip-192.0.2.10:3260-iscsi-iqn.2010-10.org."
				    "openstack:volume-5b4c2bd0-4cc2-4d5b-9a25-34a4e0a4ec5a-lun-1");
	free(json);
}

static void test_local_and_ro(void **state)
{
	struct zf_cinder_conn c;

	(void)state;
	assert_int_equal(zf_cinder_conn_parse("{\"connection_info\": {\"driver_volume_type\": "
					      "\"local\", \"data\": {\"device_path\": \"/dev/vdb\", "
					      "\"access_mode\": \"ro\"}}}",
					      &c, NULL),
			 0);
	assert_int_equal(c.kind, ZF_CINDER_CONN_BLOCK);
	assert_string_equal(c.path, "/dev/vdb");
	assert_true(c.read_only);
}

/* what zunfs cannot connect, or a reply missing a key: refused, saying which */
static void test_refused(void **state)
{
	struct zf_cinder_conn c;
	struct zf_err err = { { 0 } };
	char *json = fixture("cinder/nfs-legacy.json"), *p;

	(void)state;
	assert_int_equal(zf_cinder_conn_parse("{\"connection_info\": {\"driver_volume_type\": "
					      "\"rbd\", \"data\": {}}}",
					      &c, &err),
			 -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "'rbd'"));
	/* a qcow2 file on the share is no raw disk to loop */
	p = strstr(json, "\"raw\"");
	assert_non_null(p);
	memcpy(p, "\"qcw\"", 5);
	assert_int_equal(zf_cinder_conn_parse(json, &c, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "qcw"));
	p = strstr(json, "\"mount_point_base\"");
	memcpy(p, "\"mount_point_bass\"", 18);
	memcpy(strstr(json, "\"qcw\""), "\"raw\"", 5);
	assert_int_equal(zf_cinder_conn_parse(json, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "mount_point_base"));
	free(json);
	assert_int_equal(zf_cinder_conn_parse("{\"connection_info\": {\"driver_volume_type\": "
					      "\"nfs\", \"data\": {\"export\": \"e\", \"name\": "
					      "\"../x\"}, \"mount_point_base\": \"/m\"}}",
					      &c, &err),
			 -EINVAL);
	assert_int_equal(zf_cinder_conn_parse("{}", &c, &err), -EINVAL);
	assert_int_equal(zf_cinder_conn_parse("not json", &c, &err), -EINVAL);
	assert_int_equal(zf_cinder_conn_parse(NULL, &c, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfs_legacy),   cmocka_unit_test(test_nfs_attachment),
		cmocka_unit_test(test_iscsi),	     cmocka_unit_test(test_local_and_ro),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
