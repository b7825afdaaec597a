/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes' securityContext, the part that only lowers privilege: a
 * container's (containers and capsule members) and a pod's (a capsule's
 * spec.securityContext), each map a table of keys (yaml.h). What would
 * raise privilege is refused with EPERM, saying why; the defaults that
 * raise nothing (privileged: false, allowPrivilegeEscalation: true,
 * seccompProfile RuntimeDefault, procMount Default, runAsUser: 0) are taken.
 * Then what a launch does with it: the engine's User, ReadonlyRootfs,
 * no-new-privileges, CapDrop (MKNOD always) and GroupAdd, and the kubelet's runAsNonRoot
 * check against the image's user.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"

/* A walk of a securityContext map: where it is ("containers[0].securityContext"). */
struct sec_walk {
	struct zf_security *sec;
	const char *where;
};

/* Refuses what raises privilege: -EPERM, the reason at n. */
static int raises(struct zf_yaml *y, const struct zf_ynode *n, const char *where, const char *key,
		  const char *why)
{
	zf_yaml_fail(y, n, "%s.%s: %s: not allowed on this mount (a securityContext may only lower "
			   "privilege)",
		     where, key, why);
	return -EPERM;
}

/* A user or group id as Kubernetes takes it: 0 to 2147483647. */
static int want_id(struct zf_yaml *y, struct zf_ynode *v, const struct sec_walk *w,
		   const char *key, int64_t *ret)
{
	const char *s;
	char *end;
	long long n;
	int r = zf_yaml_want_scalar(y, v, key, &s);

	if (r < 0)
		return r;
	n = strtoll(s, &end, 10);
	if (end == s || *end || n < 0 || n > 2147483647LL)
		return zf_yaml_fail(y, v, "%s.%s: '%s' is not an id (0 to 2147483647)", w->where, key,
				    s);
	*ret = n;
	return 0;
}

static int sc_run_as_user(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;

	(void)k;
	w->sec->has_user = true;
	return want_id(y, v, w, "runAsUser", &w->sec->user);
}

static int sc_run_as_group(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;

	(void)k;
	w->sec->has_group = true;
	return want_id(y, v, w, "runAsGroup", &w->sec->group);
}

static int sc_run_as_non_root(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
			      void *ctx)
{
	struct sec_walk *w = ctx;

	(void)k;
	w->sec->has_non_root = true;
	return zf_yaml_want_bool(y, v, "runAsNonRoot", &w->sec->non_root);
}

static int sc_read_only_root(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_bool(y, v, "readOnlyRootFilesystem",
				 &((struct sec_walk *)ctx)->sec->read_only_root);
}

/* false: no-new-privileges; true is the engine's default and raises nothing */
static int sc_allow_escalation(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
			       void *ctx)
{
	struct sec_walk *w = ctx;
	bool allow;
	int r = zf_yaml_want_bool(y, v, "allowPrivilegeEscalation", &allow);

	(void)k;
	if (r == 0)
		w->sec->no_new_privs = !allow;
	return r;
}

static int sc_privileged(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;
	bool on;
	int r = zf_yaml_want_bool(y, v, "privileged", &on);

	(void)k;
	if (r == 0 && on)
		return raises(y, v, w->where, "privileged",
			      "true would hand the host to the container");
	return r;
}

/* Linux's capabilities (linux/capability.h), as Kubernetes names them. */
static const char *const capability_names[] = {
	"ALL", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
	"NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
	"SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
	"PERFMON", "BPF", "CHECKPOINT_RESTORE", NULL,
};

static int caps_add(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;

	(void)k;
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "%s.capabilities.add must be a list of capabilities",
				    w->where);
	if (zf_yaml_len(v))
		return raises(y, v, w->where, "capabilities.add",
			      "adding capabilities raises privilege");
	return 0;
}

static int caps_drop(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;
	size_t n = zf_yaml_len(v);

	(void)k;
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "%s.capabilities.drop must be a list of capabilities",
				    w->where);
	zf_spec_words_free(w->sec->cap_drop);
	w->sec->cap_drop = calloc(n + 1, sizeof(char *));
	if (!w->sec->cap_drop)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct zf_ynode *item = zf_yaml_item(y, v, i);
		const char *s, *name;
		int r = zf_yaml_want_scalar(y, item, "a capability", &s), known = 0;

		if (r < 0)
			return r;
		/* NET_RAW, or the kernel's CAP_NET_RAW; any case, as the engine takes them */
		name = strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;
		for (int c = 0; capability_names[c] && !known; c++)
			known = strcasecmp(name, capability_names[c]) == 0;
		if (!known)
			return zf_yaml_fail(y, item, "%s.capabilities.drop: '%s' is not a capability",
					    w->where, s);
		if (!(w->sec->cap_drop[i] = strdup(name)))
			return -ENOMEM;
		for (char *p = w->sec->cap_drop[i]; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	return 0;
}

