/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capsule YAML: the capsule spec's sample, Zun's fields and Pod spellings
 * (tests/fixtures/capsules/), and a corpus of bad capsules, each with the
 * message and line it must give.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/spec.h"
#include "fixture.h"

static struct zf_capsule_spec *parse_fixture(const char *name)
{
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	char *text = fixture(name);
	int r;

	assert_non_null(text);
	r = zf_spec_parse_capsule(text, strlen(text), &c, &e);
	if (r != 0)
		print_error("%s: line %d col %d: %s\n", name, e.line, e.column, e.msg);
	assert_int_equal(r, 0);
	free(text);
	return c;
}

static void test_sample(void **state)
{
	struct zf_capsule_spec *c = parse_fixture("capsules/sample.yaml");
	const struct zf_container_config *cfg;

	(void)state;
	assert_string_equal(c->name, "capsule-example");
	assert_int_equal(c->n_labels, 1);
	assert_string_equal(c->labels[0].key, "app");
	assert_string_equal(c->restart_policy, "always");
	assert_string_equal(c->host_selector, "node1");
	assert_int_equal(c->n_containers, 1);
	assert_string_equal(c->containers[0].name, "container-0");
	cfg = c->containers[0].spec->cfg;
	assert_string_equal(cfg->command[0], "echo");
	assert_string_equal(cfg->command[1], "Hello World");
	assert_string_equal(cfg->workdir, "/root");
	assert_int_equal(cfg->nano_cpus, 1000000000);
	assert_int_equal(cfg->memory_bytes, 2000000000);
	assert_int_equal(cfg->ports[0].host_port, 80);
	assert_true(c->containers[0].spec->mounts[0].read_only);
	assert_int_equal(c->n_volumes, 1);
	assert_int_equal(c->volumes[0].cinder_size_gb, 5);
	assert_string_equal(c->volumes[0].cinder_type, "type1");
	assert_true(c->volumes[0].flat);
	assert_false(c->volumes[0].auto_remove);
	zf_capsule_spec_free(c);
}

static void test_zun_fields(void **state)
{
	struct zf_capsule_spec *c = parse_fixture("capsules/zun.yaml");

	(void)state;
	assert_string_equal(c->restart_policy, "on-failure");
	assert_string_equal(c->annotations[0].value, "ops");
	assert_int_equal(c->n_init_containers, 1);
	assert_string_equal(c->init_containers[0].name, "setup");
	assert_true(c->containers[0].spec->cfg->stdin_open);
	assert_true(c->containers[0].spec->cfg->tty);
	assert_string_equal(c->volumes[0].zunfs_volume, "scratch");
	assert_string_equal(c->volumes[1].cinder_id, "9f7a3e1c-0000-4000-8000-000000000001");
	zf_capsule_spec_free(c);
}

static void test_pod(void **state)
{
	struct zf_capsule_spec *c = parse_fixture("capsules/pod.yaml");

	(void)state;
	assert_string_equal(c->restart_policy, "no");
	assert_int_equal(c->n_containers, 2);
	assert_string_equal(c->containers[0].spec->cfg->workdir, "/srv");
	assert_string_equal(c->containers[0].spec->cfg->env[0].key, "PORT");
	assert_string_equal(c->containers[0].spec->cfg->env[0].value, "8080");
	assert_string_equal(c->containers[1].name, "client");
	assert_int_equal(c->containers[1].spec->cfg->nano_cpus, 250000000);
	assert_null(c->hostname); /* the capsule's name, at launch */
	zf_capsule_spec_free(c);
}

/* a bare memory number: MiB in Zun's capsule (its API's rule), bytes in a Pod;
 * a member's own text reads alike in its capsule's unit */
