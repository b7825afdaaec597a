/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Both sides of a race on one name, for tests/integration/test_data_devswap.sh:
 *
 *   swap A B SECONDS      the container's side: A and B exchanged by
 *                         renameat2(RENAME_EXCHANGE) as fast as it goes, for
 *                         SECONDS; prints "swaps N"
 *   hammer FILE SECONDS MARK
 *                         the user's side, through the mount: FILE opened
 *                         (O_RDWR, then O_RDWR | O_CREAT, in turn), written
 *                         at 0, read at offset 4096, closed, and truncated
 *                         by its name, for SECONDS; prints "opens N marks N
 *                         writes N": the opens that succeeded, the reads that
 *                         returned MARK (what only the device holds) and the
 *                         writes that succeeded
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "race.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int zf_race_swap(const char *a, const char *b, int seconds)
{
	double end = now_s() + seconds;
	long n = 0;

	while (now_s() < end) {
		if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
			printf("swap: %s\n", strerrorname_np(errno));
			return 1;
		}
		n++;
	}
	printf("swaps %ld\n", n);
	return 0;
}

int zf_race_hammer(const char *file, int seconds, const char *mark)
{
	double end = now_s() + seconds;
	long opens = 0, marks = 0, writes = 0;
	size_t len = strlen(mark);
	char buf[256];

	if (len == 0 || len >= sizeof(buf))
		return 2;
	for (long i = 0; now_s() < end; i++) {
		int fd = open(file, O_RDWR | (i % 2 ? O_CREAT : 0), 0666);
		ssize_t n;

		if (fd >= 0) {
			opens++;
			/* the write first: a read asks the file system for the size
			 * (libfuse's auto_inval_data), which may show the kernel a
			 * device and end this open's I/O */
			if (pwrite(fd, "zunfs-hammer", 12, 0) == 12)
				writes++;
			n = pread(fd, buf, sizeof(buf) - 1, 4096);
			if (n > 0) {
				buf[n] = '\0';
				if (strstr(buf, mark))
					marks++;
			}
			close(fd);
		}
		(void)!truncate(file, 65536);
	}
	printf("opens %ld marks %ld writes %ld\n", opens, marks, writes);
	return 0;
}
