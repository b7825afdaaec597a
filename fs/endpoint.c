/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "endpoint.h"

/* The docker CLI's ports: 2376 for TLS, 2375 for plain HTTP. */
#define PORT_TLS "2376"
#define PORT_PLAIN "2375"

static int fail(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

bool zf_host_is_loopback(const char *host)
{
	char buf[INET6_ADDRSTRLEN + 2];
	struct in6_addr a6;
	struct in_addr a4;
	size_t n;

	if (!host)
		return false;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (strcasecmp(buf, "localhost") == 0 || strcasecmp(buf, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, buf, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/*
 * Splits the part of a tcp:// URL after the scheme into host (IPv6 kept in
 * brackets) and port (empty when not given). Only "host[:port][/]": no user
 * part, path or query, so what is checked is what is connected to.
 */
static int split_authority(const char *s, char *host, size_t host_size, char *port,
			   size_t port_size)
{
	const char *end, *p;
	size_t hn, pn;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		for (p = s + 1; p < end; p++)
			if (!strchr("0123456789abcdefABCDEF:.", *p))
				return -EINVAL;
		end++;
	} else {
		for (end = s; *end && *end != ':' && *end != '/'; end++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-",
				    *end))
				return -EINVAL;
	}
	hn = (size_t)(end - s);
	if (hn == 0 || (s[0] == '[' && hn == 2) || hn >= host_size)
		return -EINVAL;
	memcpy(host, s, hn);
	host[hn] = '\0';
	port[0] = '\0';
	if (*end == ':') {
		long v;

		p = ++end;
		while (*end >= '0' && *end <= '9')
			end++;
		pn = (size_t)(end - p);
		if (pn == 0 || pn > 5 || pn >= port_size)
			return -EINVAL;
		memcpy(port, p, pn);
		port[pn] = '\0';
		v = strtol(port, NULL, 10);
		if (v < 1 || v > 65535)
			return -EINVAL;
	}
	if (*end == '/')
		end++;
	return *end ? -EINVAL : 0;
}

static char *join(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/*
 * One TLS file: the option's value, which must be readable, or the default
 * DIR/NAME when there is one that is. *ret NULL: neither.
 */
static int pick_file(const struct zf_endpoint_args *a, const char *given, const char *opt,
		     const char *dir, const char *name, char **ret, char *why, size_t why_size)
{
	int r;

	*ret = NULL;
	if (given) {
		if (!*given)
			return fail(why, why_size, "%s= needs a file", opt);
		r = a->check_file ? a->check_file(given) : 0;
		if (r < 0)
			return fail(why, why_size, "%s=%s: %s", opt, given, strerror(-r));
		*ret = strdup(given);
		return *ret ? 0 : -ENOMEM;
	}
	if (!dir)
		return 0;
	*ret = join(dir, name);
	if (!*ret)
		return -ENOMEM;
	if (!a->check_file || a->check_file(*ret) < 0) {
		free(*ret);
		*ret = NULL;
	}
	return 0;
}

static int tls_files(const struct zf_endpoint_args *a, struct zf_endpoint *ep, char *why,
		     size_t why_size)
{
	char *dir = NULL;
	int r;

	/* the docker CLI's: $DOCKER_CERT_PATH, else ~/.docker */
	if (a->env_cert_path && *a->env_cert_path) {
		if (!(dir = strdup(a->env_cert_path)))
			return -ENOMEM;
	} else if (a->home && *a->home) {
		if (!(dir = join(a->home, ".docker")))
			return -ENOMEM;
	}
	if ((r = pick_file(a, a->tlscacert, "tlscacert", dir, "ca.pem", &ep->ca, why,
			   why_size)) < 0 ||
	    (r = pick_file(a, a->tlscert, "tlscert", dir, "cert.pem", &ep->cert, why,
			   why_size)) < 0 ||
	    (r = pick_file(a, a->tlskey, "tlskey", dir, "key.pem", &ep->key, why, why_size)) < 0)
		goto out;
	if (!ep->cert != !ep->key) {
		r = fail(why, why_size,
			 "a client certificate needs its key: give both tlscert= and tlskey=%s%s%s",
			 dir ? " (or cert.pem and key.pem in " : "", dir ? dir : "",
			 dir ? ")" : "");
		goto out;
	}
	r = 0;
out:
	free(dir);
	return r;
}

int zf_endpoint_resolve(const struct zf_endpoint_args *a, struct zf_endpoint *ret_ep, char *why,
			size_t why_size)
{
	struct zf_endpoint ep = { 0 };
	bool tls_opts = a->tlscacert || a->tlscert || a->tlskey || a->tlsverify;
	char host[256], port[8];
	const char *rest;
	size_t n;
	int r;

	if (!a->url)
		return fail(why, why_size, "no engine given: -o docker=URL");
	if (strncmp(a->url, "unix://", 7) == 0) {
		if (a->url[7] != '/')
			return fail(why, why_size, "docker=%s: give unix:///absolute/path", a->url);
		/* $DOCKER_TLS_VERIFY is for the docker CLI's tcp:// engines: not an error here */
		if (tls_opts)
			return fail(why, why_size,
				    "tlscacert=, tlscert=, tlskey= and tlsverify are for a tcp:// "
				    "engine; docker=%s is a local socket",
				    a->url);
		ep.url = strdup(a->url);
		if (!ep.url)
			return -ENOMEM;
		*ret_ep = ep;
		return 0;
	}
	if (strncmp(a->url, "tcp://", 6) == 0)
		rest = a->url + 6;
	else if (strncmp(a->url, "http://", 7) == 0)
		rest = a->url + 7;
	else
		return fail(why, why_size, "docker=%s: give unix:///path or tcp://host:port",
			    a->url);
	if (split_authority(rest, host, sizeof(host), port, sizeof(port)) < 0)
		return fail(why, why_size, "docker=%s: give tcp://HOST:PORT (a name, an IPv4 "
			    "address or [an IPv6 one], and a port)", a->url);

	ep.tls = tls_opts || (a->env_tls_verify && *a->env_tls_verify);
	if (ep.tls) {
		r = tls_files(a, &ep, why, why_size);
		if (r < 0) {
			zf_endpoint_clear(&ep);
			return r;
		}
	} else if (!a->insecure_tcp && !zf_host_is_loopback(host)) {
		return fail(why, why_size,
			    "docker=%s: refusing plain TCP to %s, which is not this machine: "
			    "anyone on the way could run anything on the engine. Use TLS "
			    "(-o tlscacert=FILE,tlscert=FILE,tlskey=FILE, or DOCKER_TLS_VERIFY=1 "
			    "with DOCKER_CERT_PATH), or allow it with -o insecure_tcp",
			    a->url, host);
	}
	n = strlen(host) + strlen(port) + 16;
	ep.url = malloc(n);
	if (!ep.url) {
		zf_endpoint_clear(&ep);
		return -ENOMEM;
	}
	snprintf(ep.url, n, "tcp://%s:%s", host,
		 port[0] ? port : ep.tls ? PORT_TLS : PORT_PLAIN);
	*ret_ep = ep;
	return 0;
}

void zf_endpoint_clear(struct zf_endpoint *ep)
{
	free(ep->url);
	free(ep->ca);
	free(ep->cert);
	free(ep->key);
	memset(ep, 0, sizeof(*ep));
}
