/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backend/tls.c against a TLS server in a thread on 127.0.0.1, with a
 * certificate made here: the relay's bytes both ways, half-close
 * (close_notify) with reading on, the caller going away, and refusals
 * (another CA, another host, files that are not there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../backend/tls.h"

#define BIG (1u << 20)

struct cert {
	EVP_PKEY *key;
	X509 *x509;
	char path[64]; /* the certificate in PEM, as a CA file */
};

static struct cert server_cert, other_cert;

static void add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A self-signed certificate for 127.0.0.1 and localhost, written to a file. */
static void make_cert(struct cert *c, const char *cn)
{
	X509_NAME *name;
	FILE *f;
	int fd;

	c->key = EVP_EC_gen("P-256");
	assert_non_null(c->key);
	c->x509 = X509_new();
	X509_set_version(c->x509, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c->x509), 1);
	X509_gmtime_adj(X509_getm_notBefore(c->x509), -60);
	X509_gmtime_adj(X509_getm_notAfter(c->x509), 3600);
	X509_set_pubkey(c->x509, c->key);
	name = X509_get_subject_name(c->x509);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c->x509, name);
	add_ext(c->x509, NID_basic_constraints, "critical,CA:TRUE");
	add_ext(c->x509, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
	assert_true(X509_sign(c->x509, c->key, EVP_sha256()) > 0);

	snprintf(c->path, sizeof(c->path), "/tmp/zf-test-tls.XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, c->x509), 1);
	fclose(f);
}

static void free_cert(struct cert *c)
{
	unlink(c->path);
	X509_free(c->x509);
	EVP_PKEY_free(c->key);
}

static int setup(void **state)
{
	(void)state;
	make_cert(&server_cert, "zunfs test engine");
	make_cert(&other_cert, "someone else");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free_cert(&server_cert);
	free_cert(&other_cert);
	return 0;
}

/* The engine's stand-in: echoes until close_notify, then says END and closes. */
struct server {
	int listen_fd;
	int port;
	pthread_t thread;
	bool handshake_failed;
	size_t echoed;
};

static void *server_main(void *arg)
{
	struct server *s = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char buf[8192];
	SSL *ssl;
	int fd, n;

	SSL_CTX_use_certificate(ctx, server_cert.x509);
	SSL_CTX_use_PrivateKey(ctx, server_cert.key);
	fd = accept(s->listen_fd, NULL, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		s->handshake_failed = true;
		goto out;
	}
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0) {
		s->echoed += (size_t)n;
		if (SSL_write(ssl, buf, n) != n)
			goto out;
	}
	/* the client's close_notify: its write side is done, ours is not */
	if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) {
		SSL_write(ssl, "END", 3);
		SSL_shutdown(ssl);
	}
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	ERR_clear_error();
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->listen_fd, 1), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_join(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->listen_fd);
}

static int dial(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* A relayed connection to a new server; *ret_fd is the caller's end. */
static void relayed(struct server *s, struct zf_tls *t, int *ret_fd)
{
	struct zf_tls_conn *c = NULL;
	struct zf_err err = { { 0 } };

	server_start(s);
	if (zf_tls_connect(t, dial(s->port), "127.0.0.1", 5000, &c, &err) != 0)
		fail_msg("connect: %s", err.msg);
	assert_int_equal(zf_tls_relay(c, ret_fd), 0);
}

static void test_relay_both_ways(void **state)
{
	struct zf_engine_tls files = { .ca_file = server_cert.path };
	struct zf_err err = { { 0 } };
	char *out = malloc(BIG), *in = malloc(BIG + 16);
	size_t sent = 0, got = 0;
	bool shut = false;
	struct server s;
	struct zf_tls *t;
	int fd;

	(void)state;
	assert_non_null(out);
	assert_non_null(in);
	for (size_t i = 0; i < BIG; i++)
		out[i] = (char)('a' + i % 23);
	assert_int_equal(zf_tls_new(&files, &t, &err), 0);
	relayed(&s, t, &fd);

	/* a megabyte through the echo, reading while writing; then half-close */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (sent < BIG ? POLLOUT : 0) };
		ssize_t n;

		assert_true(poll(&p, 1, 10000) > 0);
		if (p.revents & POLLOUT) {
			n = send(fd, out + sent, BIG - sent > 65536 ? 65536 : BIG - sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			assert_true(n > 0 || errno == EAGAIN);
			if (n > 0)
				sent += (size_t)n;
		}
		if (sent == BIG && !shut) {
			/* the engine sees the end of stdin, and still answers */
			assert_int_equal(shutdown(fd, SHUT_WR), 0);
			shut = true;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			n = recv(fd, in + got, BIG + 16 - got, MSG_DONTWAIT);
			if (n == 0)
				break;
			assert_true(n > 0 || errno == EAGAIN);
			if (n > 0)
				got += (size_t)n;
		}
	}
	close(fd);
	server_join(&s);
	assert_int_equal(s.echoed, BIG);
	assert_int_equal(got, BIG + 3);
	assert_memory_equal(in, out, BIG);
	assert_memory_equal(in + BIG, "END", 3);
	assert_int_equal(zf_tls_relays_wait(5000), 0);
	zf_tls_free(t);
	free(out);
	free(in);
}

