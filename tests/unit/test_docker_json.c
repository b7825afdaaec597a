/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding the engine's replies (fixtures captured from dockerd 20.10) and
 * building the create body. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/docker_json.h"
#include "../../fs/kinds.h"
#include "fixture.h"

#define UUID "11111111-2222-4333-8444-555555555555"
#define INSTANCE "99999999-8888-4777-8666-555555555555"

static void test_inspect_created(void **state)
{
	char *json = fixture("inspect_created.json");
	struct zf_container_state st;

	(void)state;
	assert_non_null(json);
	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	assert_string_equal(st.status, "created");
	assert_string_equal(st.uuid, UUID);
	assert_string_equal(st.instance, INSTANCE);
	assert_int_equal(strlen(st.id), 64);
	assert_string_equal(zf_state_word(zf_state_from_engine(&st)), "Created");
	free(json);
}

static void test_inspect_exited(void **state)
{
	char *json = fixture("inspect_exited.json");
	struct zf_container_state st;

	(void)state;
	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	assert_string_equal(st.status, "exited");
	assert_int_equal(st.exit_code, 3);
	assert_false(st.oom_killed);
	assert_string_equal(st.error, "");
	assert_true(strncmp(st.started_at, "20", 2) == 0);
	assert_string_equal(zf_state_word(zf_state_from_engine(&st)), "Stopped");
	free(json);
}

static void test_inspect_bad(void **state)
{
	struct zf_container_state st;

	(void)state;
	assert_int_equal(zf_docker_parse_inspect("", &st), -EINVAL);
	assert_int_equal(zf_docker_parse_inspect("[]", &st), -EINVAL);
	assert_int_equal(zf_docker_parse_inspect("{\"Id\":\"x\"}", &st), -EINVAL);
	assert_int_equal(zf_docker_parse_inspect("{\"State\":{}}", &st), -EINVAL);
}

static void test_list(void **state)
{
	char *json = fixture("list.json");
	struct zf_container_summary *list = NULL;

	(void)state;
	assert_int_equal(zf_docker_parse_list(json, &list), 1);
	assert_string_equal(list[0].uuid, UUID);
	assert_string_equal(list[0].instance, INSTANCE);
	assert_string_equal(list[0].name, "fx");
	assert_string_equal(list[0].kind, "container");
	assert_string_equal(list[0].state, "exited");
	free(list);
	free(json);
	assert_int_equal(zf_docker_parse_list("[]", &list), 0);
	free(list);
	assert_int_equal(zf_docker_parse_list("{}", &list), -EINVAL);
}

static void test_events(void **state)
{
	char *all = fixture("events.jsonl"), *save = NULL;
	const char *want[] = { "start", "die", "destroy" };
	struct zf_engine_event ev;
	int i = 0;

	(void)state;
	for (char *line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		assert_int_equal(zf_docker_parse_event(line, &ev), 0);
		assert_string_equal(ev.action, want[i]);
		assert_string_equal(ev.uuid, UUID);
		assert_int_equal(ev.exit_code, i == 1 ? 3 : -1);
	}
	assert_int_equal(i, 3);
	free(all);
	all = fixture("event_network.json");
	assert_int_equal(zf_docker_parse_event(all, &ev), -ENOENT);
	free(all);
	assert_int_equal(zf_docker_parse_event("not json", &ev), -EINVAL);
	assert_int_equal(zf_docker_parse_event(
				 "{\"Type\":\"container\",\"Action\":\"exec_start: sh -c ls\","
				 "\"Actor\":{\"ID\":\"a\",\"Attributes\":{}}}",
				 &ev),
			 0);
	assert_string_equal(ev.action, "exec_start");
}

static void test_errors_and_pull(void **state)
{
	char *body = fixture("create_error.json"), buf[256];

	(void)state;
	zf_docker_error_message(body, buf, sizeof(buf));
	assert_string_equal(buf, "No such image: nosuch:1");
	free(body);
	zf_docker_error_message("plain text\nsecond line", buf, sizeof(buf));
	assert_string_equal(buf, "plain text");
	body = fixture("pull_stream_error.jsonl");
	assert_int_equal(zf_docker_pull_result(body, buf, sizeof(buf)), -EIO);
	assert_string_equal(buf, "manifest for x:1 not found");
	free(body);
	body = fixture("pull_ok.jsonl");
	assert_int_equal(zf_docker_pull_result(body, buf, sizeof(buf)), 0);
	free(body);
}

