/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's check: probes and Zun's healthcheck parsed and mapped to the
 * engine's one check (and refused where it cannot run them as written), the
 * check in the engine's create body, the engine's health decoded from
 * inspect replies captured from a real dockerd, and what zunfs shows of it
 * (the health file, inspect.json, until/healthy).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "../../backend/docker_json.h"
#include "../../fs/health.h"
#include "../../fs/spec.h"
#include "../../fs/tree.h"
#include "fixture.h"

#define S (1000000000LL)

static struct zf_container_spec *parse_ok(const char *text)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	int r = zf_spec_parse_container(text, strlen(text), &spec, &e);

	if (r != 0)
		print_error("unexpected error: line %d col %d: %s\n", e.line, e.column, e.msg);
	assert_int_equal(r, 0);
	return spec;
}

/* text is refused with EINVAL at line:column, its message containing want. */
static void parse_bad(const char *text, int line, int column, const char *want)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	int r = zf_spec_parse_container(text, strlen(text), &spec, &e);

	if (r != -EINVAL || !strstr(e.msg, want) || e.line != line || e.column != column)
		print_error("for:\n%s\ngot %d at %d:%d: %s\nwant -EINVAL at %d:%d: ...%s...\n",
			    text, r, e.line, e.column, e.msg, line, column, want);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(e.msg, want));
	assert_int_equal(e.line, line);
	assert_int_equal(e.column, column);
	assert_null(spec);
}

static void assert_test(char *const *test, const char *const *want)
{
	size_t i;

	assert_non_null(test);
	for (i = 0; want[i]; i++) {
		assert_non_null(test[i]);
		assert_string_equal(test[i], want[i]);
	}
	assert_null(test[i]);
}

/* ---- probes as the engine's check ---------------------------------------- */

static void test_no_check(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n");

	(void)state;
	assert_null(s->cfg->health);
	assert_int_equal(s->check_from, 0);
	zf_container_spec_free(s);
}

static void test_exec_liveness(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "livenessProbe:\n"
					       "  exec: {command: [test, -f, /tmp/ok]}\n");
	const struct zf_healthcheck *h = s->cfg->health;

	(void)state;
	assert_non_null(h);
	assert_test(h->test, (const char *const[]){ "CMD", "test", "-f", "/tmp/ok", NULL });
	/* Kubernetes' defaults, in the engine's units */
	assert_int_equal(h->interval_ns, 10 * S);
	assert_int_equal(h->timeout_ns, 1 * S);
	assert_int_equal(h->retries, 3);
	assert_int_equal(h->start_period_ns, 0);
	assert_int_equal(h->start_interval_ns, 0);
	assert_int_equal(s->check_from, ZF_CHECK_LIVENESS);
	zf_container_spec_free(s);
}

static void test_tcp_readiness(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "readinessProbe:\n"
					       "  tcpSocket: {port: 8080, host: localhost}\n"
					       "  periodSeconds: 2\n"
					       "  timeoutSeconds: 3\n"
					       "  failureThreshold: 5\n"
					       "  initialDelaySeconds: 2\n"
					       "  successThreshold: 1\n");
	const struct zf_healthcheck *h = s->cfg->health;

	(void)state;
	/* busybox's nc: connected, it runs `true`; refused, it fails */
	assert_test(h->test, (const char *const[]){ "CMD", "nc", "-w", "3", "127.0.0.1", "8080",
						     "-e", "true", NULL });
	assert_int_equal(h->interval_ns, 2 * S);
	assert_int_equal(h->timeout_ns, 3 * S);
	assert_int_equal(h->retries, 5);
	/* a delay up to the period: the engine's first check comes a period in */
	assert_int_equal(h->start_period_ns, 0);
	assert_int_equal(s->check_from, ZF_CHECK_READINESS);
	zf_container_spec_free(s);
}

static void test_http_get(void **state)
{
	struct zf_container_spec *s =
		parse_ok("image: busybox\n"
			 "readinessProbe:\n"
			 "  httpGet:\n"
			 "    path: healthz?full=1\n"
			 "    port: 80\n"
			 "    scheme: HTTP\n"
			 "    httpHeaders: [{name: X-Probe, value: 'a b'}, {name: Accept, value: '*/*'}]\n");
	const struct zf_healthcheck *h = s->cfg->health;

	(void)state;
	assert_test(h->test, (const char *const[]){ "CMD", "wget", "-q", "-O", "/dev/null",
						     "--header", "X-Probe: a b", "--header",
						     "Accept: */*",
						     "http://127.0.0.1:80/healthz?full=1", NULL });
	zf_container_spec_free(s);
	s = parse_ok("image: busybox\nreadinessProbe: {httpGet: {port: 8080}}\n");
	assert_test(s->cfg->health->test, (const char *const[]){ "CMD", "wget", "-q", "-O",
								  "/dev/null",
								  "http://127.0.0.1:8080/", NULL });
	zf_container_spec_free(s);
}

