/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tls.h"

/* A reply larger than this is refused: engine replies we read are small. */
#define ZF_HTTP_REPLY_MAX (64u << 20)
/* A streamed line longer than this is dropped (engine events are ~1 KiB). */
#define ZF_HTTP_LINE_MAX (1u << 20)

struct zf_http {
	char *socket_path; /* unix socket, or NULL for TCP */
	char *base_url; /* "http://localhost" for a socket, else http(s)://host:port */
	char *host, *port; /* TCP: the engine's name or address (no brackets), port */
	struct zf_tls *tls; /* HTTPS: for the hijacked streams (libcurl does the rest) */
	char *ca_file, *cert_file, *key_file; /* HTTPS: for libcurl */
	struct curl_slist *extra; /* headers sent with every request (zf_http_add_header) */
	char *peer; /* who answers, for errors: "the engine" unless set */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

/* "host[:port][/]" (IPv6 in brackets) into h->host and h->port. */
static int split_host_port(struct zf_http *h, const char *auth, const char *default_port)
{
	size_t n = strlen(auth);
	const char *colon;

	if (n > 0 && auth[n - 1] == '/')
		n--;
	if (n == 0 || memchr(auth, '/', n))
		return -EINVAL;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', n);

		if (!close || close == auth + 1)
			return -EINVAL;
		h->host = strndup(auth + 1, (size_t)(close - auth - 1));
		colon = close + 1 < auth + n && close[1] == ':' ? close + 1 : NULL;
		if (!colon && close + 1 != auth + n)
			return -EINVAL;
	} else {
		colon = memchr(auth, ':', n);
		h->host = strndup(auth, colon ? (size_t)(colon - auth) : n);
	}
	if (colon)
		h->port = strndup(colon + 1, (size_t)(auth + n - colon - 1));
	else
		h->port = strdup(default_port);
	if (!h->host || !h->port)
		return -ENOMEM;
	if (!h->host[0] || !h->port[0] || h->port[strspn(h->port, "0123456789")])
		return -EINVAL;
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

int zf_http_new(const char *url, struct zf_http **ret_http)
{
	return zf_http_new_tls(url, NULL, ret_http, NULL);
}

int zf_http_new_tls(const char *url, const struct zf_engine_tls *tls, struct zf_http **ret_http,
		    struct zf_err *err)
{
	const char *auth = NULL;
	struct zf_http *h;
	bool oom = false;
	int r;

	pthread_once(&curl_once, curl_init_once);
	h = calloc(1, sizeof(*h));
	if (!h)
		return zf_err_set(err, ENOMEM, "out of memory");
	if (strncmp(url, "unix://", 7) == 0 && url[7] == '/') {
		if (tls) {
			zf_http_free(h);
			return zf_err_set(err, EINVAL, "%s: TLS is for tcp:// engines", url);
		}
		h->socket_path = strdup(url + 7);
		h->base_url = strdup("http://localhost");
		if (!h->socket_path || !h->base_url) {
			zf_http_free(h);
			return zf_err_set(err, ENOMEM, "out of memory");
		}
		*ret_http = h;
		return 0;
	}
	if (strncmp(url, "tcp://", 6) == 0)
		auth = url + 6;
	else if (strncmp(url, "http://", 7) == 0 && !tls)
		auth = url + 7;
	r = auth ? split_host_port(h, auth, tls ? "443" : "80") : -EINVAL;
	if (r < 0) {
		zf_http_free(h);
		return r == -ENOMEM ? zf_err_set(err, ENOMEM, "out of memory")
				    : zf_err_set(err, EINVAL, "%s: not an engine URL (unix:///path or "
						 "tcp://host:port)", url);
	}
	if (asprintf(&h->base_url, "%s://%s%s%s:%s", tls ? "https" : "http",
		     strchr(h->host, ':') ? "[" : "", h->host, strchr(h->host, ':') ? "]" : "",
		     h->port) < 0) {
		h->base_url = NULL;
		zf_http_free(h);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	if (tls) {
		h->ca_file = dup_or_null(tls->ca_file, &oom);
		h->cert_file = dup_or_null(tls->cert_file, &oom);
		h->key_file = dup_or_null(tls->key_file, &oom);
		if (oom) {
			zf_http_free(h);
			return zf_err_set(err, ENOMEM, "out of memory");
		}
		r = zf_tls_new(tls, &h->tls, err);
		if (r < 0) {
			zf_http_free(h);
			return r;
		}
	}
	*ret_http = h;
	return 0;
}

void zf_http_free(struct zf_http *h)
{
	if (!h)
		return;
	if (h->tls) {
		/* the streams' relays end as their callers close them: a moment */
		zf_tls_relays_wait(2000);
		zf_tls_free(h->tls);
	}
	free(h->socket_path);
	free(h->base_url);
	free(h->host);
	free(h->port);
	free(h->ca_file);
	free(h->cert_file);
	free(h->key_file);
	curl_slist_free_all(h->extra);
	free(h->peer);
	free(h);
}

int zf_http_add_header(struct zf_http *h, const char *line)
{
	struct curl_slist *l = curl_slist_append(h->extra, line);

	if (!l)
		return -ENOMEM;
	h->extra = l;
	return 0;
}

int zf_http_set_peer(struct zf_http *h, const char *peer)
{
	char *p = strdup(peer);

	if (!p)
		return -ENOMEM;
	free(h->peer);
	h->peer = p;
	return 0;
}

void zf_http_reply_clear(struct zf_http_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
	r->status = 0;
}

char *zf_http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy;