static void test_create_reply_and_version(void **state)
{
	char *body = fixture("create.json"), *id = NULL, *line = NULL;

	(void)state;
	assert_int_equal(zf_docker_parse_create(body, &id), 0);
	assert_int_equal(strlen(id), 64);
	free(id);
	free(body);
	assert_int_equal(zf_docker_parse_create("{\"Warnings\":[]}", &id), -EINVAL);
	body = fixture("version.json");
	assert_int_equal(zf_docker_parse_version(body, &line), 0);
	assert_true(strncmp(line, "Docker Engine 20.", 17) == 0);
	assert_non_null(strstr(line, "API 1.41"));
	free(line);
	free(body);
}

static void test_create_body(void **state)
{
	char *cmd[] = { "sh", "-c", "echo hi", NULL };
	struct zf_kv env[] = { { "A", "1" } };
	struct zf_kv labels[] = { { "app", "web" }, { "zunfs.uuid", "forged" } };
	struct zf_port ports[] = { { 80, 8080, "tcp" } };
	struct zf_container_config cfg = {
		.image = "busybox",
		.command = cmd,
		.workdir = "/tmp",
		.env = env,
		.n_env = 1,
		.labels = labels,
		.n_labels = 2,
		.restart_policy = "on-failure",
		.restart_max_retries = 3,
		.nano_cpus = 500000000,
		.memory_bytes = 67108864,
		.ports = ports,
		.n_ports = 1,
		.tty = true,
		.stdin_open = true,
	};
	struct zf_owner_labels owner = { .uuid = UUID, .kind = "container", .name = "web",
					 .instance = INSTANCE, .owner_uid = 1000 };
	char *body = zf_docker_create_body(&cfg, &owner);
	json_t *o = json_loads(body, 0, NULL), *host = json_object_get(o, "HostConfig");

	(void)state;
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "Image")), "busybox");
	assert_int_equal(json_array_size(json_object_get(o, "Cmd")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "Env"), 0)), "A=1");
	assert_string_equal(json_string_value(json_object_get(o, "WorkingDir")), "/tmp");
	/* a user label cannot forge zunfs's own */
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "Labels"),
								"zunfs.uuid")),
			    UUID);
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "Labels"),
								"zunfs.owner")),
			    "1000");
	assert_null(json_object_get(json_object_get(o, "Labels"), "zunfs.role"));
	assert_true(json_is_true(json_object_get(o, "Tty")));
	assert_true(json_is_true(json_object_get(o, "OpenStdin")));
	assert_non_null(json_object_get(json_object_get(o, "ExposedPorts"), "80/tcp"));
	assert_string_equal(json_string_value(json_object_get(host, "NetworkMode")), "none");
	assert_int_equal(json_integer_value(json_object_get(host, "NanoCpus")), 500000000);
	assert_int_equal(json_integer_value(json_object_get(host, "Memory")), 67108864);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(host, "RestartPolicy"), "MaximumRetryCount")),
			 3);
	json_decref(o);
	free(body);

	/* joined to another's network: its ports are that container's, the engine
	 * refuses them here */
	cfg.join_ns = "0123abcd";
	body = zf_docker_create_body(&cfg, &owner);
	o = json_loads(body, 0, NULL);
	host = json_object_get(o, "HostConfig");
	assert_string_equal(json_string_value(json_object_get(host, "NetworkMode")),
			    "container:0123abcd");
	assert_null(json_object_get(o, "ExposedPorts"));
	json_decref(o);
	free(body);
}

/* what a securityContext and a dnsConfig give the engine */
static void test_create_body_security(void **state)
{
	char *drop[] = { "NET_RAW", "ALL", NULL };
	char *dns[] = { "127.0.0.1", NULL }, *search[] = { "example", NULL }, *opts[] = { "ndots:2", NULL };
	int64_t groups[] = { 3000, 4000 };
	struct zf_container_config cfg = {
		.image = "busybox", .restart_policy = "no", .user = "1000:2000",
		.read_only_rootfs = true, .no_new_privileges = true, .cap_drop = drop,
		.group_add = groups, .n_group_add = 2, .dns = dns, .dns_search = search,
		.dns_options = opts,
	};
	struct zf_owner_labels owner = { .uuid = UUID, .kind = "container", .name = "web",
					 .instance = INSTANCE, .owner_uid = 1000 };
	char *body = zf_docker_create_body(&cfg, &owner);
	json_t *o = json_loads(body, 0, NULL), *host = json_object_get(o, "HostConfig");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(o, "User")), "1000:2000");
	assert_true(json_is_true(json_object_get(host, "ReadonlyRootfs")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "SecurityOpt"), 0)),
			    "no-new-privileges");
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "CapDrop"), 1)), "ALL");
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "GroupAdd"), 1)), "4000");
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "Dns"), 0)), "127.0.0.1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "DnsSearch"), 0)), "example");
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "DnsOptions"), 0)), "ndots:2");
	json_decref(o);
	free(body);
	/* none of it asked: none of it sent */
	memset(&cfg, 0, sizeof(cfg));
	cfg.image = "busybox";
	body = zf_docker_create_body(&cfg, &owner);
	o = json_loads(body, 0, NULL);
	host = json_object_get(o, "HostConfig");
	assert_null(json_object_get(o, "User"));
	assert_null(json_object_get(host, "ReadonlyRootfs"));
	assert_null(json_object_get(host, "SecurityOpt"));
	assert_null(json_object_get(host, "CapDrop"));
	assert_null(json_object_get(host, "GroupAdd"));
	assert_null(json_object_get(host, "Dns"));
	json_decref(o);
	free(body);
}