static void test_caller_goes(void **state)
{
	struct zf_engine_tls files = { .ca_file = server_cert.path };
	struct zf_err err = { { 0 } };
	struct server s;
	struct zf_tls *t;
	char buf[16];
	int fd;

	(void)state;
	assert_int_equal(zf_tls_new(&files, &t, &err), 0);
	relayed(&s, t, &fd);
	assert_int_equal(send(fd, "ping", 4, MSG_NOSIGNAL), 4);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 4);
	/* what the caller wrote before closing still goes out, then the relay ends */
	assert_int_equal(send(fd, "last", 4, MSG_NOSIGNAL), 4);
	close(fd);
	assert_int_equal(zf_tls_relays_wait(5000), 0);
	server_join(&s);
	assert_int_equal(s.echoed, 8);
	zf_tls_free(t);
}

static void test_refused(void **state)
{
	struct zf_engine_tls other = { .ca_file = other_cert.path };
	struct zf_engine_tls right = { .ca_file = server_cert.path };
	struct zf_tls_conn *c = NULL;
	struct zf_err err = { { 0 } };
	struct server s;
	struct zf_tls *t;

	(void)state;
	/* a CA that did not sign the engine's certificate */
	assert_int_equal(zf_tls_new(&other, &t, &err), 0);
	server_start(&s);
	assert_int_equal(zf_tls_connect(t, dial(s.port), "127.0.0.1", 5000, &c, &err), -EPROTO);
	server_join(&s);
	assert_true(s.handshake_failed);
	assert_non_null(strstr(err.msg, "the engine's certificate"));
	zf_tls_free(t);

	/* the right CA, but the certificate is not for that host */
	assert_int_equal(zf_tls_new(&right, &t, &err), 0);
	server_start(&s);
	assert_int_equal(zf_tls_connect(t, dial(s.port), "127.0.0.2", 5000, &c, &err), -EPROTO);
	server_join(&s);
	assert_non_null(strstr(err.msg, "mismatch"));
	server_start(&s);
	assert_int_equal(zf_tls_connect(t, dial(s.port), "engine.example", 5000, &c, &err),
			 -EPROTO);
	server_join(&s);
	assert_non_null(strstr(err.msg, "mismatch"));
	/* by name: localhost is in it */
	server_start(&s);
	assert_int_equal(zf_tls_connect(t, dial(s.port), "localhost", 5000, &c, &err), 0);
	zf_tls_conn_free(c);
	server_join(&s);
	zf_tls_free(t);
}

static void test_files(void **state)
{
	struct zf_engine_tls missing = { .ca_file = "/nonexistent/ca.pem" };
	struct zf_engine_tls half = { .ca_file = server_cert.path, .cert_file = server_cert.path };
	struct zf_engine_tls not_key = { .ca_file = server_cert.path,
					 .cert_file = server_cert.path,
					 .key_file = other_cert.path };
	struct zf_err err = { { 0 } };
	struct zf_tls *t;

	(void)state;
	assert_int_equal(zf_tls_new(&missing, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
	assert_int_equal(zf_tls_new(&half, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "key"));
	/* a certificate where the key should be */
	assert_int_equal(zf_tls_new(&not_key, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "the client key"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_both_ways),
		cmocka_unit_test(test_caller_goes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_files),
	};

	/* the server thread may write to a client that went */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