static void test_liveness_and_readiness(void **state)
{
	/* one check serves both: the same handler and timing (delays up to the
	 * period may differ: no check comes before either) */
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "readinessProbe:\n"
					       "  httpGet: {path: /ready, port: 80}\n"
					       "  periodSeconds: 5\n"
					       "  initialDelaySeconds: 1\n"
					       "livenessProbe:\n"
					       "  httpGet: {path: /ready, port: 80}\n"
					       "  periodSeconds: 5\n"
					       "  initialDelaySeconds: 5\n");

	(void)state;
	assert_int_equal(s->check_from, ZF_CHECK_LIVENESS | ZF_CHECK_READINESS);
	assert_int_equal(s->cfg->health->interval_ns, 5 * S);
	zf_container_spec_free(s);

	parse_bad("image: busybox\n"
		  "livenessProbe: {exec: {command: [true]}}\n"
		  "readinessProbe: {exec: {command: [test, -f, /ok]}}\n",
		  3, 24, "readinessProbe: the engine runs one check a container: it must be "
			 "livenessProbe's (the same exec.command)");
	parse_bad("image: busybox\n"
		  "livenessProbe: {tcpSocket: {port: 80}}\n"
		  "readinessProbe: {httpGet: {port: 80}}\n",
		  3, 27, "it must be livenessProbe's (the same tcpSocket.port)");
	parse_bad("image: busybox\n"
		  "livenessProbe: {exec: {command: [true]}}\n"
		  "readinessProbe: {exec: {command: [true]}, periodSeconds: 5}\n",
		  3, 58, "readinessProbe.periodSeconds: 5 is not livenessProbe's 10");
	/* a default differing from the other's given value: at the probe */
	parse_bad("image: busybox\n"
		  "livenessProbe: {exec: {command: [true]}, failureThreshold: 1}\n"
		  "readinessProbe: {exec: {command: [true]}}\n",
		  3, 1, "readinessProbe.failureThreshold: 3 is not livenessProbe's 1");
	parse_bad("image: busybox\n"
		  "livenessProbe: {exec: {command: [true]}}\n"
		  "readinessProbe: {exec: {command: [true]}, timeoutSeconds: 2}\n",
		  3, 59, "readinessProbe.timeoutSeconds: 2 is not livenessProbe's 1");
}

static void test_startup(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "startupProbe:\n"
					       "  exec: {command: [cat, /tmp/up]}\n"
					       "  failureThreshold: 30\n"
					       "livenessProbe:\n"
					       "  exec: {command: [cat, /tmp/up]}\n");

	(void)state;
	assert_int_equal(s->check_from, ZF_CHECK_LIVENESS | ZF_CHECK_STARTUP);
	/* failures of the first 27 checks count for nothing: the 30th failure in
	 * a row is the third counted, livenessProbe's failureThreshold */
	assert_int_equal(s->cfg->health->start_period_ns, 27 * 10 * S + 5 * S);
	assert_int_equal(s->cfg->health->retries, 3);
	assert_int_equal(s->cfg->health->start_interval_ns, 0);
	zf_container_spec_free(s);

	/* as many failures as livenessProbe's: no start period */
	s = parse_ok("image: busybox\n"
		     "startupProbe: {exec: {command: [true]}}\n"
		     "livenessProbe: {exec: {command: [true]}}\n");
	assert_int_equal(s->cfg->health->start_period_ns, 0);
	zf_container_spec_free(s);

	parse_bad("image: busybox\n"
		  "startupProbe: {exec: {command: [true]}}\n"
		  "readinessProbe: {exec: {command: [true]}}\n",
		  2, 1, "startupProbe: needs a livenessProbe with the same check");
	parse_bad("image: busybox\n"
		  "startupProbe: {exec: {command: [true]}, failureThreshold: 2}\n"
		  "livenessProbe: {exec: {command: [true]}}\n",
		  2, 59, "startupProbe.failureThreshold: 2 is below livenessProbe's 3");
	parse_bad("image: busybox\n"
		  "startupProbe: {exec: {command: [true]}, periodSeconds: 1}\n"
		  "livenessProbe: {exec: {command: [true]}}\n",
		  2, 56, "startupProbe.periodSeconds: 1 is not livenessProbe's 10");
	parse_bad("image: busybox\n"
		  "startupProbe: {exec: {command: [true]}, failureThreshold: 30}\n"
		  "livenessProbe: {exec: {command: [true]}, initialDelaySeconds: 60}\n",
		  3, 63, "livenessProbe.initialDelaySeconds: 60: with a startupProbe, at most "
			 "periodSeconds");
}

