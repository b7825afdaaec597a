/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's endpoint: loopback or not, TLS or not, and which files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/endpoint.h"

/* The files that "exist" for check_file: NULL-terminated. */
static const char *const *present;

static int fake_check(const char *path)
{
	for (const char *const *p = present; p && *p; p++)
		if (strcmp(*p, path) == 0)
			return 0;
	return -ENOENT;
}

static struct zf_endpoint_args args(const char *url)
{
	return (struct zf_endpoint_args){ .url = url, .home = "/home/u",
					  .check_file = fake_check };
}

static void test_loopback(void **state)
{
	static const char *const yes[] = {
		"localhost", "LocalHost", "localhost.", "127.0.0.1", "127.1.2.3",
		"127.255.255.255", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1",
		"[::ffff:127.0.0.2]",
	};
	static const char *const no[] = {
		"192.0.2.1", "10.0.0.1", "0.0.0.0", "128.0.0.1", "126.255.255.255", "::",
		"::2", "[::ffff:192.0.2.1]", "fe80::1", "localhost.example.com", "mylocalhost",
		"example.com", "127.1", "127.0.0.1.example.com", "", "[]", "[::1", "2130706433",
		"0x7f000001",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(zf_host_is_loopback(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (zf_host_is_loopback(no[i]))
			fail_msg("%s taken for loopback", no[i]);
	}
	assert_false(zf_host_is_loopback(NULL));
}

static void test_unix(void **state)
{
	struct zf_endpoint_args a = args("unix:///run/docker.sock");
	struct zf_endpoint ep;
	char why[512];

	(void)state;
	a.env_tls_verify = "1"; /* the docker CLI's environment: not for a socket */
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_string_equal(ep.url, "unix:///run/docker.sock");
	assert_false(ep.tls);
	zf_endpoint_clear(&ep);

	/* but TLS options given for a socket are a mistake */
	a.tlscacert = "/ca.pem";
	present = (const char *const[]){ "/ca.pem", NULL };
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "tcp://"));
	a = args("unix://relative");
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);
	present = NULL;
}

static void test_plain_tcp(void **state)
{
	static const char *const allowed[][2] = {
		{ "tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375" },
		{ "tcp://localhost:1234/", "tcp://localhost:1234" },
		{ "tcp://[::1]:2375", "tcp://[::1]:2375" },
		{ "http://127.0.0.2:80", "tcp://127.0.0.2:80" },
		{ "tcp://127.0.0.1", "tcp://127.0.0.1:2375" },
	};
	static const char *const refused[] = {
		"tcp://192.0.2.1:2375", "tcp://example.com:2375", "tcp://[2001:db8::1]:2375",
		"http://192.0.2.1:2375", "tcp://0.0.0.0:2375",
	};
	static const char *const malformed[] = {
		"tcp://", "tcp://:2375", "tcp://127.0.0.1:", "tcp://127.0.0.1:99999",
		"tcp://127.0.0.1:0", "tcp://127.0.0.1@192.0.2.1:2375", "tcp://127.0.0.1:2375/x",
		"tcp://127.0.0.1:2375?x", "tcp://[::1", "tcp://[]:1", "tcp://127.0.0.1:23a",
		"tcp://a b:1", "ftp://127.0.0.1:21", "tcp://[::1]x",
	};
	struct zf_endpoint ep;
	char why[512];

	(void)state;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		struct zf_endpoint_args a = args(allowed[i][0]);

		assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
		assert_string_equal(ep.url, allowed[i][1]);
		assert_false(ep.tls);
		zf_endpoint_clear(&ep);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct zf_endpoint_args a = args(refused[i]);

		assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "-o insecure_tcp"));
		assert_non_null(strstr(why, "not this machine"));
		/* allowed when asked for */
		a.insecure_tcp = true;
		assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
		assert_false(ep.tls);
		assert_non_null(ep.url);
		zf_endpoint_clear(&ep);
	}
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		struct zf_endpoint_args a = args(malformed[i]);

		a.insecure_tcp = true;
		if (zf_endpoint_resolve(&a, &ep, why, sizeof(why)) != -EINVAL)
			fail_msg("%s accepted", malformed[i]);
	}
}

