/* SPDX-License-Identifier: Apache-2.0 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_opt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "tmpfs.h"

enum { KEY_HELP, KEY_VERSION, KEY_ALLOW_OTHER };

#define OPT(t, p) { t, offsetof(struct zf_options, p), 1 }

static const struct fuse_opt opt_spec[] = {
	OPT("docker=%s", docker),
	OPT("tlscacert=%s", tlscacert),
	OPT("tlscert=%s", tlscert),
	OPT("tlskey=%s", tlskey),
	OPT("tlsverify", tlsverify),
	OPT("insecure_tcp", insecure_tcp),
	OPT("state=%s", state_dir),
	OPT("sandbox_image=%s", sandbox_image),
	OPT("sandbox=%s", sandbox_mode),
	OPT("cinder=%s", cinder),
	OPT("cinder_token=%s", cinder_token),
	OPT("cinder_timeout=%d", cinder_timeout),
	OPT("max_objects=%d", max_objects),
	OPT("max_sessions=%d", max_sessions),
	OPT("tmpfs_max=%s", tmpfs_max_arg),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END,
};

/* Non-options are kept apart until all are seen: one is the mountpoint; two
 * are mount(8)'s SOURCE MOUNTPOINT, as mount.fuse3 runs a filesystem. */
struct parse_state {
	struct zf_options o; /* first: the option table's offsets are into it */
	char *nonopt[2];
	int n_nonopt;
};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct parse_state *ps = data;
	struct zf_options *o = &ps->o;

	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT) {
		if (ps->n_nonopt == 2) {
			fprintf(stderr, "zunfs: too many arguments at '%s' (zunfs --help tells more)\n",
				arg);
			return -1;
		}
		ps->nonopt[ps->n_nonopt] = strdup(arg);
		if (!ps->nonopt[ps->n_nonopt])
			return -1;
		ps->n_nonopt++;
		return 0;
	}
	if (key == KEY_HELP) {
		o->show_help = true;
		return 0;
	}
	if (key == KEY_ALLOW_OTHER) {
		o->allow_other = true;
		return 1; /* libfuse's too */
	}
	if (key == KEY_VERSION) {
		o->show_version = true;
		return 0;
	}
	return 1; /* FUSE's own: keep */
}

bool zf_options_is_engine_url(const char *s)
{
	return strncmp(s, "unix://", 7) == 0 || strncmp(s, "tcp://", 6) == 0 ||
	       strncmp(s, "http://", 7) == 0;
}