static void test_initial_delay(void **state)
{
	/* past the period: a start period with an interval of its own (newer
	 * engines only: the driver refuses it on older ones, naming the field) */
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "readinessProbe:\n"
					       "  exec: {command: [true]}\n"
					       "  initialDelaySeconds: 30\n");
	const struct zf_healthcheck *h = s->cfg->health;

	(void)state;
	assert_int_equal(h->start_period_ns, 30 * S);
	assert_int_equal(h->start_interval_ns, 30 * S);
	assert_string_equal(h->start_interval_for, "readinessProbe.initialDelaySeconds");
	zf_container_spec_free(s);

	parse_bad("image: busybox\n"
		  "readinessProbe: {exec: {command: [true]}, initialDelaySeconds: 30}\n"
		  "livenessProbe: {exec: {command: [true]}, initialDelaySeconds: 20}\n",
		  2, 64, "readinessProbe.initialDelaySeconds: 30 is not livenessProbe's 20");
}

static void test_probe_values(void **state)
{
	(void)state;
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, successThreshold: 2}\n",
		  2, 60, "livenessProbe.successThreshold: 2: the engine counts one passing check");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, periodSeconds: 0}\n",
		  2, 57, "livenessProbe.periodSeconds: '0' is not a whole number, 1 or more");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, timeoutSeconds: -1}\n",
		  2, 58, "livenessProbe.timeoutSeconds: '-1' is not a whole number");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, periodSeconds: 1.5}\n",
		  2, 57, "'1.5' is not a whole number");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, "
		  "initialDelaySeconds: 99999999999}\n",
		  2, 63, "initialDelaySeconds: '99999999999' is not a whole number");
	parse_bad("image: busybox\nlivenessProbe: {tcpSocket: {port: http}}\n", 2, 35,
		  "livenessProbe.tcpSocket.port: 'http' names a port");
	parse_bad("image: busybox\nlivenessProbe: {tcpSocket: {port: 70000}}\n", 2, 35,
		  "'70000' is not a port number");
	parse_bad("image: busybox\nlivenessProbe: {tcpSocket: {host: 10.0.0.1, port: 80}}\n", 2,
		  35, "livenessProbe.tcpSocket.host: '10.0.0.1'");
	parse_bad("image: busybox\nlivenessProbe: {tcpSocket: {}}\n", 2, 28,
		  "livenessProbe.tcpSocket: port is required");
	parse_bad("image: busybox\nreadinessProbe: {httpGet: {port: 443, scheme: HTTPS}}\n", 2,
		  47, "readinessProbe.httpGet.scheme: 'HTTPS': only HTTP");
	parse_bad("image: busybox\nreadinessProbe: {httpGet: {port: 80, path: '/a b'}}\n", 2, 44,
		  "readinessProbe.httpGet.path: '/a b' has a blank");
	parse_bad("image: busybox\nreadinessProbe: {httpGet: {port: 80, httpHeaders: "
		  "[{name: 'a:b', value: c}]}}\n",
		  2, 52, "readinessProbe.httpGet.httpHeaders: 'a:b' is not a header name");
	parse_bad("image: busybox\nreadinessProbe: {httpGet: {port: 80, httpHeaders: "
		  "[{name: a, value: \"x\\ny\"}]}}\n",
		  2, 52, "the value of 'a' is more than one line");
	parse_bad("image: busybox\nlivenessProbe: {grpc: {port: 9000}}\n", 2, 17,
		  "livenessProbe.grpc: not supported");
	parse_bad("image: busybox\nlivenessProbe: {periodSeconds: 3}\n", 2, 16,
		  "livenessProbe: give one of exec, tcpSocket and httpGet");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, tcpSocket: {port: 1}}\n",
		  2, 42, "livenessProbe: give one of exec, tcpSocket and httpGet");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: []}}\n", 2, 33,
		  "livenessProbe.exec.command must be a list of strings");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: 'test -f /x'}}\n", 2, 33,
		  "livenessProbe.exec.command must be a list of strings");
	parse_bad("image: busybox\nlivenessProbe: {exec: {}}\n", 2, 23,
		  "livenessProbe.exec: command is required");
	parse_bad("image: busybox\nlivenessProbe: {exec: {command: [true]}, "
		  "terminationGracePeriodSeconds: 5}\n",
		  2, 42, "livenessProbe: unknown key 'terminationGracePeriodSeconds'");
	parse_bad("image: busybox\nlivenessProbe: [exec]\n", 2, 16, "livenessProbe must be a map");
}

