/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A job launches from a copy of its object's parsed spec (engine_steps.h's
 * snapshot), never from the text again: the copy must say all the original
 * says, and share nothing with it. Each spec here sets every field its kind
 * has; the copy is read after the original is freed (the sanitizer build
 * reports any pointer the two still share), and the original's and the
 * copy's create bodies, and every field the body does not carry, compared.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/docker_json.h"
#include "../../fs/spec.h"

static const struct zf_owner_labels owner = {
	.uuid = "0b4e5b4a-7f0e-4c3e-9d0c-3a1f6e2b7c11",
	.kind = "container",
	.name = "web",
	.instance = "i-1",
	.owner_uid = 1000,
};

/* Every key of a container's spec.yaml. */
static const char *const full_container =
	"image: busybox:1.36\n"
	"command: [sh, -c]\n"
	"args: [\"echo $A; sleep 5\"]\n"
	"workingDir: /srv\n"
	"env: [{name: A, value: one}, {name: B, value: two}]\n"
	"labels: {tier: web, team: blue}\n"
	"tty: true\n"
	"stdin_open: true\n"
	"restartPolicy: \"on-failure:3\"\n"
	"imagePullPolicy: Never\n"
	"resources: {limits: {cpu: 500m, memory: 64Mi}}\n"
	"volumeMounts: [{name: data, mountPath: /data, readOnly: true}]\n"
	"ports: [{containerPort: 8080, hostPort: 18080, protocol: UDP}]\n"
	"securityContext: {runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true,\n"
	"  allowPrivilegeEscalation: false, capabilities: {drop: [NET_RAW, MKNOD]}}\n"
	"readinessProbe: {exec: {command: [cat, /tmp/ok]}, periodSeconds: 5, failureThreshold: 2}\n";

static struct zf_container_spec *parse_container(const char *text)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	int r = zf_spec_parse_container(text, strlen(text), &spec, &e);

	if (r != 0)
		print_error("line %d col %d: %s\n", e.line, e.column, e.msg);
	assert_int_equal(r, 0);
	return spec;
}

/* What zunfs sets at launch, beyond the spec: so these are copied too. */
static void add_launch_fields(struct zf_container_config *cfg)
{
	static char *const dns[] = { "127.0.0.53", NULL }, *const search[] = { "example.test", NULL },
			   *const options[] = { "ndots:2", NULL };

	cfg->hostname = strdup("web-1");
	cfg->join_ns = strdup("4f2c9e");
	cfg->volumes_from = strdup("9a8b7c");
	cfg->ipc_shareable = true;
	cfg->mounts = calloc(2, sizeof(*cfg->mounts));
	cfg->mounts[0] = (struct zf_mount){ strdup("zunfs-v"), strdup("/v"), true, false };
	cfg->mounts[1] = (struct zf_mount){ strdup("/var/lib/x"), strdup("/x"), false, true };
	cfg->n_mounts = 2;
	cfg->user = strdup("1000:1000");
	cfg->group_add = calloc(2, sizeof(*cfg->group_add));
	cfg->group_add[0] = 2000;
	cfg->group_add[1] = 3000;
	cfg->n_group_add = 2;
	assert_int_equal(zf_strv_dup(dns, &cfg->dns), 0);
	assert_int_equal(zf_strv_dup(search, &cfg->dns_search), 0);
	assert_int_equal(zf_strv_dup(options, &cfg->dns_options), 0);
}

/* The create body, and what a config holds that the body does not carry. */
static char *config_digest(const struct zf_container_config *cfg)
{
	char *body = zf_docker_create_body(cfg, &owner), *out = NULL;

	assert_non_null(body);
	assert_true(asprintf(&out, "%s pull=%d", body, (int)cfg->pull_policy) > 0);
	free(body);
	return out;
}

