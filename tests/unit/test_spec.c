/* SPDX-License-Identifier: Apache-2.0 */
/* Container spec parsing: good specs as structs, each bad one with its line,
 * column and message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/spec.h"

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

static void test_minimal(void **state)
{
	struct zf_container_spec *s = parse_ok("image: busybox\n");

	(void)state;
	assert_string_equal(s->cfg->image, "busybox");
	assert_null(s->cfg->command);
	assert_string_equal(s->cfg->restart_policy, "no");
	assert_int_equal(s->cfg->pull_policy, ZF_PULL_IF_NOT_PRESENT);
	assert_false(s->cfg->tty);
	zf_container_spec_free(s);
}

static void test_full(void **state)
{
	struct zf_container_spec *s = parse_ok(
		"image: busybox:1.36\n"
		"command: [sh, -c]\n"
		"args: ['echo hi']\n"
		"workDir: /root\n"
		"env: {A: '1', B: two}\n"
		"labels: {app: web}\n"
		"tty: yes\n"
		"stdin_open: true\n"
		"restartPolicy: OnFailure\n"
		"imagePullPolicy: Never\n"
		"resources: {requests: {cpu: 1.5, memory: 256M}, limits: {cpu: 500m}}\n"
		"volumeMounts: [{name: data, mountPath: /data, readOnly: true}]\n"
		"ports: [{containerPort: 80, hostPort: 8080, protocol: UDP}, {containerPort: 443}]\n"
		"sandbox: sb1\n");
	const struct zf_container_config *c = s->cfg;

	(void)state;
	assert_string_equal(c->image, "busybox:1.36");
	assert_string_equal(c->command[0], "sh");
	assert_string_equal(c->command[1], "-c");
	assert_string_equal(c->command[2], "echo hi");
	assert_null(c->command[3]);
	assert_string_equal(c->workdir, "/root");
	assert_int_equal(c->n_env, 2);
	assert_string_equal(c->env[1].key, "B");
	assert_string_equal(c->env[1].value, "two");
	assert_string_equal(c->labels[0].value, "web");
	assert_true(c->tty);
	assert_true(c->stdin_open);
	assert_string_equal(c->restart_policy, "on-failure");
	assert_int_equal(c->pull_policy, ZF_PULL_NEVER);
	assert_int_equal(c->nano_cpus, 500000000); /* limits win */
	assert_int_equal(c->memory_bytes, 256000000);
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].protocol, "udp");
	assert_int_equal(c->ports[0].host_port, 8080);
	assert_string_equal(c->ports[1].protocol, "tcp");
	assert_int_equal(s->n_mounts, 1);
	assert_true(s->mounts[0].read_only);
	assert_string_equal(s->sandbox, "sb1");
	zf_container_spec_free(s);
}

static void test_spellings(void **state)
{
	struct zf_container_spec *s = parse_ok(
		"image: busybox\n"
		"command: sh -c 'echo \"a b\"' x\\ y\n"
		"workingDir: /tmp\n"
		"env: [{name: A, value: x}, B=y=z, {name: C}]\n"
		"restartPolicy: on-failure:5\n");

	(void)state;
	assert_string_equal(s->cfg->command[0], "sh");
	assert_string_equal(s->cfg->command[2], "echo \"a b\"");
	assert_string_equal(s->cfg->command[3], "x y");
	assert_null(s->cfg->command[4]);
	assert_string_equal(s->cfg->workdir, "/tmp");
	assert_string_equal(s->cfg->env[1].key, "B");
	assert_string_equal(s->cfg->env[1].value, "y=z");
	assert_string_equal(s->cfg->env[2].value, "");
	assert_string_equal(s->cfg->restart_policy, "on-failure");
	assert_int_equal(s->cfg->restart_max_retries, 5);
	zf_container_spec_free(s);

	s = parse_ok("image: busybox\nrestartPolicy: Always\nimagePullPolicy: Always\n");
	assert_string_equal(s->cfg->restart_policy, "always");
	assert_int_equal(s->cfg->pull_policy, ZF_PULL_ALWAYS);
	zf_container_spec_free(s);
	s = parse_ok("image: busybox\nrestartPolicy: unless-stopped\nargs: [a, b]\n");
	assert_string_equal(s->cfg->restart_policy, "unless-stopped");
	assert_string_equal(s->cfg->command[0], "a"); /* args alone: the image's entrypoint gets them */
	zf_container_spec_free(s);
}