/* ---- Zun's healthcheck --------------------------------------------------- */

static void test_zun_healthcheck(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "healthcheck:\n"
					       "  cmd: test -f /tmp/ok || exit 1\n"
					       "  interval: 2\n"
					       "  retries: 4\n"
					       "  timeout: 1\n");
	const struct zf_healthcheck *h = s->cfg->health;

	(void)state;
	/* a string is a line for the image's shell, as Zun's docker driver gives it */
	assert_test(h->test,
		    (const char *const[]){ "CMD-SHELL", "test -f /tmp/ok || exit 1", NULL });
	assert_int_equal(h->interval_ns, 2 * S);
	assert_int_equal(h->retries, 4);
	assert_int_equal(h->timeout_ns, 1 * S);
	assert_int_equal(s->check_from, ZF_CHECK_ZUN);
	zf_container_spec_free(s);

	/* the engine's own list form; 0 and absent are the engine's defaults */
	s = parse_ok("image: busybox\nhealthcheck: {test: [CMD, 'true'], interval: 0}\n");
	assert_test(s->cfg->health->test, (const char *const[]){ "CMD", "true", NULL });
	assert_int_equal(s->cfg->health->interval_ns, 0);
	assert_int_equal(s->cfg->health->retries, 0);
	zf_container_spec_free(s);

	parse_bad("image: busybox\nhealthcheck: {interval: 3}\n", 2, 14,
		  "healthcheck: cmd is required");
	parse_bad("image: busybox\nhealthcheck: {cmd: [test, -f, /x]}\n", 2, 20,
		  "healthcheck.cmd: a list starts with CMD");
	parse_bad("image: busybox\nhealthcheck: {cmd: 'true', retries: -2}\n", 2, 37,
		  "healthcheck.retries: '-2' is not a whole number");
	parse_bad("image: busybox\nhealthcheck: {cmd: 'true', test: 'true'}\n", 2, 28,
		  "healthcheck.test: the command is given twice");
	parse_bad("image: busybox\nhealthcheck: {cmd: 'true', start_period: 3}\n", 2, 28,
		  "healthcheck: unknown key 'start_period'");
	parse_bad("image: busybox\n"
		  "healthcheck: {cmd: 'true'}\n"
		  "readinessProbe: {exec: {command: [true]}}\n",
		  3, 1, "readinessProbe: healthcheck (Zun's) gives the container's check already");
}

/* ---- capsules' members --------------------------------------------------- */

static void test_capsule_members(void **state)
{
	static const char text[] = "kind: Pod\n"
				   "spec:\n"
				   "  containers:\n"
				   "  - name: web\n"
				   "    image: busybox\n"
				   "  - name: side\n"
				   "    image: busybox\n"
				   "    readinessProbe:\n"
				   "      httpGet: {port: 8080, path: /index.html}\n"
				   "      periodSeconds: 1\n";
	static const char init[] = "kind: Pod\n"
				   "spec:\n"
				   "  initContainers:\n"
				   "  - name: setup\n"
				   "    image: busybox\n"
				   "    livenessProbe: {exec: {command: [true]}}\n"
				   "  containers:\n"
				   "  - {name: web, image: busybox}\n";
	static const char member_bad[] = "kind: Pod\n"
					 "spec:\n"
					 "  containers:\n"
					 "  - name: web\n"
					 "    image: busybox\n"
					 "    readinessProbe: {httpGet: {port: 8080}, successThreshold: 3}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };

	(void)state;
	assert_int_equal(zf_spec_parse_capsule(text, strlen(text), &c, &e), 0);
	assert_null(c->containers[0].spec->cfg->health);
	assert_int_equal(c->containers[1].spec->check_from, ZF_CHECK_READINESS);
	assert_test(c->containers[1].spec->cfg->health->test,
		    (const char *const[]){ "CMD", "wget", "-q", "-O", "/dev/null",
					   "http://127.0.0.1:8080/index.html", NULL });
	assert_int_equal(c->containers[1].spec->cfg->health->interval_ns, 1 * S);
	zf_capsule_spec_free(c);
	c = NULL;

	assert_int_equal(zf_spec_parse_capsule(init, strlen(init), &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "initContainers[0]: an init container runs to its end"));
	assert_int_equal(e.line, 4);
	assert_int_equal(e.column, 5);
	assert_int_equal(zf_spec_parse_capsule(member_bad, strlen(member_bad), &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "containers[0].readinessProbe.successThreshold: 3"));
	assert_int_equal(e.line, 6);
}