static void test_memory_unit(void **state)
{
	const char *zun = "kind: capsule\navailabilityZone: nova\nspec:\n  containers:\n"
			  "  - {image: busybox, resources: {requests: {memory: 64, cpu: 1}}}\n";
	const char *pod = "kind: Pod\nspec:\n  containers:\n"
			  "  - {image: busybox, resources: {requests: {memory: 67108864}}}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_container_spec *m = NULL;
	struct zf_spec_error e = { 0 };

	(void)state;
	assert_int_equal(zf_spec_parse_capsule(zun, strlen(zun), &c, &e), 0);
	assert_int_equal(c->memory_unit, ZF_MEMORY_MIB);
	assert_int_equal(c->containers[0].spec->cfg->memory_bytes, 64 * 1048576);
	assert_string_equal(c->availability_zone, "nova");
	assert_int_equal(zf_spec_parse_member(c->containers[0].text, strlen(c->containers[0].text),
					      c->memory_unit, &m, NULL, &e),
			 0);
	assert_int_equal(m->cfg->memory_bytes, 64 * 1048576);
	zf_container_spec_free(m);
	zf_capsule_spec_free(c);
	assert_int_equal(zf_spec_parse_capsule(pod, strlen(pod), &c, &e), 0);
	assert_int_equal(c->memory_unit, ZF_MEMORY_BYTES);
	assert_int_equal(c->containers[0].spec->cfg->memory_bytes, 67108864);
	zf_capsule_spec_free(c);
}

static void test_empty_dir(void **state)
{
	const char *text = "kind: Pod\nspec:\n  containers:\n  - {image: busybox}\n  volumes:\n"
			   "  - {name: a, emptyDir: {}}\n  - {name: b, emptyDir: {medium: Memory, "
			   "sizeLimit: 64Mi}}\n  - {name: c, emptyDir: null}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };

	(void)state;
	assert_int_equal(zf_spec_parse_capsule(text, strlen(text), &c, &e), 0);
	assert_true(c->volumes[0].empty_dir && !c->volumes[0].memory_medium);
	assert_true(c->volumes[1].empty_dir && c->volumes[1].memory_medium);
	assert_int_equal(c->volumes[1].size_limit_bytes, 64 * 1048576);
	assert_true(c->volumes[2].empty_dir);
	zf_capsule_spec_free(c);
}

/* Pod fields for what one host without a cluster cannot have: EOPNOTSUPP,
 * naming the feature */
static void test_not_here(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "kind: Pod\nspec:\n  nodeSelector: {a: b}\n  containers: [{image: busybox}]\n",
		  "spec.nodeSelector: not supported: there is one host" },
		{ "kind: Pod\nspec:\n  serviceAccountName: x\n  containers: [{image: busybox}]\n",
		  "spec.serviceAccountName: not supported: there are no service accounts" },
		{ "kind: Pod\nspec:\n  imagePullSecrets: [{name: r}]\n  containers: [{image: busybox}]\n",
		  "spec.imagePullSecrets: not supported: there are no Secrets" },
		{ "kind: Pod\nspec:\n  containers: [{image: busybox}]\n  volumes:\n  - {name: d, persistentVolumeClaim: {claimName: d}}\n",
		  "volumes 'd': persistentVolumeClaim: not supported: there are no PersistentVolumeClaims" },
		{ "kind: Pod\nspec:\n  containers: [{image: busybox}]\n  volumes:\n  - {name: d, configMap: {name: c}}\n",
		  "volumes 'd': configMap: not supported: there are no ConfigMaps" },
		/* the composition spec's sample's volume, made valid YAML */
		{ "kind: capsule\nspec:\n  containers: [{image: busybox}]\n  volumes:\n  - name: volume1\n    drivers: cinder\n    size: 5GB\n    volumeType: type1\n    image: ubuntu-xenial\n",
		  "volumes 'volume1': image: a volume made from a Glance image needs Glance" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zf_capsule_spec *c = NULL;
		struct zf_spec_error e = { 0 };
		int r = zf_spec_parse_capsule(cases[i].text, strlen(cases[i].text), &c, &e);

		if (r != -EOPNOTSUPP || strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: r=%d '%s'; expected EOPNOTSUPP '%s...'", i, r, e.msg,
				 cases[i].msg);
		assert_null(c);
	}
}

static void test_hostname(void **state)
{
	const char *text = "kind: Pod\nspec:\n  hostname: db-0\n  containers:\n  - {image: busybox}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };

	(void)state;
	assert_int_equal(zf_spec_parse_capsule(text, strlen(text), &c, &e), 0);
	assert_string_equal(c->hostname, "db-0");
	zf_capsule_spec_free(c);
}