static const struct zf_yaml_map caps_keys = {
	.not_map = " must be a map (add, drop)",
	.keys = (const struct zf_yaml_key[]){
		{ { "drop" }, caps_drop },
		{ { "add" }, caps_add },
		{ { NULL }, NULL },
	},
};

static int sc_capabilities(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;
	char where[128];

	(void)k;
	snprintf(where, sizeof(where), "%s.capabilities", w->where);
	return zf_yaml_walk(y, v, &caps_keys, where, w);
}

/* seccompProfile, appArmorProfile: {type, localhostProfile}; RuntimeDefault only. */
struct profile {
	const char *type;
	bool localhost_profile;
};

static int profile_type(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "type", &((struct profile *)ctx)->type);
}

static int profile_localhost(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	const char *s;

	(void)k;
	((struct profile *)ctx)->localhost_profile = true;
	return zf_yaml_want_scalar(y, v, "localhostProfile", &s);
}

static const struct zf_yaml_map profile_keys = {
	.not_map = " must be a map (type, localhostProfile)",
	.keys = (const struct zf_yaml_key[]){
		{ { "type" }, profile_type },
		{ { "localhostProfile" }, profile_localhost },
		{ { NULL }, NULL },
	},
};

static int want_profile(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
			const struct sec_walk *w)
{
	const char *key = zf_yaml_scalar(k);
	struct profile p = { NULL, false };
	char where[128];
	int r;

	snprintf(where, sizeof(where), "%s.%s", w->where, key);
	if ((r = zf_yaml_walk(y, v, &profile_keys, where, &p)) < 0)
		return r;
	if (!p.type)
		return zf_yaml_fail(y, v, "%s: 'type' is required (RuntimeDefault)", where);
	if (strcmp(p.type, "RuntimeDefault") == 0 && !p.localhost_profile)
		return 0; /* the engine's own profile: what every container gets */
	if (strcmp(p.type, "Unconfined") == 0)
		return raises(y, v, w->where, key, "type Unconfined lifts the engine's confinement");
	if (strcmp(p.type, "Localhost") == 0)
		return raises(y, v, w->where, key,
			      "type Localhost loads a profile from the host, which may allow more "
			      "than the engine's default");
	if (strcmp(p.type, "RuntimeDefault") == 0)
		return zf_yaml_fail(y, v, "%s: localhostProfile is only for type Localhost", where);
	return zf_yaml_fail(y, v, "%s: type '%s' is not one of RuntimeDefault, Unconfined, Localhost",
			    where, p.type);
}

static int sc_profile(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	return want_profile(y, k, v, ctx);
}

static int sc_se_linux(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return raises(y, v, ((struct sec_walk *)ctx)->where, "seLinuxOptions",
		      "an SELinux label of the user's choice may give the container more than the "
		      "engine's default label");
}

static int sc_proc_mount(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "procMount", &s);

	(void)k;
	if (r < 0 || strcmp(s, "Default") == 0)
		return r;
	if (strcmp(s, "Unmasked") == 0)
		return raises(y, v, w->where, "procMount",
			      "Unmasked shows the container the host's masked /proc paths");
	return zf_yaml_fail(y, v, "%s.procMount: '%s' is not Default or Unmasked", w->where, s);
}

static int sc_windows(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_fail(y, v, "%s.windowsOptions: for Windows containers; these are Linux's",
			    ((struct sec_walk *)ctx)->where);
}

/* ---- the pod's own keys -------------------------------------------------- */

static int sc_fs_group(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;

	(void)k;
	w->sec->has_fs_group = true;
	return want_id(y, v, w, "fsGroup", &w->sec->fs_group);
}

static int sc_groups(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;
	size_t n = zf_yaml_len(v);

	(void)k;
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "%s.supplementalGroups must be a list of group ids",
				    w->where);
	free(w->sec->groups);
	w->sec->n_groups = 0;
	w->sec->groups = calloc(n ? n : 1, sizeof(*w->sec->groups));
	if (!w->sec->groups)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = want_id(y, zf_yaml_item(y, v, i), w, "supplementalGroups",
				&w->sec->groups[i]);

		if (r < 0)
			return r;
		w->sec->n_groups++;
	}
	return 0;
}

