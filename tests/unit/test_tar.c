/* SPDX-License-Identifier: Apache-2.0 */
/* The in-memory ustar of the sandbox image, checked against tar(1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/tar.h"

static void test_header(void **state)
{
	char *tar = NULL;
	size_t len = 0;
	unsigned sum = 0, stored;

	(void)state;
	assert_int_equal(zf_tar_one_file("pause", "hello", 5, 0755, &tar, &len), 0);
	assert_int_equal(len, 512 + 512 + 1024);
	assert_string_equal(tar, "pause");
	assert_memory_equal(tar + 257, "ustar", 6);
	assert_int_equal(tar[156], '0');
	assert_int_equal(strtol(tar + 100, NULL, 8), 0755);
	assert_int_equal(strtol(tar + 124, NULL, 8), 5);
	stored = (unsigned)strtol(tar + 148, NULL, 8);
	memset(tar + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)tar[i];
	assert_int_equal(stored, sum);
	assert_memory_equal(tar + 512, "hello", 5);
	for (size_t i = 512 + 5; i < len; i++)
		assert_int_equal(tar[i], 0);
	free(tar);
	assert_int_equal(zf_tar_one_file("/abs", "", 0, 0644, &tar, &len), -EINVAL);
}

static void test_tar_reads_it(void **state)
{
	char *tar = NULL, cmd[256], dir[] = "/tmp/zunfs-tar-XXXXXX";
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(zf_tar_one_file("bin/x", "#!/bin/sh\n", 10, 0755, &tar, &len), 0);
	snprintf(cmd, sizeof(cmd), "%s/a.tar", dir);
	f = fopen(cmd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(tar, 1, len, f), len);
	fclose(f);
	free(tar);
	/* GNU tar lists it: name, mode and size as written */
	snprintf(cmd, sizeof(cmd), "tar -tvf %s/a.tar > %s/list 2>&1", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "grep -q '^-rwxr-xr-x .* 10 .* bin/x$' %s/list", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_tar_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