static char *security_digest(const struct zf_security *s)
{
	char *out = NULL, caps[256] = "", groups[256] = "";

	for (char **p = s->cap_drop; p && *p; p++)
		snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "%s,", *p);
	for (size_t i = 0; i < s->n_groups; i++)
		snprintf(groups + strlen(groups), sizeof(groups) - strlen(groups), "%lld,",
			 (long long)s->groups[i]);
	assert_true(asprintf(&out, "u%d:%lld g%d:%lld nr%d:%d ro%d nnp%d caps[%s] fs%d:%lld groups[%s]",
			     s->has_user, (long long)s->user, s->has_group, (long long)s->group,
			     s->has_non_root, s->non_root, s->read_only_root, s->no_new_privs, caps,
			     s->has_fs_group, (long long)s->fs_group, groups) > 0);
	return out;
}

static char *container_digest(const struct zf_container_spec *spec)
{
	char *cfg = config_digest(spec->cfg), *sec = security_digest(&spec->sec), *out = NULL;
	char mounts[512] = "", refs[512] = "";

	for (size_t i = 0; i < spec->n_mounts; i++)
		snprintf(mounts + strlen(mounts), sizeof(mounts) - strlen(mounts), "%s:%s:%d,",
			 spec->mounts[i].name, spec->mounts[i].mount_path, spec->mounts[i].read_only);
	for (size_t i = 0; spec->env_refs && i < spec->cfg->n_env; i++)
		snprintf(refs + strlen(refs), sizeof(refs) - strlen(refs), "%d:%s,",
			 (int)spec->env_refs[i].field,
			 spec->env_refs[i].key ? spec->env_refs[i].key : "-");
	assert_true(asprintf(&out, "%s | sandbox=%s mounts=[%s] refs=[%s] %s sidecar=%d checks=%u",
			     cfg, spec->sandbox ? spec->sandbox : "-", mounts, refs, sec,
			     spec->sidecar, spec->check_from) > 0);
	free(cfg);
	free(sec);
	return out;
}

static void test_container_copy(void **state)
{
	(void)state;
	struct zf_container_spec *orig = parse_container(full_container), *copy = NULL;
	char *before, *after;

	add_launch_fields(orig->cfg);
	orig->sandbox = strdup("box");
	before = container_digest(orig);
	assert_int_equal(zf_container_spec_dup(orig, &copy), 0);
	assert_non_null(copy);
	assert_ptr_not_equal(copy->cfg, orig->cfg);
	assert_ptr_not_equal(copy->cfg->health, orig->cfg->health);
	assert_ptr_not_equal(copy->sec.cap_drop, orig->sec.cap_drop);
	zf_container_spec_free(orig); /* the copy must not need it */
	after = container_digest(copy);
	assert_string_equal(after, before);
	/* the spec's fields did reach the digest: a check that can fail */
	assert_non_null(strstr(after, "\"WorkingDir\":\"/srv\""));
	assert_non_null(strstr(after, "NET_RAW"));
	assert_non_null(strstr(after, "/data:1"));
	assert_non_null(strstr(after, "sandbox=box"));
	assert_non_null(strstr(after, "pull=2"));
	/* the copy is its own to change */
	free(copy->cfg->image);
	copy->cfg->image = strdup("other");
	zf_container_spec_free(copy);
	free(before);
	free(after);
}

static void test_null_copies(void **state)
{
	(void)state;
	struct zf_container_spec *c = (void *)1;
	struct zf_capsule_spec *k = (void *)1;
	struct zf_volume_spec *v = (void *)1;
	struct zf_container_config *cfg = (void *)1;

	assert_int_equal(zf_container_spec_dup(NULL, &c), 0);
	assert_null(c);
	assert_int_equal(zf_capsule_spec_dup(NULL, &k), 0);
	assert_null(k);
	assert_int_equal(zf_volume_spec_dup(NULL, &v), 0);
	assert_null(v);
	assert_int_equal(zf_container_config_dup(NULL, &cfg), 0);
	assert_null(cfg);
}

