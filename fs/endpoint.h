/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the engine is and how to speak to it, decided from the docker=,
 * tlscacert=, tlscert=, tlskey=, tlsverify and insecure_tcp options and the
 * docker CLI's environment (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH). Pure: the
 * caller passes the environment in, and how to tell a readable file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct zf_endpoint_args {
	const char *url; /* docker= (or $DOCKER_HOST) */
	const char *tlscacert, *tlscert, *tlskey; /* options; NULL: not given */
	bool tlsverify; /* -o tlsverify */
	bool insecure_tcp; /* -o insecure_tcp */
	const char *env_tls_verify; /* $DOCKER_TLS_VERIFY, or NULL */
	const char *env_cert_path; /* $DOCKER_CERT_PATH, or NULL */
	const char *home; /* $HOME, or NULL */
	/* 0 when path is a file that can be read, else -errno */
	int (*check_file)(const char *path);
};

struct zf_endpoint {
	char *url; /* "unix:///path", or "tcp://host:port" (the port filled in) */
	bool tls; /* speak HTTPS (tcp:// only), verifying the engine's certificate */
	char *ca; /* PEM CA bundle; NULL: the system's CAs */
	char *cert, *key; /* the client's certificate and key: both or neither */
};

/*
 * Whether host (a name or address as in a URL, IPv6 in brackets or not)
 * is this machine's loopback: localhost, 127.0.0.0/8, ::1 or
 * ::ffff:127.0.0.0/104. Decided from the text alone, never by resolving.
 */
bool zf_host_is_loopback(const char *host);

/*
 * Decides the endpoint. TLS is on for a tcp:// URL when any of tlscacert=,
 * tlscert=, tlskey=, tlsverify is given or $DOCKER_TLS_VERIFY is non-empty
 * (as the docker CLI); files not given come from $DOCKER_CERT_PATH (default
 * ~/.docker): ca.pem, cert.pem, key.pem, each when it exists. Plain TCP to
 * a host that is not loopback is refused unless insecure_tcp. Returns 0, or
 * -EINVAL with why (without "zunfs: ") in why[why_size].
 */
int zf_endpoint_resolve(const struct zf_endpoint_args *a, struct zf_endpoint *ret_ep, char *why,
			size_t why_size);
void zf_endpoint_clear(struct zf_endpoint *ep);
