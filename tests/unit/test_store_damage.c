/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A damaged store file is refused (-EUCLEAN) and left byte for byte as it
 * was, with nothing made beside it; what a kill -9 leaves (a WAL, even one
 * with a transaction's uncommitted pages) is not damage. See store.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../fs/store.h"

#define SPEC_TEXT                                                                      \
	"image: busybox\n"                                                             \
	"command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 1; done\"]\n"     \
	"env: {GREETING: hello, WHO: world}\n"                                         \
	"resources: {requests: {cpu: 0.5, memory: 64Mi}, limits: {memory: 128Mi}}\n" \
	"volumeMounts: [{name: site, mountPath: /www, readOnly: true}]\n"

struct fixture {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/zunfs-damage-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/zunfs.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct zf_record rec(int i)
{
	struct zf_record r = { .kind = ZF_KIND_CONTAINER, .owner = 1000 };

	snprintf(r.uuid, sizeof(r.uuid), "00000000-0000-4000-8000-%012d", i);
	snprintf(r.name, sizeof(r.name), "c%d", i);
	r.status = ZF_STATE_RUNNING;
	snprintf(r.task_state, sizeof(r.task_state), i % 3 ? "" : "container_starting");
	snprintf(r.engine_id, sizeof(r.engine_id), "%064d", i);
	snprintf(r.created_at, sizeof(r.created_at), "2026-01-01T00:00:00.%03dZ", i % 1000);
	snprintf(r.updated_at, sizeof(r.updated_at), "2026-01-01T00:00:01.000Z");
	r.spec = SPEC_TEXT;
	r.status_reason = "exited with code 0";
	return r;
}

/* A store at f->path with n records, closed (its WAL checkpointed into it). */
static void make_store(struct fixture *f, int n)
{
	struct zf_store *s = NULL;

	assert_int_equal(zf_store_create(f->path), 0);
	assert_int_equal(zf_store_open(f->path, &s), 0);
	for (int i = 0; i < n; i++) {
		struct zf_record r = rec(i);

		assert_int_equal(zf_store_insert(s, &r), 0);
	}
	zf_store_close(s);
}

/* The file's bytes (NULL, 0 if absent). */
static char *slurp(const char *path, size_t *ret_size)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	*ret_size = 0;
	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*ret_size = (size_t)st.st_size;
	return buf;
}

/* The directory's names, sorted, one string. */
static void listing(const char *dir, char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t len = 0;

	assert_true(n >= 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, size - len, "%s ", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static size_t page_size_of(const char *path)
{
	unsigned char h[18];
	int fd = open(path, O_RDONLY);
	size_t page;

	assert_true(fd >= 0);
	assert_int_equal(read(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	close(fd);
	page = (size_t)h[16] << 8 | h[17];
	return page == 1 ? 65536 : page;
}

/*
 * f->path as it is now is refused by check, open and create, with a reason
 * containing `words`, and nothing changes: the same bytes, no file made or
 * removed beside it.
 */
static void assert_refused(struct fixture *f, const char *words)
{
	struct zf_store_report rep;
	struct zf_store *s = NULL;
	char before[1024], after[1024];
	size_t n0, n1;
	char *b0 = slurp(f->path, &n0), *b1;

	listing(f->dir, before, sizeof(before));
	assert_int_equal(zf_store_check(f->path, &rep), -EUCLEAN);
	if (!strstr(rep.why, words))
		fail_msg("reason '%s' does not say '%s'", rep.why, words);
	assert_int_equal(zf_store_open(f->path, &s), -EUCLEAN);
	assert_null(s);
	assert_true(zf_store_create(f->path) < 0);
	b1 = slurp(f->path, &n1);
	listing(f->dir, after, sizeof(after));
	assert_string_equal(after, before);
	assert_int_equal(n1, n0);
	if (n0)
		assert_memory_equal(b1, b0, n0);
	free(b0);
	free(b1);
}

/* cut at size bytes */
static void cut(struct fixture *f, off_t size)
{
	assert_int_equal(truncate(f->path, size), 0);
}

static void test_truncated_in_header(void **state)
{
	struct fixture *f = *state;

	make_store(f, 50);
	cut(f, 60);
	assert_refused(f, "truncated inside its header: 60 bytes");
	cut(f, 10); /* not even the whole magic */
	assert_refused(f, "truncated inside its header: 10 bytes");
}

static void test_truncated_mid_page(void **state)
{
	struct fixture *f = *state;
	size_t page;
	char words[100];

	make_store(f, 200);
	page = page_size_of(f->path);
	cut(f, (off_t)(page * 3 + page / 2));
	snprintf(words, sizeof(words), "truncated mid-page: %zu bytes", page * 3 + page / 2);
	assert_refused(f, words);
	/* one byte short of a page boundary */
	cut(f, (off_t)(page * 3 - 1));
	snprintf(words, sizeof(words), "truncated mid-page: %zu bytes", page * 3 - 1);
	assert_refused(f, words);
}

static void test_truncated_at_page(void **state)
{
	struct fixture *f = *state;
	struct zf_store_report rep;
	size_t page;

	make_store(f, 200);
	page = page_size_of(f->path);
	cut(f, (off_t)(page * 2));
	assert_refused(f, "truncated: ");
	/* the instance id is still read, for the message */
	zf_store_check(f->path, &rep);
	assert_int_equal(strlen(rep.instance), ZF_UUID_LEN);
}

static void test_random_bytes(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[16384];
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	write_file(f->path, buf, sizeof(buf));
	assert_refused(f, "not an SQLite database");
	/* SQLite's magic, then garbage: a page size that is none */
	memcpy(buf, "SQLite format 3", 16);
	buf[16] = 0x03;
	buf[17] = 0x00;
	write_file(f->path, buf, sizeof(buf));
	assert_refused(f, "page size of 768");
}

/* 0 bytes is damage: zf_store_create never leaves an empty file (see store.h) */
static void test_empty_file(void **state)
{
	struct fixture *f = *state;
	char wal[128];

	write_file(f->path, "", 0);
	assert_refused(f, "empty (0 bytes)");
	/* SQLite would drop a WAL beside an empty database: it stays */
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	write_file(wal, "not really a WAL, but bytes worth keeping", 41);
	assert_refused(f, "empty (0 bytes)");
	assert_int_equal(access(wal, F_OK), 0);
}

static void test_corrupted_page(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[64];
	size_t page, size;
	char *b = NULL;
	int fd;

	make_store(f, 300);
	page = page_size_of(f->path);
	free(b = slurp(f->path, &size));
	assert_true(size / page >= 6);
	/* bytes across a page boundary mid-file: the end of one page, the header of the next */
	memset(junk, 0xa5, sizeof(junk));
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), (off_t)((size / page / 2) * page - 32)),
			 (ssize_t)sizeof(junk));
	close(fd);
	assert_refused(f, "integrity_check");
}

/* a database SQLite reads, but not zunfs's: never made into one */
static void test_foreign_database(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "sqlite3 %s 'CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES(1)'", f->path);
	assert_int_equal(system(cmd), 0);
	assert_refused(f, "not a zunfs store");
}

/* the WAL of a store moved away would be taken for a new store's own */
static void test_orphaned_wal(void **state)
{
	struct fixture *f = *state;
	struct zf_store_report rep;
	struct zf_store *s = NULL;
	char wal[128];

	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	write_file(wal, "0123456789abcdef0123456789abcdef0123456789", 42);
	assert_int_equal(zf_store_check(f->path, &rep), -EUCLEAN);
	assert_non_null(strstr(rep.why, "its WAL"));
	assert_int_equal(zf_store_create(f->path), -EUCLEAN);
	assert_int_equal(zf_store_open(f->path, &s), -EUCLEAN);
	assert_int_equal(access(f->path, F_OK), -1);
}

/* a made store leaves nothing else: no temporary file, no WAL */
static void test_create_whole(void **state)
{
	struct fixture *f = *state;
	struct zf_store_report rep;
	char names[256];

	make_store(f, 0);
	listing(f->dir, names, sizeof(names));
	assert_string_equal(names, ". .. zunfs.db ");
	assert_int_equal(zf_store_check(f->path, &rep), 0);
	assert_int_equal(strlen(rep.instance), ZF_UUID_LEN);
	/* a dangling symlink is something there: not replaced */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(symlink("/nonexistent/zunfs.db", f->path), 0);
	assert_int_equal(zf_store_create(f->path), -EEXIST);
}

/*
 * A kill -9 in the middle of a transaction: a child process commits n
 * records through the store, then, in a transaction of its own, writes so
 * much that SQLite spills uncommitted pages into the WAL, and is killed
 * there. The WAL and SHM it leaves are not damage: the check reads them
 * without changing the database or the WAL, and the store opens with the
 * committed records, whole, and none of the uncommitted ones.
 */
static void test_kill9_mid_transaction(void **state)
{
	struct fixture *f = *state;
	struct zf_store *s = NULL;
	struct zf_record *all = NULL;
	char wal[128];
	size_t n = 0, db0, db1, wal0, wal1;
	char *bdb0, *bdb1, *bwal0, *bwal1;
	struct stat st;
	int fds[2], committed = 120;
	long wal_before = 0;
	pid_t pid;

	make_store(f, 0);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		char sql[512];

		close(fds[0]);
		if (zf_store_open(f->path, &s) < 0)
			_exit(2);
		for (int i = 0; i < committed; i++) {
			struct zf_record r = rec(i);

			if (zf_store_insert(s, &r) < 0)
				_exit(3);
		}
		wal_before = stat(wal, &st) == 0 ? (long)st.st_size : -1;
		if (sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "PRAGMA cache_size = 1; BEGIN IMMEDIATE", NULL, NULL, NULL) !=
			    SQLITE_OK)
			_exit(4);
		snprintf(sql, sizeof(sql),
			 "WITH RECURSIVE c(x) AS "
			 "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) "
			 "INSERT INTO objects(uuid, kind, name, owner, spec, status, created_at, "
			 "updated_at) SELECT 'half-' || x, 'container', 'half' || x, 0, "
			 "hex(randomblob(500)), 'Empty', 'x', 'x' FROM c");
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "child: %s\n", sqlite3_errmsg(db));
			_exit(5);
		}
		if (write(fds[1], &wal_before, sizeof(wal_before)) != sizeof(wal_before))
			_exit(6);
		pause(); /* killed here, the transaction open */
		_exit(7);
	}
	close(fds[1]);
	if (read(fds[0], &wal_before, sizeof(wal_before)) != sizeof(wal_before)) {
		int status = 0;

		waitpid(pid, &status, 0);
		fail_msg("the child did not get to its transaction (exit %d)", WEXITSTATUS(status));
	}
	close(fds[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	/* the uncommitted pages are in the WAL, beyond what was committed */
	assert_int_equal(stat(wal, &st), 0);
	assert_true(wal_before > 0);
	assert_true(st.st_size > wal_before);

	bdb0 = slurp(f->path, &db0);
	bwal0 = slurp(wal, &wal0);
	assert_int_equal(zf_store_check(f->path, NULL), 0);
	bdb1 = slurp(f->path, &db1);
	bwal1 = slurp(wal, &wal1);
	assert_int_equal(db1, db0);
	assert_memory_equal(bdb1, bdb0, db0);
	assert_int_equal(wal1, wal0);
	assert_memory_equal(bwal1, bwal0, wal0);
	free(bdb0);
	free(bdb1);
	free(bwal0);
	free(bwal1);

	assert_int_equal(zf_store_open(f->path, &s), 0);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, committed);
	for (size_t i = 0; i < n; i++) {
		struct zf_record want = rec((int)i);

		assert_string_equal(all[i].uuid, want.uuid);
		assert_string_equal(all[i].name, want.name);
		assert_string_equal(all[i].spec, SPEC_TEXT);
		assert_string_equal(zf_state_word(all[i].status), "Running");
		assert_string_equal(all[i].engine_id, want.engine_id);
		assert_string_equal(all[i].task_state, want.task_state);
	}
	zf_records_free(all, n);
	zf_store_close(s);
	assert_int_equal(zf_store_check(f->path, NULL), 0);
}

/* What the check costs on a store of 2000 records (printed, not judged). */
static void test_check_cost(void **state)
{
	struct fixture *f = *state;
	struct timespec t0, t1;
	size_t size;

	make_store(f, 2000);
	free(slurp(f->path, &size));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(zf_store_check(f->path, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("zf_store_check: 2000 records, %zu KiB: %.1f ms\n", size / 1024,
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated_in_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_mid_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_at_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphaned_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_mid_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_cost, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