	if (!e)
		return NULL;
	copy = strdup(e);
	curl_free(e);
	return copy;
}

static int curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_WRITE_ERROR:
		return -ECANCELED;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	default:
		return -EIO;
	}
}

/*
 * libcurl's words for a failed transfer: over TCP its error buffer (which
 * names the certificate problem, say) when it has one, else the code's
 * (the buffer would speak of "localhost port 80" for a unix socket).
 */
static const char *curl_words(const struct zf_http *h, CURLcode rc, const char *errbuf)
{
	return errbuf[0] && !h->socket_path ? errbuf : curl_easy_strerror(rc);
}

static CURL *easy_new(struct zf_http *h, const char *method, const char *path, char *errbuf,
		      char **ret_url)
{
	CURL *c = curl_easy_init();
	size_t n;
	char *url;

	if (!c)
		return NULL;
	n = strlen(h->base_url) + strlen(path) + 1;
	url = malloc(n);
	if (!url) {
		curl_easy_cleanup(c);
		return NULL;
	}
	snprintf(url, n, "%s%s", h->base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (h->socket_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket_path);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	/* never let the environment's proxy settings redirect engine traffic */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (h->tls) {
		curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		if (h->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
		if (h->cert_file) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
			curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file);
		}
	}
	*ret_url = url;
	return c;
}

struct buf {
	char *data;
	size_t len, cap;
	bool overflow;
};