void zf_options_usage(const char *progname)
{
	printf("usage: %s [-f] [-d] [-o OPTION[,OPTION...]] [SOURCE] MOUNTPOINT\n"
	       "       mount -t fuse.zunfs SOURCE MOUNTPOINT -o OPTION[,OPTION...]\n"
	       "       %s attach [--detach-keys KEYS] [--exec CMD] MOUNTPOINT/containers/NAME\n"
	       "       %s --help | --version\n"
	       "\n"
	       "Mounts container management as files: containers/, capsules/, sandboxes/,\n"
	       "volumes/, events and version. mkdir KIND/NAME makes an object, writing its\n"
	       "spec.yaml launches it, cat status queries it, rmdir deletes it.\n"
	       "Unmount with: fusermount3 -u MOUNTPOINT. SOURCE is what mount(8) and\n"
	       "/etc/fstab name the filesystem: 'zunfs', or an engine URL (as docker=).\n"
	       "\n"
	       "zunfs options:\n"
	       "  -o docker=URL          Docker Engine: unix:///path or tcp://host:port\n"
	       "                         (default: $DOCKER_HOST, else unix:///var/run/docker.sock)\n"
	       "  -o tlscacert=FILE      TLS to a tcp:// engine, as the docker CLI: the CA that\n"
	       "  -o tlscert=FILE        signed the engine's certificate, the client's\n"
	       "  -o tlskey=FILE         certificate and its key (PEM). Any of them, tlsverify\n"
	       "  -o tlsverify           or $DOCKER_TLS_VERIFY turns TLS on; files not given\n"
	       "                         are ca.pem, cert.pem, key.pem in $DOCKER_CERT_PATH\n"
	       "                         (default ~/.docker) when there\n"
	       "  -o insecure_tcp        allow plain (unencrypted, unauthenticated) TCP to an\n"
	       "                         engine that is not on this machine's loopback\n"
	       "  -o state=DIR           directory of the state database (default:\n"
	       "                         $XDG_STATE_HOME/zunfs, ~/.local/state/zunfs, or\n"
	       "                         /var/lib/zunfs for root)\n"
	       "  -o sandbox_image=REF   image of sandbox containers (default: zunfs's own\n"
	       "                         pause image, imported when absent)\n"
	       "  -o sandbox=MODE        shared (default): containers join a sandbox only when\n"
	       "                         their spec names one; per-container: every other\n"
	       "                         container gets a private sandbox of its own\n"
	       "  -o cinder=URL          Cinder v3 endpoint for driver: cinder volumes,\n"
	       "                         http://HOST:PORT/v3/PROJECT\n"
	       "  -o cinder_token=TOKEN  its X-Auth-Token (default: $OS_AUTH_TOKEN)\n"
	       "  -o cinder_timeout=S    seconds one Cinder request may take (default: 60)\n"
	       "  -o max_objects=N       objects each user but root may have (mkdir: EDQUOT past\n"
	       "                         it; capsule members count; default: 1000, 0: no cap)\n"
	       "  -o max_sessions=N      open tty and started exec files each user but root may\n"
	       "                         hold (EMFILE past it; default: 32, 0: no cap)\n"
	       "  -o tmpfs_max=SIZE      memory one user's tmpfs volumes may take together, as\n"
	       "                         tmpfs's size= (64m, 2g, 10%%; default: 1/16 of the RAM)\n"
	       "  -f                     stay in the foreground\n"
	       "  -d                     debug: foreground, and log every FUSE request\n"
	       "  -h, --help             this help\n"
	       "  -V, --version          version\n"
	       "\n"
	       "FUSE options (allow_other, default_permissions, max_threads=N, ...) are\n"
	       "passed on to libfuse; see mount.fuse3(8). The manual is zunfs(1).\n",
	       progname, progname, progname);
}

/* endpoint.h's check_file: a readable file. */
static int readable_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISDIR(st.st_mode))
		r = -EISDIR;
	close(fd);
	return r;
}

static int resolve_endpoint(struct zf_options *o)
{
	struct zf_endpoint_args a = {
		.url = o->docker,
		.tlscacert = o->tlscacert,
		.tlscert = o->tlscert,
		.tlskey = o->tlskey,
		.tlsverify = o->tlsverify != 0,
		.insecure_tcp = o->insecure_tcp != 0,
		.env_tls_verify = getenv("DOCKER_TLS_VERIFY"),
		.env_cert_path = getenv("DOCKER_CERT_PATH"),
		.home = getenv("HOME"),
		.check_file = readable_file,
	};
	char why[1024] = "";
	int r = zf_endpoint_resolve(&a, &o->endpoint, why, sizeof(why));

	if (r < 0)
		fprintf(stderr, "zunfs: %s\n", why[0] ? why : strerror(-r));
	return r;
}

/* tmpfs_max=, or a sixteenth of the RAM: a small share, which one user
 * filling their tmpfs volumes through data/ leaves the host to run on. */
static int tmpfs_max(struct zf_options *o)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;

	if (!o->tmpfs_max_arg) {
		o->tmpfs_max = (int64_t)(ram / 16);
		return 0;
	}
	if (zf_tmpfs_parse_size(o->tmpfs_max_arg, ram, &o->tmpfs_max) < 0) {
		fprintf(stderr, "zunfs: tmpfs_max=%s: give a size as tmpfs's size= (64m, 2g, 10%%)\n",
			o->tmpfs_max_arg);
		return -EINVAL;
	}
	return 0;
}

static char *default_state_dir(void)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char buf[4096];

	if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/zunfs", xdg);
	else if (geteuid() == 0)
		snprintf(buf, sizeof(buf), "/var/lib/zunfs");
	else if (home && *home)
		snprintf(buf, sizeof(buf), "%s/.local/state/zunfs", home);
	else
		return NULL;
	return strdup(buf);
}