#define HEAD "kind: capsule\nspec:\n  containers:\n"

static const struct {
	const char *text;
	int line;
	const char *msg;
} bad[] = {
	{ "", 0, "the spec is empty" },
	{ "kind: capsule\n", 1, "'spec' is required" },
	{ "kind: Deployment\nspec: {}\n", 1, "kind: 'Deployment' is not capsule" },
	{ "apiVersion: v2\nspec: {}\n", 1, "apiVersion: 'v2' is not one of" },
	{ "kind: capsule\nspec:\n  containers: []\n", 3, "spec.containers: a capsule needs at least one" },
	{ "kind: capsule\nspec:\n  bogus: {a: b}\n", 3, "spec: unknown key 'bogus'" },
	{ "kind: capsule\nstatus: {}\nspec: {}\n", 2, "unknown key 'status'" },
	{ "kind: capsule\nmetadata: {namespace: Bad_NS}\nspec: {}\n", 2, "metadata.namespace: 'Bad_NS' is not a namespace name" },
	{ "kind: capsule\nmetadata: {uid: x}\nspec: {}\n", 2, "metadata: unknown key 'uid'" },
	{ HEAD "  - {image: busybox, env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.nope}}}]}\n", 4, "containers[0].env[0].valueFrom.fieldRef: fieldPath 'metadata.nope' is not one of" },
	{ HEAD "  - {image: busybox, env: [{name: A, valueFrom: {fieldRef: {apiVersion: v1}}}]}\n", 4, "containers[0].env[0].valueFrom.fieldRef: 'fieldPath' is required" },
	{ HEAD "  - {image: busybox, env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name, apiVersion: v2}}}]}\n", 4, "containers[0].env[0].valueFrom.fieldRef.apiVersion: 'v2' is not v1" },
	{ HEAD "  - {image: busybox, env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}\n", 4, "containers[0].env[0]: give value or valueFrom, not both" },
	{ HEAD "  - {image: busybox, env: [{name: A, valueFrom: {}}]}\n", 4, "containers[0].env[0].valueFrom: give fieldRef" },
	{ HEAD "  - {image: busybox, env: [{name: A, valueFrom: {other: {}}}]}\n", 4, "containers[0].env[0]: unknown key 'other'" },
	{ HEAD "  - {name: a, image: busybox, securityContext: {runAsNonRoot: true}}\n  securityContext: {runAsUser: 0}\n", 3, "containers[0].securityContext: runAsNonRoot is true but runAsUser is 0" },
	{ HEAD "  - {image: busybox}\n  securityContext: {runAsNonRoot: true, runAsUser: 0}\n", 3, "containers[0].securityContext: runAsNonRoot is true but runAsUser is 0" },
	{ HEAD "  - {image: busybox}\n  securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: '1'}]}\n", 5, "spec.securityContext.sysctls: kernel parameters are the host's" },
	{ HEAD "  - {image: busybox}\n  securityContext: {privileged: true}\n", 5, "spec.securityContext: unknown key 'privileged'" },
	{ HEAD "  - {image: busybox}\n  securityContext: {supplementalGroups: [1, x]}\n", 5, "spec.securityContext.supplementalGroups: 'x' is not an id" },
	{ HEAD "  - {image: busybox, securityContext: {capabilities: {add: [SYS_ADMIN]}}}\n", 4, "containers[0].securityContext.capabilities.add: adding capabilities" },
	{ HEAD "  - {image: busybox}\n  dnsPolicy: ClusterLast\n", 5, "spec.dnsPolicy: 'ClusterLast' is not one of" },
	{ HEAD "  - {image: busybox}\n  dnsPolicy: None\n", 3, "spec.dnsPolicy: None needs spec.dnsConfig.nameservers" },
	{ HEAD "  - {image: busybox}\n  dnsConfig: {nameservers: [dns.example]}\n", 5, "spec.dnsConfig.nameservers: 'dns.example' is not an IP address" },
	{ HEAD "  - {image: busybox}\n  dnsConfig: {nameservers: [127.0.0.1, 127.0.0.2, 127.0.0.3, 127.0.0.4]}\n", 5, "spec.dnsConfig.nameservers: at most 3" },
	{ HEAD "  - {image: busybox}\n  dnsConfig: {searches: ['a b']}\n", 5, "spec.dnsConfig.searches: 'a b' is not a domain name" },
	{ HEAD "  - {image: busybox}\n  dnsConfig: {options: [{value: '2'}]}\n", 5, "spec.dnsConfig.options: each entry needs a name" },
	{ HEAD "  - {image: busybox}\n  dnsConfig: {servers: []}\n", 5, "spec.dnsConfig: unknown key 'servers'" },
	{ "kind: capsule\nspec:\n  initContainers:\n  - {name: s, image: busybox, restartPolicy: OnFailure}\n  containers:\n  - {image: busybox}\n", 4, "initContainers[0].restartPolicy: 'OnFailure': an init container takes only Always" },
	{ HEAD "  - {name: a, image: busybox}\n  - {name: a, image: busybox}\n", 5, "two containers are named 'a'" },
	{ "kind: capsule\nspec:\n  initContainers:\n  - {name: a, image: busybox}\n  containers:\n  - {name: a, image: busybox}\n", 6, "two containers are named 'a'" },
	{ HEAD "  - {name: a, image: busybox, volumeMounts: [{name: v, mountPath: /v}]}\n", 4, "container 'a': volumeMounts names 'v', which spec.volumes does not declare" },
	{ HEAD "  - {name: a, image: busybox, livenessProbe: {}}\n", 4, "containers[0].livenessProbe: give one of exec, tcpSocket and httpGet" },
	{ HEAD "  - {name: a, image: busybox, securityContext: {privileged: true}}\n", 4, "containers[0].securityContext.privileged: true would hand the host to the container" },
	{ HEAD "  - {name: a, image: busybox, resources: {requests: {memory: 2Q}}}\n", 4, "resources.requests.memory: '2Q'" },
	{ HEAD "  - {name: a, image: busybox, imageDriver: Glance}\n", 4, "imageDriver: 'Glance' is not supported" },
	{ HEAD "  - {name: a, image: busybox, restartPolicy: Always}\n", 4, "containers[0]: 'restartPolicy' belongs to the capsule" },
	{ HEAD "  - {name: a, image: busybox, sandbox: s}\n", 4, "containers[0]: 'sandbox' belongs to the capsule" },
	{ HEAD "  - {name: 'bad name', image: busybox}\n", 4, "containers[0]: name 'bad name' is not a valid name" },
	{ HEAD "  - {name: a}\n", 4, "containers[0]: 'image' is required" },
	{ HEAD "  - just-a-string\n", 4, "containers[0] must be a map" },
	{ "restartPolicy: Never\nspec:\n  restartPolicy: Always\n  containers:\n  - {image: busybox}\n", 3, "restartPolicy is given twice" },
	{ "restartPolicy: Sometimes\nspec: {}\n", 1, "restartPolicy: 'Sometimes'" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, cinder: {volumeID: x, size: 1}}\n", 6, "cinder: give volumeID (adopt) or size (make), not both" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v}\n", 6, "volumes[0] 'v': give exactly one of volume:, cinder:, emptyDir: or driver: cinder" },
	/* the composition spec's flat form */
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, size: 5GB}\n", 6, "volumes[0] 'v': size: only in cinder: {...} or with driver: cinder" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, driver: local, size: 1}\n", 6, "volumes 'v': driver: 'local': a capsule's own volumes are cinder" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, drivers: cinder}\n", 6, "volumes[0] 'v': driver: cinder: give volumeID (adopt) or size (make)" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, driver: cinder, volumeID: x, volumeType: fast}\n", 6, "volumes[0] 'v': driver: cinder: volumeType is for a volume made here" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, cinder: {volumeID: x, volumeType: fast}}\n", 6, "cinder: volumeType is for a volume made here" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, cinder: {size: 1, volumeType: ''}}\n", 6, "volumeType: empty" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, driver: cinder, size: 5GB, cinder: {size: 1}}\n", 6, "volumes[0] 'v': give exactly one of" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, drivers: cinder, driverOptions: options, size: 5GB}\n", 6, "volumes 'v': driverOptions: the cinder driver takes no options" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, driver: cinder, size: 5 GB}\n", 6, "cinder size: '5 GB' is not a size in GB" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, volume: a}\n  - {name: v, volume: b}\n", 7, "volumes: 'v' is declared twice" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, cinder: {size: big}}\n", 6, "cinder size: 'big' is not a size in GB" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, hostPath: /etc}\n", 6, "volumes 'v': hostPath: refused: it would hand the host's files" },
	{ HEAD "  - {image: busybox}\n  subdomain: dbs\n", 5, "spec.subdomain: not supported" },
	{ HEAD "  - {name: a, image: busybox, ports: [{containerPort: 80}]}\n  - {name: b, image: busybox, ports: [{containerPort: 80}]}\n", 5, "ports: containers 'a' and 'b' both expose containerPort 80/tcp" },
	{ HEAD "  - {name: a, image: busybox, ports: [{containerPort: 80, hostPort: 8}, {containerPort: 81, hostPort: 8}]}\n", 4, "ports: container 'a' exposes hostPort 8/tcp twice" },
	{ "kind: capsule\navailabilityZone: ''\nspec: {}\n", 2, "availabilityZone: 1 to 255 characters" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, emptyDir: {sizeLimit: 1Gi}}\n", 6, "emptyDir.sizeLimit: only with medium: Memory" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, emptyDir: {medium: HugePages}}\n", 6, "emptyDir.medium: 'HugePages' is not Memory" },
	{ HEAD "  - {image: busybox}\n  volumes:\n  - {name: v, emptyDir: {}, volume: x}\n", 6, "volumes[0] 'v': give exactly one of" },
	{ HEAD "  - {image: busybox}\n  hostname: a_b\n", 5, "spec.hostname: 'a_b' is not a host name" },
	{ HEAD "  - {image: busybox}\n  hostname: [a]\n", 5, "spec.hostname" },
	{ "kind: capsule\nspec:\n  containers:\n  - image: busybox\n   bad: indent\n", 5, "YAML: " },
	/* found by fuzzing: a key given twice must not be parsed twice */
	{ HEAD "  - {image: busybox}\n  volumes: []\n  volumes: []\n", 6, "'volumes' is given twice" },
	{ HEAD "  - {image: busybox}\n  containers: []\n", 5, "'containers' is given twice" },
	{ "kind: capsule\nmetadata: {name: a, name: b}\nspec: {}\n", 2, "'name' is given twice" },
	/* found by fuzzing: both spellings of labels, the first one leaked */
	{ "kind: capsule\nmetadata:\n  lables: {a: b}\n  labels: {c: d}\n" "spec:\n  containers:\n  - {image: busybox}\n", 4, "metadata: the labels are given twice (labels, lables)" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct zf_capsule_spec *c = NULL;
		struct zf_spec_error e = { 0 };
		int r = zf_spec_parse_capsule(bad[i].text, strlen(bad[i].text), &c, &e);

		if ((r != -EINVAL && r != -EPERM) || strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0 ||
		    e.line != bad[i].line)
			fail_msg("case %zu: r=%d line %d '%s'; expected line %d '%s...'", i, r, e.line,
				 e.msg, bad[i].line, bad[i].msg);
		assert_null(c);
	}
}