static void test_tls_options(void **state)
{
	struct zf_endpoint_args a = args("tcp://192.0.2.1:2376");
	struct zf_endpoint ep;
	char why[512];

	(void)state;
	present = (const char *const[]){ "/t/ca.pem", "/t/cert.pem", "/t/key.pem", NULL };
	a.tlscacert = "/t/ca.pem";
	a.tlscert = "/t/cert.pem";
	a.tlskey = "/t/key.pem";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_true(ep.tls);
	assert_string_equal(ep.url, "tcp://192.0.2.1:2376");
	assert_string_equal(ep.ca, "/t/ca.pem");
	assert_string_equal(ep.cert, "/t/cert.pem");
	assert_string_equal(ep.key, "/t/key.pem");
	zf_endpoint_clear(&ep);

	/* TLS's default port is 2376 */
	a.url = "tcp://localhost";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_string_equal(ep.url, "tcp://localhost:2376");
	zf_endpoint_clear(&ep);

	/* a file given that is not there */
	a.tlscacert = "/t/nope.pem";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "tlscacert=/t/nope.pem"));
	assert_non_null(strstr(why, strerror(ENOENT)));
	a.tlscacert = "";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);

	/* a certificate without its key (nothing in ~/.docker to complete it) */
	a.tlscacert = "/t/ca.pem";
	a.tlskey = NULL;
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "tlskey="));

	/* only the CA: no client certificate */
	a.tlscert = NULL;
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_true(ep.tls);
	assert_null(ep.cert);
	assert_null(ep.key);
	zf_endpoint_clear(&ep);

	/* tlsverify alone, nothing in ~/.docker: the system's CAs */
	a = args("tcp://192.0.2.1:2376");
	a.tlsverify = true;
	present = NULL;
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_true(ep.tls);
	assert_null(ep.ca);
	assert_null(ep.cert);
	zf_endpoint_clear(&ep);

	/* tlsverify with ~/.docker's files */
	present = (const char *const[]){ "/home/u/.docker/ca.pem", "/home/u/.docker/cert.pem",
					 "/home/u/.docker/key.pem", NULL };
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_string_equal(ep.ca, "/home/u/.docker/ca.pem");
	assert_string_equal(ep.cert, "/home/u/.docker/cert.pem");
	assert_string_equal(ep.key, "/home/u/.docker/key.pem");
	zf_endpoint_clear(&ep);

	/* an option wins over the directory's file, which fills in the rest */
	present = (const char *const[]){ "/home/u/.docker/ca.pem", "/home/u/.docker/cert.pem",
					 "/home/u/.docker/key.pem", "/o/ca.pem", NULL };
	a.tlscacert = "/o/ca.pem";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_string_equal(ep.ca, "/o/ca.pem");
	assert_string_equal(ep.cert, "/home/u/.docker/cert.pem");
	zf_endpoint_clear(&ep);
	present = NULL;
}

static void test_tls_env(void **state)
{
	struct zf_endpoint_args a = args("tcp://127.0.0.1:2376");
	struct zf_endpoint ep;
	char why[512];

	(void)state;
	present = (const char *const[]){ "/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem",
					 "/home/u/.docker/ca.pem", NULL };
	/* DOCKER_CERT_PATH alone does not turn TLS on (as the docker CLI) */
	a.env_cert_path = "/certs";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_false(ep.tls);
	zf_endpoint_clear(&ep);
	/* an empty DOCKER_TLS_VERIFY neither */
	a.env_tls_verify = "";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_false(ep.tls);
	zf_endpoint_clear(&ep);

	a.env_tls_verify = "1";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_true(ep.tls);
	assert_string_equal(ep.ca, "/certs/ca.pem");
	assert_string_equal(ep.cert, "/certs/cert.pem");
	assert_string_equal(ep.key, "/certs/key.pem");
	zf_endpoint_clear(&ep);

	/* without DOCKER_CERT_PATH: ~/.docker */
	a.env_cert_path = NULL;
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_string_equal(ep.ca, "/home/u/.docker/ca.pem");
	assert_null(ep.cert);
	zf_endpoint_clear(&ep);

	/* no HOME either: the system's CAs */
	a.home = NULL;
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_true(ep.tls);
	assert_null(ep.ca);
	zf_endpoint_clear(&ep);

	/* with TLS, a host that is not loopback needs no insecure_tcp */
	a.url = "tcp://192.0.2.1:2376";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), 0);
	assert_true(ep.tls);
	zf_endpoint_clear(&ep);

	/* only a key in the directory: a certificate needs it, not the other way */
	present = (const char *const[]){ "/certs/key.pem", NULL };
	a.env_cert_path = "/certs";
	assert_int_equal(zf_endpoint_resolve(&a, &ep, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "/certs"));
	present = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),  cmocka_unit_test(test_unix),
		cmocka_unit_test(test_plain_tcp), cmocka_unit_test(test_tls_options),
		cmocka_unit_test(test_tls_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
