/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls.h"

#define RELAY_BUF 16384
/* After the caller closed its end: how long to still deliver what it wrote. */
#define RELAY_LINGER_MS 5000

struct zf_tls {
	SSL_CTX *ctx;
};

struct zf_tls_conn {
	SSL *ssl;
	int fd;
};

/* The relay threads alive, for zf_tls_relays_wait. */
static pthread_mutex_t relays_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t relays_done;
static pthread_once_t relays_once = PTHREAD_ONCE_INIT;
static int relays;

static void relays_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&relays_done, &a);
	pthread_condattr_destroy(&a);
}

/* OpenSSL's error queue (this thread's), as words, and emptied. */
static const char *ssl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_get_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	if (why)
		snprintf(buf, size, "%s", why);
	else if (e)
		snprintf(buf, size, "OpenSSL error %lx", e);
	else
		snprintf(buf, size, "%s", errno ? strerror(errno) : "TLS error");
	ERR_clear_error();
	return buf;
}

int zf_tls_new(const struct zf_engine_tls *files, struct zf_tls **ret_tls, struct zf_err *err)
{
	struct zf_tls *t;
	char why[256];

	ERR_clear_error();
	t = calloc(1, sizeof(*t));
	if (!t)
		return zf_err_set(err, ENOMEM, "out of memory");
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		free(t);
		return zf_err_set(err, ENOMEM, "TLS: %s", ssl_reason(why, sizeof(why)));
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	/* the relay writes what it has; an engine that just closes is an end */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);

	if (files->ca_file) {
		if (SSL_CTX_load_verify_locations(t->ctx, files->ca_file, NULL) != 1)
			goto fail_ca;
	} else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		goto fail_ca;
	}
	if (!files->cert_file != !files->key_file) {
		zf_tls_free(t);
		return zf_err_set(err, EINVAL, "a client certificate needs its key, and a key its "
				  "certificate");
	}
	if (files->cert_file) {
		if (SSL_CTX_use_certificate_chain_file(t->ctx, files->cert_file) != 1) {
			zf_err_set(err, EINVAL, "the client certificate %s: %s", files->cert_file,
				   ssl_reason(why, sizeof(why)));
			zf_tls_free(t);
			return -EINVAL;
		}
		if (SSL_CTX_use_PrivateKey_file(t->ctx, files->key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(t->ctx) != 1) {
			zf_err_set(err, EINVAL, "the client key %s: %s", files->key_file,
				   ssl_reason(why, sizeof(why)));
			zf_tls_free(t);
			return -EINVAL;
		}
	}
	*ret_tls = t;
	return 0;
fail_ca:
	zf_err_set(err, EINVAL, "the CA certificates %s: %s",
		   files->ca_file ? files->ca_file : "of the system", ssl_reason(why, sizeof(why)));
	zf_tls_free(t);
	return -EINVAL;
}