/* each member's own spec.yaml: its entry's text, which parses on its own alike */
static void test_member_text(void **state)
{
	static const char text[] = "kind: capsule\n"
				   "spec:\n"
				   "  containers:\n"
				   "  - name: web\n"
				   "    image: busybox\n"
				   "    command: [\"httpd\", \"-f\"]\n"
				   "    env:\n"
				   "      A: b\n"
				   "\n"
				   "  - {name: side, image: busybox, tty: true}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_container_spec *m = NULL;
	struct zf_spec_error e = { 0 };
	char *name = NULL;

	(void)state;
	assert_int_equal(zf_spec_parse_capsule(text, strlen(text), &c, &e), 0);
	assert_string_equal(c->containers[0].text, "name: web\n"
						   "image: busybox\n"
						   "command: [\"httpd\", \"-f\"]\n"
						   "env:\n"
						   "  A: b\n");
	assert_string_equal(c->containers[1].text, "{name: side, image: busybox, tty: true}\n");
	for (size_t i = 0; i < c->n_containers; i++) {
		const char *t = c->containers[i].text;

		assert_int_equal(zf_spec_parse_member(t, strlen(t), ZF_MEMORY_BYTES, &m, &name, &e), 0);
		assert_string_equal(name, c->containers[i].name);
		assert_string_equal(m->cfg->image, "busybox");
		assert_int_equal(m->cfg->tty, c->containers[i].spec->cfg->tty);
		zf_container_spec_free(m);
		free(name);
	}
	zf_capsule_spec_free(c);

	/* an alias to an anchor in another entry: its slice would not stand alone,
	 * so the entry is written out anew, aliases resolved */
	static const char anchored[] = "kind: capsule\n"
				       "spec:\n"
				       "  containers:\n"
				       "  - name: a\n"
				       "    image: busybox\n"
				       "    env: &common {X: \"1\"}\n"
				       "  - name: b  # the second\n"
				       "    image: busybox\n"
				       "    env: *common\n";

	assert_int_equal(zf_spec_parse_capsule(anchored, strlen(anchored), &c, &e), 0);
	for (size_t i = 0; i < 2; i++) {
		const char *t = c->containers[i].text;

		int r = zf_spec_parse_member(t, strlen(t), ZF_MEMORY_BYTES, &m, &name, &e);

		if (r != 0)
			print_error("member %zu: %s\n%s\n", i, e.msg, t);
		assert_int_equal(r, 0);
		assert_string_equal(m->cfg->env[0].key, "X");
		assert_string_equal(m->cfg->env[0].value, "1");
		zf_container_spec_free(m);
		free(name);
	}
	assert_null(strstr(c->containers[1].text, "*common"));
	zf_capsule_spec_free(c);

	/* libyaml counts characters: text before a member that is not ASCII must
	 * not shift its slice (found by fuzzing) */
	static const char utf8[] = "kind: capsule # d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac\n"
				   "spec:\n"
				   "  containers:\n"
				   "  - name: cafe # caf\xc3\xa9\n"
				   "    image: busybox\n"
				   "  - {name: b, image: \"b\xc3\xbcsy\"}\n";

	assert_int_equal(zf_spec_parse_capsule(utf8, strlen(utf8), &c, &e), 0);
	assert_string_equal(c->containers[0].text, "name: cafe # caf\xc3\xa9\nimage: busybox\n");
	assert_string_equal(c->containers[1].text, "{name: b, image: \"b\xc3\xbcsy\"}\n");
	zf_capsule_spec_free(c);

	/* a member's spec on its own: no name is fine; the capsule's keys are not */
	assert_int_equal(zf_spec_parse_member("image: busybox\n", 15, ZF_MEMORY_BYTES, &m, &name, &e), 0);
	assert_null(name);
	zf_container_spec_free(m);
	assert_int_equal(zf_spec_parse_member("image: busybox\nsandbox: s\n", 26, ZF_MEMORY_BYTES, &m, NULL, &e),
			 -EINVAL);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.msg, "spec.yaml: 'sandbox' belongs to the capsule, not a container");
	assert_int_equal(zf_spec_parse_member("", 0, ZF_MEMORY_BYTES, &m, NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "needs at least 'image'"));
	assert_int_equal(zf_spec_parse_member("command: [sh]\n", 14, ZF_MEMORY_BYTES, &m, NULL, &e), -EINVAL);
	assert_string_equal(e.msg, "spec.yaml: 'image' is required");
	assert_int_equal(zf_spec_parse_member("image: x\nprivileged: true\n", 26, ZF_MEMORY_BYTES, &m, NULL, &e),
			 -EPERM);
}