static const struct {
	const char *text;
	int line, column;
	const char *msg; /* the start of the message */
} bad[] = {
	{ "", 0, 0, "the spec is empty" },
	{ "# only a comment\n", 0, 0, "the spec is empty" },
	{ "- image: busybox\n", 1, 1, "the spec must be a map" },
	{ "just text\n", 1, 1, "the spec must be a map" },
	{ "command: [sh]\n", 1, 1, "'image' is required" },
	{ "image: busybox\nfoo: bar\n", 2, 1, "unknown key 'foo'" },
	{ "image: busybox\nimage: other\n", 2, 1, "'image' is given twice" },
	{ "image: busybox\nworkDir: /a\nworkingDir: /b\n", 3, 1, "workingDir: the working directory is given twice" },
	{ "image: [a]\n", 1, 8, "image must be a single value" },
	{ "image: ''\n", 1, 8, "image: '' is not an image reference" },
	{ "image: busybox\ncommand: {a: b}\n", 2, 10, "command must be a list" },
	{ "image: busybox\ncommand: [[a]]\n", 2, 11, "command must be a single value" },
	{ "image: busybox\ncommand: \"sh -c 'x\"\n", 2, 10, "command has an unclosed quote" },
	{ "image: busybox\nworkDir: tmp\n", 2, 10, "workDir: 'tmp' is not an absolute path" },
	{ "image: busybox\nenv: 5\n", 2, 6, "env must be a map" },
	{ "image: busybox\nenv: [novalue]\n", 2, 7, "env: 'novalue' is not NAME=value" },
	{ "image: busybox\nenv: [{value: x}]\n", 2, 7, "env: an entry has no name" },
	{ "image: busybox\nenv: [{name: A, other: x}]\n", 2, 17, "env: unknown key 'other'" },
	{ "image: busybox\nenv: {A: 1, A: 2}\n", 2, 13, "env: 'A' is given twice" },
	{ "image: busybox\nenv: {'A=B': 1}\n", 2, 7, "env: 'A=B' is not a variable name" },
	{ "image: busybox\nlabels: [a]\n", 2, 9, "labels must be a map" },
	{ "image: busybox\nlabels: {zunfs.kind: x}\n", 2, 10, "labels: 'zunfs.kind': the zunfs. prefix" },
	{ "image: busybox\ntty: 2\n", 2, 6, "tty must be true or false, not '2'" },
	{ "image: busybox\nstdin_open: maybe\n", 2, 13, "stdin_open must be true or false" },
	{ "image: busybox\nrestartPolicy: Sometimes\n", 2, 16, "restartPolicy: 'Sometimes' is not one of" },
	{ "image: busybox\nrestartPolicy: on-failure:x\n", 2, 16, "restartPolicy: 'on-failure:x'" },
	{ "image: busybox\nimagePullPolicy: Maybe\n", 2, 18, "imagePullPolicy: 'Maybe'" },
	{ "image: busybox\nresources: 1\n", 2, 12, "resources must be a map" },
	{ "image: busybox\nresources: {wants: {}}\n", 2, 13, "resources: unknown key 'wants'" },
	{ "image: busybox\nresources: {requests: {gpu: 1}}\n", 2, 24, "resources.requests: unknown key 'gpu'" },
	{ "image: busybox\nresources: {requests: {cpu: lots}}\n", 2, 29, "resources.requests.cpu: 'lots'" },
	{ "image: busybox\nresources: {requests: {cpu: 0}}\n", 2, 29, "resources.requests.cpu: '0'" },
	{ "image: busybox\nresources: {limits: {memory: 10X}}\n", 2, 30, "resources.limits.memory: '10X'" },
	{ "image: busybox\nresources: {limits: {memory: 5Mi}}\n", 2, 30, "resources.limits.memory: '5Mi' is below" },
	{ "image: busybox\nports: {a: 1}\n", 2, 8, "ports must be a list" },
	{ "image: busybox\nports: [80]\n", 2, 9, "ports: each entry is" },
	{ "image: busybox\nports: [{hostPort: 80}]\n", 2, 9, "ports: an entry has no containerPort" },
	{ "image: busybox\nports: [{containerPort: 0}]\n", 2, 25, "containerPort: '0' is not a port number" },
	{ "image: busybox\nports: [{containerPort: 80, protocol: ICMP}]\n", 2, 39, "protocol: 'ICMP'" },
	{ "image: busybox\nports: [{containerPort: 80, nodePort: 1}]\n", 2, 29, "ports: unknown key 'nodePort'" },
	{ "image: busybox\nvolumeMounts: [{name: a}]\n", 2, 16, "volumeMounts: an entry needs name and mountPath" },
	{ "image: busybox\nvolumeMounts: [{name: a, mountPath: rel}]\n", 2, 16, "volumeMounts: mountPath 'rel' is not absolute" },
	{ "image: busybox\nvolumeMounts: [{name: a, mountPath: /a, size: 1}]\n", 2, 41, "volumeMounts: unknown key 'size'" },
	{ "image: busybox\nsandbox: [a]\n", 2, 10, "sandbox must be a single value" },
	{ "image: busybox\nfoo-bar: true\n", 2, 1, "unknown key 'foo-bar'" },
	{ "image: busybox\n  bad indent: 1\n", 2, 13, "YAML: " },
	{ "image: [busybox\n", 2, 1, "YAML: " },
	{ "? [a, b]\n: c\n", 1, 3, "keys must be plain words" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zf_container_spec *spec = NULL;
		struct zf_spec_error e = { 0 };
		int r = zf_spec_parse_container(bad[i].text, strlen(bad[i].text), &spec, &e);

		print_message("case %zu: %s", i, bad[i].text);
		assert_int_equal(r, -EINVAL);
		assert_null(spec);
		if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu: message '%s', expected it to start with '%s'", i, e.msg,
				 bad[i].msg);
		assert_int_equal(e.line, bad[i].line);
		if (bad[i].line)
			assert_int_equal(e.column, bad[i].column);
	}
}