static size_t buf_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n + 1 > ZF_HTTP_REPLY_MAX) {
		b->overflow = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

int zf_http_request(struct zf_http *h, const char *method, const char *path,
		    const char *body, long timeout_s, struct zf_http_reply *ret_reply,
		    struct zf_err *err)
{
	return zf_http_request_body(h, method, path, body ? "application/json" : NULL, body,
				    body ? strlen(body) : 0, timeout_s, ret_reply, err);
}

int zf_http_request_body(struct zf_http *h, const char *method, const char *path,
			 const char *content_type, const void *body, size_t body_len,
			 long timeout_s, struct zf_http_reply *ret_reply, struct zf_err *err)
{
	char ctype[128], errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers = NULL;
	struct buf b = { 0 };
	char *url = NULL;
	CURL *c;
	CURLcode rc;
	long status = 0;
	int r;

	c = easy_new(h, method, path, errbuf, &url);
	if (!c)
		return zf_err_set(err, ENOMEM, "out of memory");
	for (const struct curl_slist *e = h->extra; e; e = e->next)
		if (!(headers = curl_slist_append(headers, e->data)))
			goto oom;
	if (body) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		if (!(headers = curl_slist_append(headers, ctype)))
			goto oom;
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	if (headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (timeout_s > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		r = b.overflow ? zf_err_set(err, EFBIG, "engine reply larger than %u bytes",
					    ZF_HTTP_REPLY_MAX)
			       : zf_err_set(err, -curl_errno(rc), "cannot reach %s at %s: %s",
					    h->peer ? h->peer : "the engine",
					    h->socket_path ? h->socket_path : h->base_url,
					    curl_words(h, rc, errbuf));
		free(b.data);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ret_reply->status = status;
	ret_reply->body = b.data ? b.data : strdup("");
	ret_reply->len = b.len;
	r = ret_reply->body ? 0 : -ENOMEM;
	goto out;
oom:
	r = zf_err_set(err, ENOMEM, "out of memory");
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	free(url);
	return r;
}

struct stream_ctx {
	struct buf line;
	zf_http_line_cb line_cb;
	bool raw; /* hand bytes to line_cb as they come, not a line at a time */
	void (*on_open)(void *userdata);
	void *userdata;
	const volatile bool *stop;
	CURL *curl;
	bool opened;
	bool stopped_by_caller;
	long status;
	struct buf error_body;
	char errbuf[CURL_ERROR_SIZE]; /* curl's words for a failure */
};

/* The reply's headers are in: the stream is open. The engine's events
 * stream sends no body until an event comes, so this cannot wait for one. */
static void stream_opened(struct stream_ctx *s)
{
	if (s->opened)
		return;
	s->opened = true;
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status >= 200 && s->status < 300 && s->on_open)
		s->on_open(s->userdata);
}

static size_t stream_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct stream_ctx *s = userdata;
	size_t n = size * nmemb;
	long code = 0;

	/* the blank line after the final (not a 1xx) response's headers */
	if ((n == 2 && ptr[0] == '\r' && ptr[1] == '\n') || (n == 1 && ptr[0] == '\n')) {
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200)
			stream_opened(s);
	}
	return n;
}

static size_t stream_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct stream_ctx *s = userdata;
	size_t n = size * nmemb;

	stream_opened(s);
	if (s->status < 200 || s->status >= 300)
		return buf_write(ptr, size, nmemb, &s->error_body);
	if (s->raw) {
		if (s->line_cb(ptr, n, s->userdata)) {
			s->stopped_by_caller = true;
			return 0;
		}
		return n;
	}

	for (size_t i = 0; i < n; i++) {
		if (ptr[i] != '\n') {
			if (s->line.len + 2 > ZF_HTTP_LINE_MAX) {
				s->line.len = 0; /* drop an absurd line */
				continue;
			}
			if (!buf_write(ptr + i, 1, 1, &s->line))
				return 0;
			continue;
		}
		if (s->line.len > 0 && s->line_cb(s->line.data, s->line.len, s->userdata)) {
			s->stopped_by_caller = true;
			return 0;
		}
		s->line.len = 0;
	}
	return n;
}

static int stream_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
			   curl_off_t ultotal, curl_off_t ulnow)
{
	struct stream_ctx *s = userdata;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (s->stop && *s->stop) {
		s->stopped_by_caller = true;
		return 1;
	}
	return 0;
}

/* One streamed request: METHOD path (a POST with no body), s's callbacks. */
static CURLcode stream_perform(struct zf_http *h, const char *method, const char *path,
			       long timeout_s, struct stream_ctx *s, struct zf_err *err)
{
	char *url = NULL;
	CURLcode rc;

	s->curl = easy_new(h, method, path, s->errbuf, &url);
	if (!s->curl) {
		zf_err_set(err, ENOMEM, "out of memory");
		return CURLE_OUT_OF_MEMORY;
	}
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, "");
	}
	if (timeout_s > 0)
		curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, stream_header);
	curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, stream_progress);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);

	rc = curl_easy_perform(s->curl);
	if (!s->opened) /* a reply without a body: its status all the same */
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
	curl_easy_cleanup(s->curl);
	s->curl = NULL;
	free(url);
	return rc;
}