/* volumes' ownership is never changed here (docs): the policy has nothing to do */
static int sc_fs_group_policy(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "fsGroupChangePolicy", &s);

	(void)k;
	if (r == 0 && strcmp(s, "OnRootMismatch") && strcmp(s, "Always"))
		return zf_yaml_fail(y, v, "%s.fsGroupChangePolicy: '%s' is not OnRootMismatch or Always",
				    ((struct sec_walk *)ctx)->where, s);
	return r;
}

static int sc_sysctls(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct sec_walk *w = ctx;

	(void)k;
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "%s.sysctls must be a list of {name, value}", w->where);
	if (zf_yaml_len(v))
		return raises(y, v, w->where, "sysctls",
			      "kernel parameters are the host's to set, not a container's");
	return 0;
}

/* Each table in the order "unknown key" lists them. */
static const struct zf_yaml_map container_keys = {
	.not_map = " must be a map (runAsUser, runAsGroup, runAsNonRoot, ...)",
	.keys = (const struct zf_yaml_key[]){
		{ { "runAsUser" }, sc_run_as_user },
		{ { "runAsGroup" }, sc_run_as_group },
		{ { "runAsNonRoot" }, sc_run_as_non_root },
		{ { "readOnlyRootFilesystem" }, sc_read_only_root },
		{ { "allowPrivilegeEscalation" }, sc_allow_escalation },
		{ { "capabilities" }, sc_capabilities },
		{ { "privileged" }, sc_privileged },
		{ { "seccompProfile" }, sc_profile },
		{ { "appArmorProfile" }, sc_profile },
		{ { "procMount" }, sc_proc_mount },
		{ { "seLinuxOptions" }, sc_se_linux },
		{ { "windowsOptions" }, sc_windows },
		{ { NULL }, NULL },
	},
};

static const struct zf_yaml_map pod_keys = {
	.not_map = " must be a map (runAsUser, runAsGroup, runAsNonRoot, fsGroup, ...)",
	.keys = (const struct zf_yaml_key[]){
		{ { "runAsUser" }, sc_run_as_user },
		{ { "runAsGroup" }, sc_run_as_group },
		{ { "runAsNonRoot" }, sc_run_as_non_root },
		{ { "fsGroup" }, sc_fs_group },
		{ { "supplementalGroups" }, sc_groups },
		{ { "fsGroupChangePolicy" }, sc_fs_group_policy },
		{ { "seccompProfile" }, sc_profile },
		{ { "appArmorProfile" }, sc_profile },
		{ { "sysctls" }, sc_sysctls },
		{ { "seLinuxOptions" }, sc_se_linux },
		{ { "windowsOptions" }, sc_windows },
		{ { NULL }, NULL },
	},
};

int zf_spec_want_security(struct zf_yaml *y, struct zf_ynode *n, const char *where, bool pod,
			  struct zf_security *sec)
{
	struct sec_walk w = { sec, where };

	return zf_yaml_walk(y, n, pod ? &pod_keys : &container_keys, where, &w);
}

int zf_spec_check_security(struct zf_yaml *y, struct zf_ynode *n, const char *where,
			   const struct zf_security *sec, const struct zf_security *pod)
{
	bool non_root = sec->has_non_root ? sec->non_root : pod && pod->non_root;
	bool has_user = sec->has_user || (pod && pod->has_user);
	int64_t user = sec->has_user ? sec->user : pod ? pod->user : 0;

	/* the kubelet would refuse to start it: say so at close() */
	if (non_root && has_user && user == 0)
		return zf_yaml_fail(y, n, "%s: runAsNonRoot is true but runAsUser is 0 (root)", where);
	return 0;
}

/* ---- at launch ----------------------------------------------------------- */

void zf_security_clear(struct zf_security *sec)
{
	zf_spec_words_free(sec->cap_drop);
	free(sec->groups);
	memset(sec, 0, sizeof(*sec));
}

/* The value of a field of the container's, else of the pod's. */
#define PICK(sec, pod, has, field, out)                                                 \
	((sec)->has ? ((out) = (sec)->field, true) : (pod) && (pod)->has ? ((out) = (pod)->field, true) \
									 : false)