int zf_options_parse(struct fuse_args *args, struct zf_options *ret_opts)
{
	struct parse_state ps = { 0 };
	struct zf_options o;
	int r = 0;

	ps.o.max_objects = ps.o.max_sessions = INT_MIN; /* not given */

	if (fuse_opt_parse(args, &ps, opt_spec, opt_proc) < 0)
		r = -EINVAL;
	else if (ps.n_nonopt > 0 &&
		 fuse_opt_add_arg(args, ps.nonopt[ps.n_nonopt - 1]) < 0) /* the mountpoint */
		r = -ENOMEM;
	o = ps.o;
	/* mount -t fuse.zunfs SOURCE: an engine URL there is docker= (an option wins) */
	if (r == 0 && ps.n_nonopt == 2 && !o.docker && zf_options_is_engine_url(ps.nonopt[0]) &&
	    !(o.docker = strdup(ps.nonopt[0])))
		r = -ENOMEM;
	free(ps.nonopt[0]);
	free(ps.nonopt[1]);
	if (r < 0) {
		zf_options_clear(&o);
		return r;
	}
	if (!o.docker) {
		const char *env = getenv("DOCKER_HOST");

		o.docker = strdup(env && *env ? env : "unix:///var/run/docker.sock");
	}
	if (!o.state_dir)
		o.state_dir = default_state_dir();
	if (!o.sandbox_mode)
		o.sandbox_mode = strdup("shared");
	if (o.cinder && !o.cinder_token && getenv("OS_AUTH_TOKEN") && *getenv("OS_AUTH_TOKEN") &&
	    !(o.cinder_token = strdup(getenv("OS_AUTH_TOKEN")))) {
		zf_options_clear(&o);
		return -ENOMEM;
	}
	if (!o.docker || !o.state_dir || !o.sandbox_mode) {
		fprintf(stderr, "zunfs: cannot tell where to keep state: pass -o state=DIR\n");
		zf_options_clear(&o);
		return -EINVAL;
	}
	if (!o.show_help && !o.show_version && resolve_endpoint(&o) < 0) {
		zf_options_clear(&o);
		return -EINVAL;
	}
	if (o.cinder_timeout < 0 || o.cinder_timeout > 3600) {
		fprintf(stderr, "zunfs: cinder_timeout=%d: give seconds, 1 to 3600\n",
			o.cinder_timeout);
		zf_options_clear(&o);
		return -EINVAL;
	}
	if (o.max_objects == INT_MIN)
		o.max_objects = ZF_MAX_OBJECTS_DEFAULT;
	if (o.max_sessions == INT_MIN)
		o.max_sessions = ZF_MAX_SESSIONS_DEFAULT;
	if (o.max_objects < 0 || o.max_sessions < 0) {
		fprintf(stderr, "zunfs: %s=%d: give a count, 0 for no cap\n",
			o.max_objects < 0 ? "max_objects" : "max_sessions",
			o.max_objects < 0 ? o.max_objects : o.max_sessions);
		zf_options_clear(&o);
		return -EINVAL;
	}
	if (tmpfs_max(&o) < 0) {
		zf_options_clear(&o);
		return -EINVAL;
	}
	if (strcmp(o.sandbox_mode, "shared") != 0 && strcmp(o.sandbox_mode, "per-container") != 0) {
		fprintf(stderr, "zunfs: sandbox=%s: give shared or per-container\n", o.sandbox_mode);
		zf_options_clear(&o);
		return -EINVAL;
	}
	*ret_opts = o;
	return 0;
}

void zf_options_clear(struct zf_options *o)
{
	free(o->docker);
	free(o->tlscacert);
	free(o->tlscert);
	free(o->tlskey);
	zf_endpoint_clear(&o->endpoint);
	free(o->state_dir);
	free(o->sandbox_image);
	free(o->sandbox_mode);
	free(o->cinder);
	free(o->cinder_token);
	free(o->tmpfs_max_arg);
	memset(o, 0, sizeof(*o));
}