/* ---- the engine's side --------------------------------------------------- */

static void test_create_body(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n"
					       "livenessProbe:\n"
					       "  exec: {command: [test, -f, /tmp/ok]}\n"
					       "  periodSeconds: 1\n"
					       "  failureThreshold: 2\n");
	struct zf_owner_labels owner = { .uuid = "u", .kind = "container", .name = "n",
					 .instance = "i" };
	char *body;
	json_t *root, *hc;

	(void)state;
	body = zf_docker_create_body(s->cfg, &owner);
	root = json_loads(body, 0, NULL);
	hc = json_object_get(root, "Healthcheck");
	assert_true(json_is_object(hc));
	assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 0)),
			    "CMD");
	assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 3)),
			    "/tmp/ok");
	assert_int_equal(json_integer_value(json_object_get(hc, "Interval")), 1 * S);
	assert_int_equal(json_integer_value(json_object_get(hc, "Timeout")), 1 * S);
	assert_int_equal(json_integer_value(json_object_get(hc, "Retries")), 2);
	assert_int_equal(json_integer_value(json_object_get(hc, "StartPeriod")), 0);
	/* asked only when needed: older engines would ignore it */
	assert_null(json_object_get(hc, "StartInterval"));
	json_decref(root);
	free(body);
	zf_container_spec_free(s);

	s = parse_ok("image: busybox\nreadinessProbe: {exec: {command: [true]}, "
		     "initialDelaySeconds: 30}\n");
	body = zf_docker_create_body(s->cfg, &owner);
	root = json_loads(body, 0, NULL);
	hc = json_object_get(root, "Healthcheck");
	assert_int_equal(json_integer_value(json_object_get(hc, "StartInterval")), 30 * S);
	assert_int_equal(json_integer_value(json_object_get(hc, "StartPeriod")), 30 * S);
	json_decref(root);
	free(body);
	zf_container_spec_free(s);

	/* no check asked: none sent (the image's own, if any, stays) */
	s = parse_ok("image: busybox\n");
	body = zf_docker_create_body(s->cfg, &owner);
	root = json_loads(body, 0, NULL);
	assert_null(json_object_get(root, "Healthcheck"));
	json_decref(root);
	free(body);
	zf_container_spec_free(s);
}

static void test_api_version(void **state)
{
	char *json = fixture("version.json");
	int v = 0;

	(void)state;
	assert_int_equal(zf_docker_parse_api_version(json, &v), 0);
	assert_int_equal(v, 1041);
	assert_true(v < ZF_DOCKER_API_START_INTERVAL);
	assert_int_equal(zf_docker_parse_api_version("{\"ApiVersion\":\"1.44\"}", &v), 0);
	assert_int_equal(v, ZF_DOCKER_API_START_INTERVAL);
	assert_int_equal(zf_docker_parse_api_version("{\"ApiVersion\":\"v1\"}", &v), -EINVAL);
	assert_int_equal(zf_docker_parse_api_version("{}", &v), -EINVAL);
	free(json);
}