/* valueFrom sources that are Kubernetes' but not here: EOPNOTSUPP, saying why */
static void test_value_from_refused(void **state)
{
	static const struct {
		const char *from;
		const char *msg;
	} cases[] = {
		{ "{secretKeyRef: {name: s, key: k}}", "containers[0].env[1].valueFrom.secretKeyRef: not supported: zunfs has no Secret objects" },
		{ "{configMapKeyRef: {name: c, key: k}}", "containers[0].env[1].valueFrom.configMapKeyRef: not supported: zunfs has no ConfigMap objects" },
		{ "{resourceFieldRef: {resource: limits.memory}}", "containers[0].env[1].valueFrom.resourceFieldRef: not supported" },
		{ "{fieldRef: {fieldPath: spec.nodeName}}", "containers[0].env[1].valueFrom.fieldRef: fieldPath 'spec.nodeName' is not supported here" },
		{ "{fieldRef: {fieldPath: status.hostIP}}", "containers[0].env[1].valueFrom.fieldRef: fieldPath 'status.hostIP' is not supported here" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zf_capsule_spec *c = NULL;
		struct zf_spec_error e = { 0 };
		char text[512];
		int r;

		snprintf(text, sizeof(text),
			 HEAD "  - name: a\n    image: busybox\n    env:\n    - {name: OK, value: x}\n"
			      "    - name: B\n      valueFrom: %s\n",
			 cases[i].from);
		r = zf_spec_parse_capsule(text, strlen(text), &c, &e);
		if (r != -EOPNOTSUPP || strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)) != 0 ||
		    e.line != 9)
			fail_msg("case %zu: r=%d line %d '%s'", i, r, e.line, e.msg);
		assert_null(c);
	}
}