/* an image's user, and a container's address (none on network none) */
static void test_image_user_and_ip(void **state)
{
	struct zf_container_state st;
	char *user = NULL;

	(void)state;
	assert_int_equal(zf_docker_parse_image_user("{\"Config\":{\"User\":\"65534:65534\"}}", &user), 0);
	assert_string_equal(user, "65534:65534");
	free(user);
	assert_int_equal(zf_docker_parse_image_user("{\"Config\":{\"Cmd\":[\"sh\"]}}", &user), 0);
	assert_string_equal(user, "");
	free(user);
	assert_int_equal(zf_docker_parse_image_user("[]", &user), -EINVAL);
	assert_int_equal(zf_docker_parse_inspect("{\"Id\":\"a\",\"State\":{\"Status\":\"running\"},"
						 "\"NetworkSettings\":{\"Networks\":{\"none\":{\"IPAddress\":\"\"}}}}",
						 &st),
			 0);
	assert_string_equal(st.ip, "");
	assert_int_equal(zf_docker_parse_inspect("{\"Id\":\"a\",\"State\":{\"Status\":\"running\"},"
						 "\"NetworkSettings\":{\"Networks\":{\"n1\":{\"IPAddress\":\"10.1.2.3\"}}}}",
						 &st),
			 0);
	assert_string_equal(st.ip, "10.1.2.3");
}

/* the local volume driver's bodies and replies, and mounts in a create body */
static void test_volumes(void **state)
{
	struct zf_kv opts[] = { { "type", "tmpfs" }, { "device", "tmpfs" } };
	struct zf_owner_labels owner = { .uuid = UUID, .kind = "volume", .name = "data",
					 .instance = INSTANCE, .owner_uid = 1000 };
	struct zf_mount mounts[] = { { "zunfs-v1", "/data", true, false },
				     { "/srv/x", "/x", false, true } };
	struct zf_container_config cfg = { .image = "busybox", .mounts = mounts, .n_mounts = 2,
					   .volumes_from = "sb1" };
	struct zf_volume_summary *list = NULL;
	char *body, *mp = NULL, *json;
	json_t *o, *m;

	(void)state;
	body = zf_docker_volume_create_body("zunfs-v1", opts, 2, &owner);
	o = json_loads(body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "Name")), "zunfs-v1");
	assert_string_equal(json_string_value(json_object_get(o, "Driver")), "local");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "DriverOpts"),
								"type")),
			    "tmpfs");
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "Labels"),
								"zunfs.uuid")),
			    UUID);
	json_decref(o);
	free(body);

	json = fixture("volume.json");
	assert_int_equal(zf_docker_parse_volume(json, &mp), 0);
	assert_string_equal(mp, "/tmp/zc/data/volumes/zunfs-fixture/_data");
	free(mp);
	free(json);
	assert_int_equal(zf_docker_parse_volume("{}", &mp), -EINVAL);
	json = fixture("volume_list.json");
	assert_int_equal(zf_docker_parse_volume_list(json, &list), 1);
	assert_string_equal(list[0].name, "zunfs-fixture");
	assert_string_equal(list[0].uuid, "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b");
	free(list);
	free(json);
	/* an engine with none may say null */
	assert_int_equal(zf_docker_parse_volume_list("{\"Volumes\":null}", &list), 0);
	free(list);
	assert_int_equal(zf_docker_parse_volume_list("[]", &list), -EINVAL);

	body = zf_docker_create_body(&cfg, &owner);
	o = json_loads(body, 0, NULL);
	m = json_object_get(json_object_get(o, "HostConfig"), "Mounts");
	assert_int_equal(json_array_size(m), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 0), "Type")),
			    "volume");
	assert_true(json_is_true(json_object_get(json_array_get(m, 0), "ReadOnly")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "Type")),
			    "bind");
	assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "Target")),
			    "/x");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(o, "HostConfig"), "VolumesFrom"),
				    0)),
			    "sb1");
	json_decref(o);
	free(body);
}