static int stream(struct zf_http *h, const char *path, zf_http_line_cb line_cb, bool raw,
		  void (*on_open)(void *userdata), void *userdata, const volatile bool *stop,
		  struct zf_err *err)
{
	struct stream_ctx s = { .line_cb = line_cb, .raw = raw, .on_open = on_open,
				.userdata = userdata, .stop = stop };
	CURLcode rc;
	int r;

	rc = stream_perform(h, "GET", path, 0, &s, err);
	if (s.stopped_by_caller) {
		r = 0;
	} else if (s.opened && (s.status < 200 || s.status >= 300)) {
		r = zf_http_status_errno(s.status);
		zf_err_set(err, -r, "engine answered %ld: %.200s", s.status,
			   s.error_body.data ? s.error_body.data : "");
	} else if (rc == CURLE_OK) {
		r = zf_err_set(err, EPIPE, "the engine ended the stream");
	} else if (rc == CURLE_OUT_OF_MEMORY && !s.opened) {
		r = -ENOMEM;
	} else {
		r = zf_err_set(err, -curl_errno(rc), "stream from %s: %s",
			       h->socket_path ? h->socket_path : h->base_url,
			       curl_words(h, rc, s.errbuf));
	}
	free(s.line.data);
	free(s.error_body.data);
	return r;
}

int zf_http_request_lines(struct zf_http *h, const char *method, const char *path,
			  long timeout_s, zf_http_line_cb line_cb, void *userdata,
			  struct zf_http_reply *ret_reply, struct zf_err *err)
{
	struct stream_ctx s = { .line_cb = line_cb, .userdata = userdata };
	CURLcode rc;
	int r = 0;

	rc = stream_perform(h, method, path, timeout_s, &s, err);
	if (!s.stopped_by_caller && rc != CURLE_OK) {
		if (s.error_body.overflow)
			r = zf_err_set(err, EFBIG, "engine reply larger than %u bytes",
				       ZF_HTTP_REPLY_MAX);
		else if (rc == CURLE_OUT_OF_MEMORY && !s.opened)
			r = -ENOMEM;
		else
			r = zf_err_set(err, -curl_errno(rc), "cannot reach the engine at %s: %s",
				       h->socket_path ? h->socket_path : h->base_url,
				       curl_words(h, rc, s.errbuf));
		goto out;
	}
	/* the last line may end without a newline */
	if (!s.stopped_by_caller && s.status >= 200 && s.status < 300 && s.line.len > 0)
		line_cb(s.line.data, s.line.len, userdata);
	ret_reply->status = s.status;
	ret_reply->body = s.error_body.data ? s.error_body.data : strdup("");
	ret_reply->len = s.error_body.len;
	s.error_body.data = NULL;
	r = ret_reply->body ? 0 : -ENOMEM;
out:
	free(s.line.data);
	free(s.error_body.data);
	return r;
}

int zf_http_stream_lines(struct zf_http *h, const char *path, zf_http_line_cb line_cb,
			 void (*on_open)(void *userdata), void *userdata,
			 const volatile bool *stop, struct zf_err *err)
{
	return stream(h, path, line_cb, false, on_open, userdata, stop, err);
}

int zf_http_stream_raw(struct zf_http *h, const char *path, zf_http_line_cb chunk_cb,
		       void *userdata, const volatile bool *stop, struct zf_err *err)
{
	return stream(h, path, chunk_cb, true, NULL, userdata, stop, err);
}

/* How long the hijack's request and reply headers may take. */
#define HIJACK_TIMEOUT_MS 30000

/* A plain socket to the engine: its unix socket, or h->host:h->port. */
static int engine_connect(struct zf_http *h, struct zf_err *err)
{
	int fd, r;

	if (h->socket_path) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(h->socket_path) >= sizeof(sa.sun_path))
			return zf_err_set(err, ENAMETOOLONG, "socket path too long");
		strcpy(sa.sun_path, h->socket_path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return zf_err_set(err, errno, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = errno;
			close(fd);
			return zf_err_set(err, r, "cannot reach the engine at %s: %s", h->socket_path,
					  strerror(r));
		}
		return fd;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;

	r = getaddrinfo(h->host, h->port, &hints, &res);
	if (r != 0)
		return zf_err_set(err, EHOSTUNREACH, "%s: %s", h->host, gai_strerror(r));
	fd = -1;
	errno = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	r = errno;
	freeaddrinfo(res);
	if (fd < 0)
		return zf_err_set(err, r ? r : ECONNREFUSED, "cannot reach the engine at %s: %s",
				  h->base_url, strerror(r ? r : ECONNREFUSED));
	return fd;
}