/* A Pod with every part a capsule keeps. */
static const char *const full_pod =
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata:\n"
	"  name: shop\n"
	"  namespace: team-a\n"
	"  labels: {app: shop}\n"
	"  annotations: {note: hello}\n"
	"spec:\n"
	"  hostname: shop-host\n"
	"  restartPolicy: OnFailure\n"
	"  securityContext: {runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000, 4000]}\n"
	"  dnsPolicy: None\n"
	"  dnsConfig: {nameservers: [127.0.0.53], searches: [example.test], options: [{name: ndots, value: '2'}]}\n"
	"  initContainers:\n"
	"  - {name: init, image: busybox, command: [true]}\n"
	"  - {name: side, image: busybox, restartPolicy: Always, command: [sleep, '100']}\n"
	"  containers:\n"
	"  - name: web\n"
	"    image: busybox\n"
	"    env:\n"
	"    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
	"    - {name: APP, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}\n"
	"    - {name: PLAIN, value: x}\n"
	"    volumeMounts: [{name: scratch, mountPath: /s}, {name: db, mountPath: /db}]\n"
	"    readinessProbe: {exec: {command: [true]}}\n"
	"    resources: {limits: {memory: 32Mi}}\n"
	"  - {name: log, image: busybox, volumeMounts: [{name: shared, mountPath: /l, readOnly: true}]}\n"
	"  volumes:\n"
	"  - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 16Mi}}\n"
	"  - {name: db, cinder: {size: 2, volumeType: fast, autoRemove: true}}\n"
	"  - {name: flat, driver: cinder, size: 3GB, volumeType: slow}\n"
	"  - {name: shared, volume: logs}\n"
	"  - {name: old, cinder: {volumeID: 5e1a2b3c-0000-4000-8000-000000000001}}\n";

static char *members_digest(const struct zf_capsule_member *m, size_t n)
{
	char *out = strdup(""), *next, *d;

	for (size_t i = 0; i < n; i++) {
		d = container_digest(m[i].spec);
		assert_true(asprintf(&next, "%s{%s@%d:%d %s <<%s>>}", out, m[i].name, m[i].line,
				     m[i].column, d, m[i].text) > 0);
		free(d);
		free(out);
		out = next;
	}
	return out;
}

static char *capsule_digest(const struct zf_capsule_spec *c)
{
	char *members = members_digest(c->containers, c->n_containers),
	     *inits = members_digest(c->init_containers, c->n_init_containers),
	     *sec = security_digest(&c->sec), *out = NULL;
	char kv[512] = "", vols[1024] = "", dns[256] = "";

	for (size_t i = 0; i < c->n_labels; i++)
		snprintf(kv + strlen(kv), sizeof(kv) - strlen(kv), "l:%s=%s,", c->labels[i].key,
			 c->labels[i].value);
	for (size_t i = 0; i < c->n_annotations; i++)
		snprintf(kv + strlen(kv), sizeof(kv) - strlen(kv), "a:%s=%s,",
			 c->annotations[i].key, c->annotations[i].value);
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];

		snprintf(vols + strlen(vols), sizeof(vols) - strlen(vols),
			 "%s:%s:%s:%s:%d:%lld:%d:%d:%d:%lld@%d:%d,", v->name,
			 v->zunfs_volume ? v->zunfs_volume : "-", v->cinder_id ? v->cinder_id : "-",
			 v->cinder_type ? v->cinder_type : "-", v->flat,
			 (long long)v->cinder_size_gb, v->auto_remove, v->empty_dir,
			 v->memory_medium, (long long)v->size_limit_bytes, v->line, v->column);
	}
	for (char **w = c->dns_servers; w && *w; w++)
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), "n:%s,", *w);
	for (char **w = c->dns_searches; w && *w; w++)
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), "s:%s,", *w);
	for (char **w = c->dns_options; w && *w; w++)
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), "o:%s,", *w);
	assert_true(asprintf(&out,
			     "name=%s ns=%s az=%s unit=%d restart=%s hs=%s host=%s [%s] "
			     "vols=[%s] dns=%s[%s] %s init=%s containers=%s",
			     c->name ? c->name : "-", c->pod_namespace ? c->pod_namespace : "-",
			     c->availability_zone ? c->availability_zone : "-", (int)c->memory_unit,
			     c->restart_policy, c->host_selector ? c->host_selector : "-",
			     c->hostname ? c->hostname : "-", kv, vols, c->dns_policy, dns, sec,
			     inits, members) > 0);
	free(members);
	free(inits);
	free(sec);
	return out;
}

static struct zf_capsule_spec *parse_capsule(const char *text)
{
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	int r = zf_spec_parse_capsule(text, strlen(text), &c, &e);