static void test_inspect_health(void **state)
{
	struct zf_container_state st;
	char *json;

	(void)state;
	json = fixture("inspect_healthy.json");
	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	assert_string_equal(st.health.status, "healthy");
	assert_int_equal(st.health.failing_streak, 0);
	assert_int_equal(st.health.exit_code, 0);
	assert_string_equal(st.health.output, "fine\nsecond line"); /* the last check's */
	assert_true(strncmp(st.health.end, "2026-", 5) == 0);
	free(json);

	json = fixture("inspect_unhealthy.json");
	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	assert_string_equal(st.status, "running");
	assert_string_equal(st.health.status, "unhealthy");
	assert_int_equal(st.health.failing_streak, 6);
	assert_int_equal(st.health.exit_code, 1);
	assert_string_equal(st.health.output,
			    "wget: can't connect to remote host (127.0.0.1): Connection refused");
	free(json);

	/* no check run yet */
	json = fixture("inspect_starting.json");
	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	assert_string_equal(st.health.status, "starting");
	assert_string_equal(st.health.end, "");
	free(json);

	/* no check at all */
	json = fixture("inspect_created.json");
	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	assert_string_equal(st.health.status, "");
	free(json);
}

static void test_inspect_health_output(void **state)
{
	char long_out[3000], body[4000];
	struct zf_container_state st;
	json_t *v;

	(void)state;
	/* a NUL in the output does not make the state unreadable */
	assert_int_equal(zf_docker_parse_inspect(
				 "{\"Id\":\"x\",\"State\":{\"Status\":\"running\",\"Health\":"
				 "{\"Status\":\"unhealthy\",\"FailingStreak\":1,\"Log\":[{\"End\":"
				 "\"t\",\"ExitCode\":2,\"Output\":\"a\\u0000b\"}]}}}",
				 &st),
			 0);
	assert_string_equal(st.health.output, "a");
	assert_int_equal(st.health.exit_code, 2);
	/* long: its last bytes, cut at a character (é is two bytes) */
	memset(long_out, 0, sizeof(long_out));
	for (size_t i = 0; i + 2 < 2000; i += 2)
		memcpy(long_out + i, "\xc3\xa9", 2);
	strcat(long_out, "the end");
	snprintf(body, sizeof(body),
		 "{\"Id\":\"x\",\"State\":{\"Status\":\"running\",\"Health\":{\"Status\":"
		 "\"healthy\",\"Log\":[{\"End\":\"t\",\"Output\":\"%s\\n\\n\"}]}}}",
		 long_out);
	assert_int_equal(zf_docker_parse_inspect(body, &st), 0);
	assert_true(strlen(st.health.output) < sizeof(st.health.output));
	assert_true(strlen(st.health.output) > sizeof(st.health.output) - 3);
	assert_string_equal(st.health.output + strlen(st.health.output) - 7, "the end");
	assert_int_equal((unsigned char)st.health.output[0], 0xc3);
	v = json_string(st.health.output); /* valid UTF-8 */
	assert_non_null(v);
	json_decref(v);
}

/* ---- what zunfs shows ---------------------------------------------------- */

static struct zf_object *object_new(const char *status, const char *engine_id)
{
	struct zf_object *o = calloc(1, sizeof(*o));
	int state = zf_state_from_word(status);

	assert_true(state >= 0);
	o->rec.kind = ZF_KIND_CONTAINER;
	o->rec.status = (enum zf_state)state;
	snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "%s", engine_id);
	return o;
}

static void object_health(struct zf_object *o, const char *fixture_name)
{
	struct zf_container_state st;
	char *json = fixture(fixture_name);

	assert_int_equal(zf_docker_parse_inspect(json, &st), 0);
	o->health = st.health;
	snprintf(o->health_id, sizeof(o->health_id), "%s", st.id);
	snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "%s", st.id);
	free(json);
}

static void test_render(void **state)
{
	struct zf_object *o = object_new("Running", "abc");
	char *text;
	json_t *j;

	(void)state;
	text = zf_health_render(o);
	assert_string_equal(text, "none\n");
	free(text);
	j = zf_health_json(o);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "none");
	assert_true(json_is_null(json_object_get(j, "last_output")));
	json_decref(j);

	object_health(o, "inspect_unhealthy.json");
	text = zf_health_render(o);
	assert_non_null(strstr(text, "unhealthy\nfailing_streak: 6\nlast_exit_code: 1\n"));
	assert_non_null(strstr(text, "\nlast_output: wget: can't connect to remote host "
				     "(127.0.0.1): Connection refused\n"));
	assert_non_null(strstr(text, "\nlast_check: 2026-"));
	free(text);
	j = zf_health_json(o);
	assert_int_equal(json_integer_value(json_object_get(j, "failing_streak")), 6);
	assert_int_equal(json_integer_value(json_object_get(j, "last_exit_code")), 1);
	json_decref(j);

	/* the output's last line */
	object_health(o, "inspect_healthy.json");
	text = zf_health_render(o);
	assert_non_null(strstr(text, "healthy\n"));
	assert_non_null(strstr(text, "\nlast_output: second line\n"));
	free(text);

	/* starting, no check run yet: no last_ lines */
	object_health(o, "inspect_starting.json");
	text = zf_health_render(o);
	assert_string_equal(text, "starting\nfailing_streak: 0\n");
	free(text);

	/* a rebuild's new container is not the old one's health */
	snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "new");
	text = zf_health_render(o);
	assert_string_equal(text, "none\n");
	free(text);
	free(o);
}