static void test_hands_out_host(void **state)
{
	static const char *const keys[] = { "privileged: true", "hostNetwork: true",
					    "devices: [/dev/sda]", "securityContext: {privileged: true}",
					    "hostPID: true", "capabilities: [SYS_ADMIN]" };

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct zf_container_spec *spec = NULL;
		struct zf_spec_error e = { 0 };
		char text[128];

		snprintf(text, sizeof(text), "image: busybox\n%s\n", keys[i]);
		assert_int_equal(zf_spec_parse_container(text, strlen(text), &spec, &e), -EPERM);
		assert_null(spec);
		assert_int_equal(e.line, 2);
		assert_non_null(strstr(e.msg, "would hand the host to the container"));
	}
}

static void test_limits_and_format(void **state)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	char buf[300];
	size_t big = ZF_SPEC_MAX + 1;
	char *text = malloc(big + 1);

	(void)state;
	memset(text, '#', big);
	text[big] = '\0';
	assert_int_equal(zf_spec_parse_container(text, big, &spec, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "larger than"));
	free(text);
	assert_int_equal(zf_spec_parse_container("image: a\0b", 10, &spec, &e), -EINVAL);
	assert_string_equal(e.msg, "the spec contains a NUL byte");
	e = (struct zf_spec_error){ 3, 7, "boom" };
	zf_spec_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "line 3, column 7: boom");
}