void zf_tls_free(struct zf_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

static void set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int zf_tls_connect(struct zf_tls *t, int fd, const char *host, int timeout_ms,
		   struct zf_tls_conn **ret_conn, struct zf_err *err)
{
	struct zf_tls_conn *c;
	unsigned char addr[sizeof(struct in6_addr)];
	bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	char why[256];
	long verify;
	bool ok;
	int r;

	ERR_clear_error();
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	c->fd = fd;
	c->ssl = SSL_new(t->ctx);
	if (!c->ssl) {
		zf_tls_conn_free(c);
		return zf_err_set(err, ENOMEM, "TLS: %s", ssl_reason(why, sizeof(why)));
	}
	/* the certificate must name host: an IP address as one, a name as a name */
	if (is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) == 1;
	else
		ok = SSL_set1_host(c->ssl, host) == 1 && SSL_set_tlsext_host_name(c->ssl, host) == 1;
	if (!ok || SSL_set_fd(c->ssl, fd) != 1)
		goto fail;
	set_timeouts(fd, timeout_ms);
	r = SSL_connect(c->ssl);
	if (r != 1) {
		verify = SSL_get_verify_result(c->ssl);
		if (verify != X509_V_OK) {
			zf_err_set(err, EPROTO, "TLS: the engine's certificate: %s",
				   X509_verify_cert_error_string(verify));
			ERR_clear_error();
			zf_tls_conn_free(c);
			return -EPROTO;
		}
		goto fail;
	}
	*ret_conn = c;
	return 0;
fail:
	zf_err_set(err, EPROTO, "TLS to %s: %s", host, ssl_reason(why, sizeof(why)));
	zf_tls_conn_free(c);
	return -EPROTO;
}

void zf_tls_conn_free(struct zf_tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/* What a failed SSL_read or SSL_write on a blocking socket means, as -errno. */
static int blocking_error(struct zf_tls_conn *c, int ret)
{
	int e = errno;

	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -ETIMEDOUT; /* SO_RCVTIMEO or SO_SNDTIMEO ran out */
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		return e ? -e : -EPIPE;
	default:
		return -EPROTO;
	}
}

ssize_t zf_tls_read(struct zf_tls_conn *c, char *buf, size_t size)
{
	int n;

	ERR_clear_error();
	errno = 0;
	n = SSL_read(c->ssl, buf, size > (size_t)INT_MAX ? INT_MAX : (int)size);
	return n > 0 ? n : blocking_error(c, n);
}

int zf_tls_write_all(struct zf_tls_conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		int n;

		ERR_clear_error();
		errno = 0;
		n = SSL_write(c->ssl, buf, len > (size_t)INT_MAX ? INT_MAX : (int)len);
		if (n <= 0) {
			int r = blocking_error(c, n);

			return r ? r : -EPIPE;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The relay: bytes from the engine (SSL_read) go to the caller's end, bytes
 * from the caller's end go to the engine (SSL_write), both sockets
 * non-blocking, one poll for whatever each side waits for.
 */
struct relay {
	SSL *ssl;
	int net; /* the engine's TCP socket */
	int local; /* the relay's end of the socketpair */
	char down[RELAY_BUF]; /* engine -> caller, not yet sent */
	size_t down_off, down_len;
	char up[RELAY_BUF]; /* caller -> engine, not yet written */
	size_t up_off, up_len;
	bool net_done; /* the engine ended, or the connection failed */
	bool net_broken; /* failed: no close_notify */
	bool local_eof; /* the caller shut its write side (or closed) */
	bool shut_sent; /* close_notify sent (or given up) */
	bool caller_gone; /* the caller closed its end */
};

/* An SSL call's wish, as poll events on the engine's socket; false: a failure or the end. */
static bool ssl_wants(struct relay *r, int ret, short *net_ev)
{
	switch (SSL_get_error(r->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*net_ev |= POLLIN;
		return true;
	case SSL_ERROR_WANT_WRITE:
		*net_ev |= POLLOUT;
		return true;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return false;
	default:
		r->net_broken = true;
		ERR_clear_error();
		return false;
	}
}

/* One pass over both directions; true when something moved. */
static bool relay_step(struct relay *r, short *net_ev, short *local_ev)
{
	bool moved = false;
	ssize_t n;
	int m;

	/* engine -> caller */
	if (!r->net_done && r->down_len == 0) {
		m = SSL_read(r->ssl, r->down, sizeof(r->down));
		if (m > 0) {
			r->down_off = 0;
			r->down_len = (size_t)m;
			moved = true;
		} else if (!ssl_wants(r, m, net_ev)) {
			r->net_done = true;
			moved = true;
		}
	}
	if (r->down_len > 0 && r->caller_gone) {
		r->down_len = 0; /* nobody to give it to */
	} else if (r->down_len > 0) {
		n = send(r->local, r->down + r->down_off, r->down_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			r->down_off += (size_t)n;
			r->down_len -= (size_t)n;
			moved = true;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			*local_ev |= POLLOUT;
		} else if (n < 0 && errno == EINTR) {
			moved = true; /* again */
		} else {
			r->caller_gone = true;
			r->down_len = 0;
			moved = true;
		}
	}
	/* caller -> engine */
	if (!r->local_eof && r->up_len == 0) {
		n = recv(r->local, r->up, sizeof(r->up), MSG_DONTWAIT);
		if (n > 0) {
			r->up_off = 0;
			r->up_len = (size_t)n;
			moved = true;
		} else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			r->local_eof = true;
			moved = true;
		} else {
			*local_ev |= POLLIN;
		}
	}
	if (r->up_len > 0 && r->net_broken) {
		r->up_len = 0;
	} else if (r->up_len > 0) {
		m = SSL_write(r->ssl, r->up + r->up_off, (int)r->up_len);
		if (m > 0) {
			r->up_off += (size_t)m;
			r->up_len -= (size_t)m;
			moved = true;
		} else if (!ssl_wants(r, m, net_ev)) {
			r->net_done = r->net_broken = true;
			r->up_len = 0;
			moved = true;
		}
	}
	/* the caller's end of stdin: close_notify, reading on */
	if (r->local_eof && r->up_len == 0 && !r->shut_sent) {
		if (r->net_broken) {
			r->shut_sent = true;
		} else {
			m = SSL_shutdown(r->ssl);
			if (m >= 0 || !ssl_wants(r, m, net_ev))
				r->shut_sent = true;
			moved = moved || r->shut_sent;
		}
	}
	return moved;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	long long linger_until = 0;

	for (;;) {
		short net_ev, local_ev;
		struct pollfd p[2];
		int timeout = -1;

		do {
			net_ev = local_ev = 0;
		} while (relay_step(r, &net_ev, &local_ev));
		/* the engine is done and the caller has it all: closing gives it EOF */
		if (r->net_done && r->down_len == 0)
			break;
		/* the caller went: deliver what it wrote, then go too */
		if (r->caller_gone && r->local_eof && r->up_len == 0 && r->shut_sent)
			break;
		if (r->caller_gone) {
			if (!linger_until)
				linger_until = now_ms() + RELAY_LINGER_MS;
			timeout = (int)(linger_until - now_ms());
			if (timeout <= 0)
				break;
		}
		/*
		 * A socket is watched only for what is waited on: a hung-up one
		 * reports POLLHUP whatever is asked, and would spin the loop
		 * while the other side is slow. The engine's failure shows in
		 * the SSL call that waits on it.
		 */
		p[0] = (struct pollfd){ .fd = net_ev ? r->net : -1, .events = net_ev };
		p[1] = (struct pollfd){ .fd = r->caller_gone ? -1 : r->local, .events = local_ev };
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (p[1].revents & (POLLHUP | POLLERR))
			r->caller_gone = true;
	}
	if (!r->net_broken && !r->shut_sent)
		SSL_shutdown(r->ssl); /* best effort, non-blocking */
	SSL_free(r->ssl);
	ERR_clear_error();
	close(r->net);
	close(r->local);
	free(r);
	pthread_mutex_lock(&relays_lock);
	relays--;
	pthread_cond_broadcast(&relays_done);
	pthread_mutex_unlock(&relays_lock);
	return NULL;
}

int zf_tls_relay(struct zf_tls_conn *c, int *ret_fd)
{
	struct relay *r;
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t tid;
	int sv[2], e;

	pthread_once(&relays_once, relays_init);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		e = errno;
		free(r);
		return -e;
	}
	set_timeouts(c->fd, 0);
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0) {
		e = errno;
		goto fail;
	}
	r->ssl = c->ssl;
	r->net = c->fd;
	r->local = sv[1];

	pthread_mutex_lock(&relays_lock);
	relays++;
	pthread_mutex_unlock(&relays_lock);
	/* the relay takes no signals (SIGPIPE from OpenSSL's writes included) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&tid, &attr, relay_main, r);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		pthread_mutex_lock(&relays_lock);
		relays--;
		pthread_mutex_unlock(&relays_lock);
		goto fail;
	}
	free(c); /* its SSL and socket are the relay's now */
	*ret_fd = sv[0];
	return 0;
fail:
	close(sv[0]);
	close(sv[1]);
	free(r);
	return -e;
}

int zf_tls_relays_wait(int timeout_ms)
{
	struct timespec deadline;
	int r = 0;

	pthread_once(&relays_once, relays_init);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&relays_lock);
	while (relays > 0 && r == 0)
		r = pthread_cond_timedwait(&relays_done, &relays_lock, &deadline);
	r = relays > 0 ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&relays_lock);
	return r;
}