static void test_verdict(void **state)
{
	struct zf_container_spec *spec = parse_ok("image: busybox\n"
						  "livenessProbe: {exec: {command: [true]}}\n");
	struct zf_object *o = object_new("Running", "abc");

	(void)state;
	/* no check: until/healthy cannot be reached */
	assert_false(zf_health_has_check(o));
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_NEVER);
	/* the spec's check: wait for the engine's word */
	o->spec = spec;
	assert_true(zf_health_has_check(o));
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_WAIT);
	object_health(o, "inspect_starting.json");
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_WAIT);
	assert_int_equal(zf_health_verdict(o, "unhealthy"), ZF_UNTIL_WAIT);
	object_health(o, "inspect_healthy.json");
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_REACHED);
	assert_int_equal(zf_health_verdict(o, "unhealthy"), ZF_UNTIL_WAIT);
	/* an operation in flight: the health read may be the old container's */
	snprintf(o->rec.task_state, sizeof(o->rec.task_state), "container_rebuilding");
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_WAIT);
	o->rec.task_state[0] = '\0';
	object_health(o, "inspect_unhealthy.json");
	assert_int_equal(zf_health_verdict(o, "unhealthy"), ZF_UNTIL_REACHED);
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_WAIT);
	/* stopped: no check runs until the user acts */
	o->rec.status = ZF_STATE_STOPPED;
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_NEVER);
	o->rec.status = ZF_STATE_RESTARTING;
	assert_int_equal(zf_health_verdict(o, "healthy"), ZF_UNTIL_WAIT);
	/* an image's own check counts, without the spec's */
	o->spec = NULL;
	assert_true(zf_health_has_check(o));
	zf_container_spec_free(spec);
	free(o);
}

static void test_tree(void **state)
{
	struct zf_path p;

	(void)state;
	assert_int_equal(zf_path_parse("/containers/web/health", &p), 0);
	assert_int_equal(p.node, ZF_NODE_FILE);
	assert_int_equal(p.file, ZF_FILE_HEALTH);
	assert_int_equal(zf_file_mode(ZF_FILE_HEALTH), 0444);
	assert_true(zf_file_is_rendered(ZF_FILE_HEALTH));
	assert_int_equal(zf_path_parse("/capsules/c/containers/m/health", &p), 0);
	assert_int_equal(p.file, ZF_FILE_HEALTH);
	/* a container's file only */
	assert_int_equal(zf_path_parse("/capsules/c/health", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
	assert_int_equal(zf_path_parse("/sandboxes/s/health", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
	/* until/ takes the health words for containers */
	assert_int_equal(zf_path_parse("/containers/web/until/healthy", &p), 0);
	assert_int_equal(p.node, ZF_NODE_UNTIL);
	assert_string_equal(p.leaf, "healthy");
	assert_int_equal(zf_path_parse("/capsules/c/containers/m/until/unhealthy", &p), 0);
	assert_int_equal(p.node, ZF_NODE_UNTIL);
	assert_int_equal(zf_path_parse("/containers/web/until/starting", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/capsules/c/until/healthy", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/sandboxes/s/until/healthy", &p), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_check),
		cmocka_unit_test(test_exec_liveness),
		cmocka_unit_test(test_tcp_readiness),
		cmocka_unit_test(test_http_get),
		cmocka_unit_test(test_liveness_and_readiness),
		cmocka_unit_test(test_startup),
		cmocka_unit_test(test_initial_delay),
		cmocka_unit_test(test_probe_values),
		cmocka_unit_test(test_zun_healthcheck),
		cmocka_unit_test(test_capsule_members),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_api_version),
		cmocka_unit_test(test_inspect_health),
		cmocka_unit_test(test_inspect_health_output),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