/* env from the pod's fields and $(VAR), as the kubelet fills them at launch */
static void test_pod_env(void **state)
{
	static const char text[] =
		"kind: Pod\n"
		"metadata:\n  name: web\n  namespace: shop\n  labels: {app: store, tier: front}\n"
		"  annotations: {owner: ops}\n"
		"spec:\n  containers:\n  - name: a\n    image: busybox\n"
		"    command: [echo, '$(POD)', '$$(POD)', '$(LATE)']\n    args: ['$(IP)', '$(NOPE)']\n"
		"    env:\n"
		"    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
		"    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace, apiVersion: v1}}}\n"
		"    - {name: APP, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}\n"
		"    - {name: MISSING, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['none']\"}}}\n"
		"    - {name: OWNER, valueFrom: {fieldRef: {fieldPath: \"metadata.annotations['owner']\"}}}\n"
		"    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n"
		"    - {name: URL, value: 'http://$(IP):80/$(POD)/$(LATE)'}\n"
		"    - {name: LATE, value: late}\n"
		"    - {name: ESC, value: '$$(POD) $(POD'}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_container_spec *m;
	struct zf_pod_fields pod;
	const char *want_env[][2] = {
		{ "POD", "web" }, { "NS", "shop" }, { "APP", "store" }, { "MISSING", "" },
		{ "OWNER", "ops" }, { "IP", "127.0.0.1" },
		/* only entries before it: LATE is later, left as written */
		{ "URL", "http://127.0.0.1:80/web/$(LATE)" }, { "LATE", "late" },
		{ "ESC", "$(POD) $(POD" },
	};
	const char *want_cmd[] = { "echo", "web", "$(POD)", "late", "127.0.0.1", "$(NOPE)", NULL };

	(void)state;
	if (zf_spec_parse_capsule(text, strlen(text), &c, &e) != 0)
		fail_msg("line %d: %s", e.line, e.msg);
	assert_string_equal(c->pod_namespace, "shop");
	m = c->containers[0].spec;
	assert_int_equal(m->env_refs[0].field, ZF_ENV_POD_NAME);
	assert_int_equal(m->env_refs[2].field, ZF_ENV_POD_LABEL);
	assert_string_equal(m->env_refs[2].key, "app");
	assert_int_equal(m->env_refs[4].field, ZF_ENV_POD_ANNOTATION);
	assert_int_equal(m->env_refs[5].field, ZF_ENV_POD_IP);
	pod = (struct zf_pod_fields){ "web", c->pod_namespace, "127.0.0.1", c->labels, c->annotations,
				      c->n_labels, c->n_annotations };
	assert_int_equal(zf_spec_resolve_env(m, &pod), 0);
	assert_int_equal(m->cfg->n_env, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_string_equal(m->cfg->env[i].key, want_env[i][0]);
		assert_string_equal(m->cfg->env[i].value, want_env[i][1]);
	}
	for (size_t i = 0; want_cmd[i]; i++)
		assert_string_equal(m->cfg->command[i], want_cmd[i]);
	assert_null(m->cfg->command[6]);
	zf_capsule_spec_free(c);

	/* no namespace: Kubernetes' default */
	static const char plain[] = "kind: Pod\nspec:\n  containers:\n  - image: busybox\n"
				    "    env: [{name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}]\n";
	assert_int_equal(zf_spec_parse_capsule(plain, strlen(plain), &c, &e), 0);
	assert_null(c->pod_namespace);
	pod = (struct zf_pod_fields){ .name = "p", .ip = "127.0.0.1" };
	assert_int_equal(zf_spec_resolve_env(c->containers[0].spec, &pod), 0);
	assert_string_equal(c->containers[0].spec->cfg->env[0].value, "default");
	zf_capsule_spec_free(c);
}