bool zf_security_needs_image_user(const struct zf_security *sec, const struct zf_security *pod)
{
	bool non_root = false, user = sec->has_user || (pod && pod->has_user),
	     group = sec->has_group || (pod && pod->has_group);

	PICK(sec, pod, has_non_root, non_root, non_root);
	return (non_root && !user) || (group && !user);
}

int zf_security_check_non_root(const struct zf_security *sec, const struct zf_security *pod,
			       const char *image_user, char *reason, size_t reason_size)
{
	bool non_root = false;
	int64_t user;
	char name[128], *end;
	long long uid;

	PICK(sec, pod, has_non_root, non_root, non_root);
	if (!non_root)
		return 0;
	if (PICK(sec, pod, has_user, user, user)) {
		if (user != 0)
			return 0;
		snprintf(reason, reason_size, "runAsNonRoot: runAsUser is 0 (root)");
		return -EPERM;
	}
	/* the image's Config.User: "", "uid", "name", "uid:gid", "name:group" */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(image_user ? image_user : "", ":"),
		 image_user ? image_user : "");
	if (!name[0]) {
		snprintf(reason, reason_size,
			 "runAsNonRoot: the image runs as root (it names no user) and no runAsUser "
			 "is given");
		return -EPERM;
	}
	uid = strtoll(name, &end, 10);
	if (*end) {
		snprintf(reason, reason_size,
			 "runAsNonRoot: the image's user '%s' is not numeric: it cannot be checked "
			 "to be non-root (give runAsUser)",
			 name);
		return -EPERM;
	}
	if (uid == 0) {
		snprintf(reason, reason_size, "runAsNonRoot: the image runs as root (user %s)", name);
		return -EPERM;
	}
	return 0;
}

/*
 * capabilities.drop, and MKNOD whatever it says (unless ALL): a device node
 * a container makes in a volume would be the host's device to whatever
 * opens it outside the container, and a container has no use for one (the
 * engine's device rules let it open none it could make but the harmless
 * few it has already; FIFOs and sockets need no capability). NULL: out of
 * memory.
 */
static char **drop_with_mknod(char *const *drop)
{
	static char *const none[] = { NULL };
	size_t n = 0;
	bool has = false;
	char **c;

	for (drop = drop ? drop : none; drop[n]; n++)
		has = has || strcmp(drop[n], "MKNOD") == 0 || strcmp(drop[n], "ALL") == 0;
	c = calloc(n + 2, sizeof(*c));
	for (size_t i = 0; c && i < n + !has; i++) {
		if (!(c[i] = strdup(i < n ? drop[i] : "MKNOD"))) {
			zf_spec_words_free(c);
			return NULL;
		}
	}
	return c;
}

int zf_security_apply(const struct zf_security *sec, const struct zf_security *pod,
		      const char *image_user, struct zf_container_config *cfg)
{
	int64_t user = 0, group = 0;
	bool has_user = PICK(sec, pod, has_user, user, user),
	     has_group = PICK(sec, pod, has_group, group, group);
	char buf[160];
	size_t n_groups = (pod && pod->has_fs_group) + (pod ? pod->n_groups : 0);

	if (has_user && has_group)
		snprintf(buf, sizeof(buf), "%lld:%lld", (long long)user, (long long)group);
	else if (has_user)
		snprintf(buf, sizeof(buf), "%lld", (long long)user);
	else if (has_group) /* the image's user, in that group */
		snprintf(buf, sizeof(buf), "%.*s:%lld",
			 (int)strcspn(image_user ? image_user : "", ":"), image_user ? image_user : "",
			 (long long)group);
	if (has_user || has_group) {
		free(cfg->user);
		if (!(cfg->user = strdup(buf)))
			return -ENOMEM;
	}
	cfg->read_only_rootfs = cfg->read_only_rootfs || sec->read_only_root;
	cfg->no_new_privileges = cfg->no_new_privileges || sec->no_new_privs;
	zf_spec_words_free(cfg->cap_drop);
	if (!(cfg->cap_drop = drop_with_mknod(sec->cap_drop)))
		return -ENOMEM;
	if (n_groups) {
		free(cfg->group_add);
		cfg->n_group_add = 0;
		if (!(cfg->group_add = calloc(n_groups, sizeof(*cfg->group_add))))
			return -ENOMEM;
		if (pod->has_fs_group)
			cfg->group_add[cfg->n_group_add++] = pod->fs_group;
		for (size_t i = 0; i < pod->n_groups; i++)
			cfg->group_add[cfg->n_group_add++] = pod->groups[i];
	}
	return 0;
}