static void test_quantities(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(zf_parse_memory("256M", &v), 0);
	assert_int_equal(v, 256000000);
	assert_int_equal(zf_parse_memory("256Mi", &v), 0);
	assert_int_equal(v, 268435456);
	assert_int_equal(zf_parse_memory("1Gi", &v), 0);
	assert_int_equal(v, 1073741824);
	assert_int_equal(zf_parse_memory("2K", &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(zf_parse_memory("2Ki", &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(zf_parse_memory("1.5G", &v), 0);
	assert_int_equal(v, 1500000000);
	assert_int_equal(zf_parse_memory("12345", &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(zf_parse_memory("-1M", &v), -EINVAL);
	assert_int_equal(zf_parse_memory("1MB", &v), -EINVAL);
	assert_int_equal(zf_parse_memory("", &v), -EINVAL);
	assert_int_equal(zf_parse_memory("G", &v), -EINVAL);
	assert_int_equal(zf_parse_memory("1e30", &v), -EINVAL);
	assert_int_equal(zf_parse_cpu("0.5", &v), 0);
	assert_int_equal(v, 500000000);
	assert_int_equal(zf_parse_cpu("250m", &v), 0);
	assert_int_equal(v, 250000000);
	assert_int_equal(zf_parse_cpu("2", &v), 0);
	assert_int_equal(v, 2000000000);
	assert_int_equal(zf_parse_cpu("-1", &v), -EINVAL);
	assert_int_equal(zf_parse_cpu("1x", &v), -EINVAL);
	assert_int_equal(zf_parse_cpu("nan", &v), -EINVAL);
}

static void test_split_words(void **state)
{
	char **w = NULL;

	(void)state;
	assert_int_equal(zf_split_words("  a  'b c'  \"d \\\" e\" f\\ g ''", &w), 0);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b c");
	assert_string_equal(w[2], "d \" e");
	assert_string_equal(w[3], "f g");
	assert_string_equal(w[4], "");
	assert_null(w[5]);
	for (char **p = w; *p; p++)
		free(*p);
	free(w);
	assert_int_equal(zf_split_words("a 'b", &w), -EINVAL);
	assert_int_equal(zf_split_words("", &w), 0);
	assert_null(w[0]);
	free(w);
}

static void test_sandbox(void **state)
{
	struct zf_container_spec *s = NULL;
	struct zf_spec_error e = { 0 };

	(void)state;
	assert_int_equal(zf_spec_parse_sandbox("", 0, &s, &e), 0);
	assert_null(s->cfg->image);
	assert_null(s->cfg->hostname);
	zf_container_spec_free(s);
	assert_int_equal(zf_spec_parse(ZF_KIND_SANDBOX, "\n", 1, &s, &e), 0);
	zf_container_spec_free(s);
	const char *good = "hostname: pod-1\nlabels: {app: web}\nvolumes: [{name: d, mountPath: /d}]\n";
	assert_int_equal(zf_spec_parse_sandbox(good, strlen(good), &s, &e), 0);
	assert_string_equal(s->cfg->hostname, "pod-1");
	assert_string_equal(s->cfg->labels[0].value, "web");
	assert_int_equal(s->n_mounts, 1);
	zf_container_spec_free(s);
	const char *sb_bad[][2] = {
		{ "image: busybox\n", "unknown key 'image' (labels, hostname, volumes)" },
		{ "hostname: a_b\n", "hostname: 'a_b' is not a host name" },
		{ "hostname: [a]\n", "hostname must be a single value" },
		{ "- a\n", "the spec must be a map" },
		{ "labels: {a: 1}\nlabels: {b: 2}\n", "'labels' is given twice" },
	};
	for (size_t i = 0; i < sizeof(sb_bad) / sizeof(sb_bad[0]); i++) {
		s = NULL;
		assert_int_equal(zf_spec_parse_sandbox(sb_bad[i][0], strlen(sb_bad[i][0]), &s, &e), -EINVAL);
		assert_null(s);
		if (strncmp(e.msg, sb_bad[i][1], strlen(sb_bad[i][1])) != 0)
			fail_msg("'%s': got '%s'", sb_bad[i][0], e.msg);
	}
	assert_int_equal(zf_spec_parse(ZF_KIND_CAPSULE, "", 0, &s, &e), -EOPNOTSUPP);
}

/* volumes/NAME/spec.yaml: the local driver by default, cinder's keys checked */
static void test_volume(void **state)
{
	static const struct {
		const char *text;
		int r, line;
		const char *msg;
	} bad_volumes[] = {
		{ "driver: nfs\n", -EINVAL, 1, "driver: 'nfs' is not a driver (local, cinder)" },
		{ "size: lots\n", -EINVAL, 1, "size: 'lots' is not a size" },
		{ "volumeID: abc\n", -EINVAL, 1, "volumeID is for the cinder driver, not local" },
		{ "driver: local\nvolumeType: fast\n", -EINVAL, 2, "volumeType is for the cinder driver" },
		{ "driver: cinder\n", -EINVAL, 1, "driver cinder: give size (a new volume) or volumeID" },
		{ "driver: cinder\nvolumeID: abc\nvolumeType: fast\n", -EINVAL, 1, "driver cinder: volumeType is for a volume made here" },
		{ "driver: cinder\nsize: 1\nvolumeType: ''\n", -EINVAL, 3, "volumeType: empty" },
		{ "driver: cinder\nsize: 1G\nvolumeID: x\n", -EINVAL, 1, "give size or volumeID, not both" },
		{ "labels: {a: b}\n", -EINVAL, 1, "unknown key 'labels'" },
		{ "driver: local\ndriver: local\n", -EINVAL, 2, "'driver' is given twice" },
		{ "driverOptions: [a]\n", -EINVAL, 1, "driverOptions must be a map" },
		{ "driverOptions: {foo: bar}\n", -EINVAL, 1, "unknown option 'foo' for the local driver" },
		{ "driverOptions: {type: none, device: /etc, o: bind}\n", -EPERM, 1, "would hand a host device" },
		{ "driverOptions: {device: /dev/sda}\n", -EPERM, 1, "device=/dev/sda would hand" },
		{ "- a\n", -EINVAL, 1, "the spec must be a map" },
	};
	struct zf_volume_spec *v = NULL;
	struct zf_spec_error e;

	(void)state;
	assert_int_equal(zf_spec_parse_volume("", 0, &v, &e), 0);
	assert_string_equal(v->driver, "local");
	zf_volume_spec_free(v);
	const char *local = "driver: local\nsize: 1G\ndriverOptions: {type: tmpfs, device: tmpfs, o: size=64m}\n";
	assert_int_equal(zf_spec_parse_volume(local, strlen(local), &v, &e), 0);
	assert_int_equal(v->size_bytes, 1000000000);
	assert_int_equal(v->n_opts, 3);
	assert_string_equal(v->opts[2].key, "o");
	assert_string_equal(v->opts[2].value, "size=64m");
	zf_volume_spec_free(v);
	const char *cinder = "driver: cinder\nsize: 5Gi\nvolumeType: fast\n";
	assert_int_equal(zf_spec_parse_volume(cinder, strlen(cinder), &v, &e), 0);
	assert_string_equal(v->driver, "cinder");
	assert_string_equal(v->volume_type, "fast");
	zf_volume_spec_free(v);
	for (size_t i = 0; i < sizeof(bad_volumes) / sizeof(bad_volumes[0]); i++) {
		int r = zf_spec_parse_volume(bad_volumes[i].text, strlen(bad_volumes[i].text), &v, &e);

		if (r != bad_volumes[i].r || e.line != bad_volumes[i].line || !strstr(e.msg, bad_volumes[i].msg))
			print_error("%s: got %d, line %d: %s\n", bad_volumes[i].text, r, e.line, e.msg);
		assert_int_equal(r, bad_volumes[i].r);
		assert_int_equal(e.line, bad_volumes[i].line);
		assert_non_null(strstr(e.msg, bad_volumes[i].msg));
	}
}

/* Kubernetes' $(VAR) expansion: every edge its expansion package has */
static const char *lookup_ab(const char *name, size_t len, void *ctx)
{
	(void)ctx;
	if (len == 1 && name[0] == 'A')
		return "x";
	if (len == 2 && strncmp(name, "BB", 2) == 0)
		return "$(A)"; /* a value is not expanded again */
	if (len == 5 && strncmp(name, "EMPTY", 5) == 0)
		return "";
	return NULL;
}

static void test_expand(void **state)
{
	static const char *const cases[][2] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "$(A)", "x" },
		{ "a$(A)b$(A)c", "axbxc" },
		{ "$(BB)", "$(A)" },
		{ "$(EMPTY)-", "-" },
		{ "$(UNKNOWN)", "$(UNKNOWN)" },
		{ "$$(A)", "$(A)" },
		{ "$$$(A)", "$x" },
		{ "$$$$", "$$" },
		{ "$$", "$" },
		{ "$", "$" },
		{ "a$", "a$" },
		{ "$(A", "$(A" },
		{ "$(A$(A)", "$(A$(A)" }, /* the name is "A$(A": unknown, no nesting */
		{ "$()", "$()" },
		{ "$A", "$A" },
		{ "${A}", "${A}" },
		{ "$(A)$(A)", "xx" },
		{ "$((A))", "$((A))" },
		{ "echo $(date)", "echo $(date)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;

		assert_int_equal(zf_spec_expand(cases[i][0], lookup_ab, NULL, &out), 0);
		if (strcmp(out, cases[i][1]) != 0)
			fail_msg("'%s' expanded to '%s', expected '%s'", cases[i][0], out, cases[i][1]);
		free(out);
	}
}

/* securityContext: what lowers privilege is kept, what raises it is EPERM */
static void test_security_context(void **state)
{
	static const struct {
		const char *sc;
		int r;
		const char *msg;
	} refused[] = {
		{ "{privileged: true}", -EPERM, "securityContext.privileged: true would hand the host" },
		{ "{capabilities: {add: [NET_ADMIN]}}", -EPERM, "securityContext.capabilities.add: adding capabilities raises privilege" },
		{ "{seccompProfile: {type: Unconfined}}", -EPERM, "securityContext.seccompProfile: type Unconfined" },
		{ "{seccompProfile: {type: Localhost, localhostProfile: p.json}}", -EPERM, "securityContext.seccompProfile: type Localhost" },
		{ "{appArmorProfile: {type: Unconfined}}", -EPERM, "securityContext.appArmorProfile: type Unconfined" },
		{ "{seLinuxOptions: {level: 's0:c1'}}", -EPERM, "securityContext.seLinuxOptions: an SELinux label" },
		{ "{procMount: Unmasked}", -EPERM, "securityContext.procMount: Unmasked" },
		{ "{runAsUser: -1}", -EINVAL, "securityContext.runAsUser: '-1' is not an id" },
		{ "{runAsGroup: x}", -EINVAL, "securityContext.runAsGroup: 'x' is not an id" },
		{ "{runAsNonRoot: true, runAsUser: 0}", -EINVAL, "securityContext: runAsNonRoot is true but runAsUser is 0" },
		{ "{capabilities: {drop: [NOT_A_CAP]}}", -EINVAL, "securityContext.capabilities.drop: 'NOT_A_CAP' is not a capability" },
		{ "{fsGroup: 5}", -EINVAL, "securityContext: unknown key 'fsGroup'" },
		{ "{procMount: Weird}", -EINVAL, "securityContext.procMount: 'Weird'" },
		{ "{windowsOptions: {}}", -EINVAL, "securityContext.windowsOptions: for Windows" },
		{ "{seccompProfile: {}}", -EINVAL, "securityContext.seccompProfile: 'type' is required" },
		{ "[]", -EINVAL, "securityContext must be a map" },
	};
	struct zf_container_spec *spec;
	struct zf_spec_error e = { 0 };
	char text[256];

	(void)state;
	spec = parse_ok("image: busybox\nsecurityContext:\n  runAsUser: 1000\n  runAsGroup: 3000\n"
			"  runAsNonRoot: true\n  readOnlyRootFilesystem: true\n"
			"  allowPrivilegeEscalation: false\n  privileged: false\n"
			"  capabilities: {drop: [net_raw, CAP_CHOWN, ALL], add: []}\n"
			"  seccompProfile: {type: RuntimeDefault}\n  procMount: Default\n");
	assert_true(spec->sec.has_user && spec->sec.user == 1000);
	assert_true(spec->sec.has_group && spec->sec.group == 3000);
	assert_true(spec->sec.has_non_root && spec->sec.non_root);
	assert_true(spec->sec.read_only_root && spec->sec.no_new_privs);
	assert_string_equal(spec->sec.cap_drop[0], "NET_RAW");
	assert_string_equal(spec->sec.cap_drop[1], "CHOWN");
	assert_string_equal(spec->sec.cap_drop[2], "ALL");
	assert_null(spec->sec.cap_drop[3]);
	/* parsed, not yet applied: the launch does, with the image's user */
	assert_null(spec->cfg->user);
	assert_int_equal(zf_security_apply(&spec->sec, NULL, "", spec->cfg), 0);
	assert_string_equal(spec->cfg->user, "1000:3000");
	assert_true(spec->cfg->read_only_rootfs && spec->cfg->no_new_privileges);
	assert_string_equal(spec->cfg->cap_drop[1], "CHOWN");
	assert_string_equal(spec->cfg->cap_drop[2], "ALL"); /* MKNOD with the rest */
	assert_null(spec->cfg->cap_drop[3]);
	zf_container_spec_free(spec);

	spec = parse_ok("image: busybox\nsecurityContext: {allowPrivilegeEscalation: true, runAsUser: 0}\n");
	assert_false(spec->sec.no_new_privs);
	assert_true(spec->sec.has_user && spec->sec.user == 0);
	zf_container_spec_free(spec);

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		spec = NULL;
		snprintf(text, sizeof(text), "image: busybox\nsecurityContext: %s\n", refused[i].sc);
		int r = zf_spec_parse_container(text, strlen(text), &spec, &e);

		if (r != refused[i].r || strncmp(e.msg, refused[i].msg, strlen(refused[i].msg)) != 0)
			fail_msg("case %zu: r=%d '%s', expected %d '%s...'", i, r, e.msg, refused[i].r,
				 refused[i].msg);
		assert_null(spec);
	}
}

/* The launch's side of securityContext, pure: container over pod, runAsNonRoot. */
static void test_security_apply(void **state)
{
	struct zf_security pod = { .has_user = true, .user = 2000, .has_non_root = true, .non_root = true,
				   .has_fs_group = true, .fs_group = 4000 };
	int64_t groups[] = { 5000, 6000 };
	struct zf_security ctr = { 0 }, none = { 0 };
	struct zf_container_config cfg = { 0 };
	char why[300];

	(void)state;
	pod.groups = groups;
	pod.n_groups = 2;
	/* the pod's user and groups, fsGroup first */
	assert_int_equal(zf_security_apply(&ctr, &pod, NULL, &cfg), 0);
	assert_string_equal(cfg.user, "2000");
	assert_int_equal(cfg.n_group_add, 3);
	assert_true(cfg.group_add[0] == 4000 && cfg.group_add[1] == 5000 && cfg.group_add[2] == 6000);
	/* the container's own wins */
	ctr.has_user = true;
	ctr.user = 3000;
	ctr.has_group = true;
	ctr.group = 7;
	assert_int_equal(zf_security_apply(&ctr, &pod, NULL, &cfg), 0);
	assert_string_equal(cfg.user, "3000:7");
	/* runAsGroup alone: the image's user in that group */
	free(cfg.user);
	cfg.user = NULL;
	struct zf_security grp = { .has_group = true, .group = 9 };
	assert_true(zf_security_needs_image_user(&grp, NULL));
	assert_int_equal(zf_security_apply(&grp, NULL, "nobody:nogroup", &cfg), 0);
	assert_string_equal(cfg.user, "nobody:9");
	free(cfg.user);
	cfg.user = NULL;
	assert_int_equal(zf_security_apply(&grp, NULL, "", &cfg), 0);
	assert_string_equal(cfg.user, ":9");
	/* nothing asked: nothing set */
	free(cfg.user);
	cfg.user = NULL;
	assert_false(zf_security_needs_image_user(&none, NULL));
	assert_int_equal(zf_security_apply(&none, NULL, NULL, &cfg), 0);
	assert_null(cfg.user);
	free(cfg.group_add);
	/* but MKNOD, always (a device node in a volume would be the host's) */
	assert_string_equal(cfg.cap_drop[0], "MKNOD");
	assert_null(cfg.cap_drop[1]);
	/* beside what the spec drops, once */
	char *drop[] = { (char *)"NET_RAW", (char *)"MKNOD", NULL };
	struct zf_security some = { .cap_drop = drop };
	assert_int_equal(zf_security_apply(&some, NULL, NULL, &cfg), 0);
	assert_string_equal(cfg.cap_drop[0], "NET_RAW");
	assert_string_equal(cfg.cap_drop[1], "MKNOD");
	assert_null(cfg.cap_drop[2]);
	drop[1] = (char *)"CHOWN";
	assert_int_equal(zf_security_apply(&some, NULL, NULL, &cfg), 0);
	assert_string_equal(cfg.cap_drop[1], "CHOWN");
	assert_string_equal(cfg.cap_drop[2], "MKNOD");
	assert_null(cfg.cap_drop[3]);
	for (char **w = cfg.cap_drop; *w; w++)
		free(*w);
	free(cfg.cap_drop);

	/* runAsNonRoot as the kubelet checks it */
	assert_int_equal(zf_security_check_non_root(&none, &pod, "", why, sizeof(why)), 0); /* runAsUser 2000 */
	struct zf_security nr = { .has_non_root = true, .non_root = true };
	assert_true(zf_security_needs_image_user(&nr, NULL));
	assert_int_equal(zf_security_check_non_root(&nr, NULL, "", why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "the image runs as root"));
	assert_int_equal(zf_security_check_non_root(&nr, NULL, "0:0", why, sizeof(why)), -EPERM);
	assert_int_equal(zf_security_check_non_root(&nr, NULL, "nobody", why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "'nobody' is not numeric"));
	assert_int_equal(zf_security_check_non_root(&nr, NULL, "65534:65534", why, sizeof(why)), 0);
	/* the container's runAsNonRoot: false wins over the pod's true */
	struct zf_security off = { .has_non_root = true, .non_root = false };
	struct zf_security pod_nr = { .has_non_root = true, .non_root = true };
	assert_int_equal(zf_security_check_non_root(&off, &pod_nr, "", why, sizeof(why)), 0);
	assert_int_equal(zf_security_check_non_root(&none, &pod_nr, "", why, sizeof(why)), -EPERM);
}

/* valueFrom is a capsule's: a container of its own has no pod fields */
static void test_env_value_from(void **state)
{
	static const char text[] = "image: busybox\nenv:\n- name: A\n  valueFrom: {fieldRef: {fieldPath: metadata.name}}\n";
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };

	(void)state;
	assert_int_equal(zf_spec_parse_container(text, strlen(text), &spec, &e), -EOPNOTSUPP);
	assert_null(spec);
	assert_int_equal(e.line, 4);
	assert_string_equal(e.msg, "env[0].valueFrom: not supported: only a capsule's containers have a pod's fields to refer to");
	/* value entries keep their text: no expansion in a container of its own */
	spec = parse_ok("image: busybox\ncommand: [echo, '$(A)']\nenv: [{name: A, value: x}, {name: B, value: '$(A)'}]\n");
	assert_string_equal(spec->cfg->env[1].value, "$(A)");
	assert_string_equal(spec->cfg->command[1], "$(A)");
	assert_int_equal(spec->env_refs[1].field, ZF_ENV_VALUE);
	zf_container_spec_free(spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_hands_out_host),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_security_context),
		cmocka_unit_test(test_security_apply),
		cmocka_unit_test(test_env_value_from),
		cmocka_unit_test(test_limits_and_format),
		cmocka_unit_test(test_quantities),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_volume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