static void test_stats(void **state)
{
	char *out = NULL;
	json_t *o;

	(void)state;
	assert_int_equal(zf_docker_summarize_stats("{\"read\": \"2025-01-02T03:04:05Z\", "
						   "\"pids_stats\": {\"current\": 3}, "
						   "\"cpu_stats\": {\"cpu_usage\": {\"total_usage\": 2000}, "
						   "\"system_cpu_usage\": 90000, \"online_cpus\": 2}, "
						   "\"precpu_stats\": {\"cpu_usage\": {\"total_usage\": 1000}, "
						   "\"system_cpu_usage\": 80000}, "
						   "\"memory_stats\": {\"usage\": 4096, \"limit\": 65536, "
						   "\"stats\": {\"total_inactive_file\": 1024}}, "
						   "\"blkio_stats\": {\"io_service_bytes_recursive\": "
						   "[{\"op\": \"Read\", \"value\": 10}, "
						   "{\"op\": \"write\", \"value\": 20}]}, "
						   "\"networks\": {\"eth0\": {\"rx_bytes\": 5, \"tx_bytes\": 6}, "
						   "\"eth1\": {\"rx_bytes\": 1, \"tx_bytes\": 1}}}",
						   &out),
			 0);
	o = json_loads(out, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "read_at")), "2025-01-02T03:04:05Z");
	/* (2000 - 1000) / (90000 - 80000) of 2 cpus */
	assert_true(json_real_value(json_object_get(o, "cpu_percent")) > 19.999 &&
		    json_real_value(json_object_get(o, "cpu_percent")) < 20.001);
	assert_int_equal(json_integer_value(json_object_get(o, "memory_usage")), 3072);
	assert_int_equal(json_integer_value(json_object_get(o, "pids")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "block_read")), 10);
	assert_int_equal(json_integer_value(json_object_get(o, "block_write")), 20);
	assert_int_equal(json_integer_value(json_object_get(o, "net_rx")), 6);
	assert_int_equal(json_integer_value(json_object_get(o, "net_tx")), 7);
	json_decref(o);
	free(out);
	assert_int_equal(zf_docker_summarize_stats("{\"cpu_stats\": {}}", &out), -EINVAL);

	/* counters past json_int_t are held at its ends, not overflowed (found
	 * while fuzzing: signed overflow, undefined behaviour) */
	assert_int_equal(zf_docker_summarize_stats("{\"memory_stats\": {}, "
						   "\"cpu_stats\": {\"cpu_usage\": {\"total_usage\": "
						   "9223372036854775807}, \"system_cpu_usage\": "
						   "9223372036854775807}, "
						   "\"precpu_stats\": {\"cpu_usage\": {\"total_usage\": -1}, "
						   "\"system_cpu_usage\": -9223372036854775807}, "
						   "\"blkio_stats\": {\"io_service_bytes_recursive\": "
						   "[{\"op\": \"read\", \"value\": 9223372036854775807}, "
						   "{\"op\": \"read\", \"value\": 9223372036854775807}, "
						   "{\"op\": \"write\", \"value\": -9223372036854775807}, "
						   "{\"op\": \"write\", \"value\": -9223372036854775807}]}, "
						   "\"networks\": {\"a\": {\"rx_bytes\": 9223372036854775807}, "
						   "\"b\": {\"rx_bytes\": 1}}}",
						   &out),
			 0);
	o = json_loads(out, 0, NULL);
	assert_true(json_real_value(json_object_get(o, "cpu_percent")) > 0.0);
	assert_true(json_integer_value(json_object_get(o, "block_read")) == LLONG_MAX);
	assert_true(json_integer_value(json_object_get(o, "block_write")) == LLONG_MIN);
	assert_true(json_integer_value(json_object_get(o, "net_rx")) == LLONG_MAX);
	json_decref(o);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_created),
		cmocka_unit_test(test_create_body_security),
		cmocka_unit_test(test_image_user_and_ip),
		cmocka_unit_test(test_inspect_exited),
		cmocka_unit_test(test_inspect_bad),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_errors_and_pull),
		cmocka_unit_test(test_create_reply_and_version),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