/* spec.securityContext, dnsPolicy/dnsConfig, a native sidecar */
static void test_pod_keys(void **state)
{
	static const char text[] =
		"kind: Pod\nspec:\n"
		"  securityContext: {runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000,\n"
		"    supplementalGroups: [4000, 5000], runAsNonRoot: true, fsGroupChangePolicy: OnRootMismatch,\n"
		"    seccompProfile: {type: RuntimeDefault}, sysctls: []}\n"
		"  dnsPolicy: None\n"
		"  dnsConfig:\n    nameservers: [127.0.0.1, '::1']\n    searches: [svc.example, example]\n"
		"    options: [{name: ndots, value: '2'}, {name: edns0}]\n"
		"  initContainers:\n  - {name: setup, image: busybox}\n"
		"  - {name: proxy, image: busybox, restartPolicy: Always}\n"
		"  containers:\n  - {name: app, image: busybox, securityContext: {runAsUser: 1500}}\n";
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_container_config cfg = { 0 };

	(void)state;
	if (zf_spec_parse_capsule(text, strlen(text), &c, &e) != 0)
		fail_msg("line %d: %s", e.line, e.msg);
	assert_true(c->sec.has_user && c->sec.user == 1000 && c->sec.has_fs_group && c->sec.fs_group == 3000);
	assert_int_equal(c->sec.n_groups, 2);
	assert_string_equal(c->dns_policy, "None");
	assert_string_equal(c->dns_servers[1], "::1");
	assert_null(c->dns_servers[2]);
	assert_string_equal(c->dns_searches[0], "svc.example");
	assert_string_equal(c->dns_options[0], "ndots:2");
	assert_string_equal(c->dns_options[1], "edns0");
	assert_false(c->init_containers[0].spec->sidecar);
	assert_true(c->init_containers[1].spec->sidecar);
	/* the member's own user over the pod's; the pod's group and groups */
	assert_int_equal(zf_security_apply(&c->containers[0].spec->sec, &c->sec, NULL, &cfg), 0);
	assert_string_equal(cfg.user, "1500:2000");
	assert_int_equal(cfg.n_group_add, 3);
	free(cfg.user);
	free(cfg.group_add);
	for (char **w = cfg.cap_drop; *w; w++)
		free(*w);
	free(cfg.cap_drop);
	zf_capsule_spec_free(c);

	/* defaults: ClusterFirst, no DNS settings */
	static const char plain[] = "kind: Pod\nspec:\n  dnsPolicy: Default\n  containers:\n  - image: busybox\n";
	assert_int_equal(zf_spec_parse_capsule(plain, strlen(plain), &c, &e), 0);
	assert_string_equal(c->dns_policy, "Default");
	assert_null(c->dns_servers);
	zf_capsule_spec_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_zun_fields),
		cmocka_unit_test(test_pod),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_not_here),
		cmocka_unit_test(test_empty_dir),
		cmocka_unit_test(test_memory_unit),
		cmocka_unit_test(test_member_text),
		cmocka_unit_test(test_value_from_refused),
		cmocka_unit_test(test_pod_env),
		cmocka_unit_test(test_pod_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