	if (r != 0)
		print_error("line %d col %d: %s\n", e.line, e.column, e.msg);
	assert_int_equal(r, 0);
	return c;
}

static void test_capsule_copy(void **state)
{
	(void)state;
	struct zf_capsule_spec *orig = parse_capsule(full_pod), *copy = NULL;
	char *before, *after;

	add_launch_fields(orig->containers[0].spec->cfg);
	before = capsule_digest(orig);
	assert_int_equal(zf_capsule_spec_dup(orig, &copy), 0);
	assert_ptr_not_equal(copy->containers, orig->containers);
	assert_ptr_not_equal(copy->containers[0].spec, orig->containers[0].spec);
	zf_capsule_spec_free(orig);
	after = capsule_digest(copy);
	assert_string_equal(after, before);
	assert_non_null(strstr(after, "ns=team-a"));
	assert_non_null(strstr(after, "a:note=hello"));
	assert_non_null(strstr(after, "db:-:-:fast:0:2:1:0:0:0"));
	assert_non_null(strstr(after, "flat:-:-:slow:1:3:0:0:0:0"));
	assert_non_null(strstr(after, "old:-:5e1a2b3c-0000-4000-8000-000000000001"));
	assert_non_null(strstr(after, "groups[3000,4000,]"));
	assert_non_null(strstr(after, "o:ndots:2"));
	assert_non_null(strstr(after, "sidecar=1"));
	assert_non_null(strstr(after, "refs=[1:-,3:app,0:-,]"));
	zf_capsule_spec_free(copy);
	free(before);
	free(after);
}

static void test_zun_capsule_copy(void **state)
{
	(void)state;
	const char *zun = "kind: capsule\navailabilityZone: nova\nhostSelector: one\n"
			  "spec:\n  containers:\n  - {image: busybox, resources: {limits: {memory: 64}}}\n";
	struct zf_capsule_spec *orig = parse_capsule(zun), *copy = NULL;
	char *before = capsule_digest(orig), *after;

	assert_int_equal(zf_capsule_spec_dup(orig, &copy), 0);
	zf_capsule_spec_free(orig);
	after = capsule_digest(copy);
	assert_string_equal(after, before);
	assert_non_null(strstr(after, "az=nova"));
	assert_non_null(strstr(after, "unit=1")); /* MiB: Zun's */
	zf_capsule_spec_free(copy);
	free(before);
	free(after);
}

static void test_volume_copy(void **state)
{
	(void)state;
	const char *text = "driver: cinder\nsize: 2Gi\nvolumeType: fast\n"
			   "driverOptions: {a: '1', b: '2'}\n";
	struct zf_volume_spec *orig = NULL, *copy = NULL;
	struct zf_spec_error e = { 0 };
	char before[512], after[512];

	assert_int_equal(zf_spec_parse_volume(text, strlen(text), &orig, &e), 0);
	snprintf(before, sizeof(before), "%s %lld %s %s %zu %s=%s", orig->driver,
		 (long long)orig->size_bytes, orig->volume_id ? orig->volume_id : "-",
		 orig->volume_type ? orig->volume_type : "-", orig->n_opts,
		 orig->n_opts ? orig->opts[1].key : "", orig->n_opts ? orig->opts[1].value : "");
	assert_int_equal(zf_volume_spec_dup(orig, &copy), 0);
	zf_volume_spec_free(orig);
	snprintf(after, sizeof(after), "%s %lld %s %s %zu %s=%s", copy->driver,
		 (long long)copy->size_bytes, copy->volume_id ? copy->volume_id : "-",
		 copy->volume_type ? copy->volume_type : "-", copy->n_opts,
		 copy->n_opts ? copy->opts[1].key : "", copy->n_opts ? copy->opts[1].value : "");
	assert_string_equal(after, before);
	assert_string_equal(after, "cinder 2147483648 - fast 2 b=2");
	zf_volume_spec_free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_copy),
		cmocka_unit_test(test_null_copies),
		cmocka_unit_test(test_capsule_copy),
		cmocka_unit_test(test_zun_capsule_copy),
		cmocka_unit_test(test_volume_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