/* The hijacked connection while its headers go and come: plain or TLS. */
struct conn {
	int fd;
	struct zf_tls_conn *tls;
};

static int conn_write_all(struct conn *c, const char *buf, size_t len)
{
	if (c->tls)
		return zf_tls_write_all(c->tls, buf, len);
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Some bytes: the count, 0 at the end, or -errno. */
static ssize_t conn_read(struct conn *c, char *buf, size_t size)
{
	if (c->tls)
		return zf_tls_read(c->tls, buf, size);
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, HIJACK_TIMEOUT_MS);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ETIMEDOUT;
		n = recv(c->fd, buf, size, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

/* Reads into buf until the headers end (or the peer closes); the byte count. */
static ssize_t read_headers(struct conn *c, char *buf, size_t size, char **ret_end)
{
	size_t have = 0;

	while (have + 1 < size) {
		ssize_t n = conn_read(c, buf + have, size - 1 - have);
		char *end;

		if (n <= 0)
			return n < 0 ? n : -EPROTO;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			*ret_end = end + 4;
			return (ssize_t)have;
		}
	}
	return -EPROTO;
}

static void conn_close(struct conn *c)
{
	if (c->tls)
		zf_tls_conn_free(c->tls);
	else if (c->fd >= 0)
		close(c->fd);
	c->tls = NULL;
	c->fd = -1;
}

int zf_http_hijack(struct zf_http *h, const char *method, const char *path, const char *body,
		   int *ret_fd, char **ret_leftover, size_t *ret_leftover_len, struct zf_err *err)
{
	char buf[16384], *end = NULL, *req = NULL, *copy;
	size_t blen = body ? strlen(body) : 0, left;
	struct conn c = { .fd = -1 };
	long status = 0;
	ssize_t have;
	int r;

	c.fd = engine_connect(h, err);
	if (c.fd < 0)
		return c.fd;
	if (h->tls) {
		r = zf_tls_connect(h->tls, c.fd, h->host, HIJACK_TIMEOUT_MS, &c.tls, err);
		if (r < 0)
			return r; /* the socket went with it */
	}
	if (asprintf(&req,
		     "%s %s HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, blen, body ? body : "") < 0) {
		conn_close(&c);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	r = conn_write_all(&c, req, strlen(req));
	free(req);
	if (r < 0) {
		conn_close(&c);
		return zf_err_set(err, -r, "sending to the engine: %s", strerror(-r));
	}
	have = read_headers(&c, buf, sizeof(buf), &end);
	if (have < 0) {
		conn_close(&c);
		return zf_err_set(err, (int)-have, "the engine's reply: %s", strerror((int)-have));
	}
	sscanf(buf, "HTTP/1.%*d %ld", &status);
	if (status != 101 && status != 200) {
		/* an error: its body (usually {"message": ...}), what came of it */
		r = zf_http_status_errno(status);
		if (r == 0)
			r = -EPROTO;
		zf_err_set(err, -r, "%.*s", (int)(buf + have - end), end);
		conn_close(&c);
		return r;
	}
	left = (size_t)(buf + have - end);
	copy = malloc(left + 1);
	if (!copy) {
		conn_close(&c);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	memcpy(copy, end, left);
	if (c.tls) {
		/* the caller gets a plain socket all the same: a relay speaks TLS */
		r = zf_tls_relay(c.tls, &c.fd);
		if (r < 0) {
			free(copy);
			conn_close(&c);
			return zf_err_set(err, -r, "TLS relay: %s", strerror(-r));
		}
		c.tls = NULL;
	}
	*ret_fd = c.fd;
	*ret_leftover = copy;
	*ret_leftover_len = left;
	return 0;
}
