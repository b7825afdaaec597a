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

/* A reply larger than this is refused: engine replies we read are small. */
#define ZF_HTTP_REPLY_MAX (64u << 20)
/* A streamed line longer than this is dropped (engine events are ~1 KiB). */
#define ZF_HTTP_LINE_MAX (1u << 20)

struct zf_http {
	char *socket_path; /* unix socket, or NULL for TCP */
	char *base_url; /* "http://localhost" for a socket, else http://host:port */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

int zf_http_new(const char *url, struct zf_http **ret_http)
{
	struct zf_http *h;

	pthread_once(&curl_once, curl_init_once);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	if (strncmp(url, "unix://", 7) == 0 && url[7] == '/') {
		h->socket_path = strdup(url + 7);
		h->base_url = strdup("http://localhost");
	} else if (strncmp(url, "tcp://", 6) == 0 && url[6]) {
		size_t n = strlen(url + 6) + 8;
		h->base_url = malloc(n);
		if (h->base_url)
			snprintf(h->base_url, n, "http://%s", url + 6);
	} else if (strncmp(url, "http://", 7) == 0 && url[7]) {
		h->base_url = strdup(url);
	} else {
		free(h);
		return -EINVAL;
	}
	if (!h->base_url || (strncmp(url, "unix://", 7) == 0 && !h->socket_path)) {
		zf_http_free(h);
		return -ENOMEM;
	}
	/* "http://host:port/" would give "//path" below */
	size_t bl = strlen(h->base_url);
	if (bl > 7 && h->base_url[bl - 1] == '/')
		h->base_url[bl - 1] = '\0';
	*ret_http = h;
	return 0;
}

void zf_http_free(struct zf_http *h)
{
	if (!h)
		return;
	free(h->socket_path);
	free(h->base_url);
	free(h);
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

static CURL *easy_new(struct zf_http *h, const char *method, const char *path,
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
	char ctype[128];
	struct curl_slist *headers = NULL;
	struct buf b = { 0 };
	char *url = NULL;
	CURL *c;
	CURLcode rc;
	long status = 0;
	int r;

	c = easy_new(h, method, path, &url);
	if (!c)
		return zf_err_set(err, ENOMEM, "out of memory");
	if (body) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, ctype);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	if (timeout_s > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		r = b.overflow ? zf_err_set(err, EFBIG, "engine reply larger than %u bytes",
					    ZF_HTTP_REPLY_MAX)
			       : zf_err_set(err, -curl_errno(rc), "cannot reach the engine at %s: %s",
					    h->socket_path ? h->socket_path : h->base_url,
					    curl_easy_strerror(rc));
		free(b.data);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ret_reply->status = status;
	ret_reply->body = b.data ? b.data : strdup("");
	ret_reply->len = b.len;
	r = ret_reply->body ? 0 : -ENOMEM;
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

	s->curl = easy_new(h, method, path, &url);
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
			       curl_easy_strerror(rc));
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
				       curl_easy_strerror(rc));
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

/* A plain socket to the engine: its unix socket, or host:port of base_url. */
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
	/* base_url is "http://host:port" */
	char host[256], *colon;
	const char *port = "80";
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;

	snprintf(host, sizeof(host), "%s", h->base_url + 7);
	host[strcspn(host, "/")] = '\0';
	colon = strrchr(host, ':');
	if (colon && !strchr(colon, ']')) {
		*colon = '\0';
		port = colon + 1;
	}
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0)
		return zf_err_set(err, EHOSTUNREACH, "%s: %s", host, gai_strerror(r));
	fd = -1;
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
		return zf_err_set(err, r ? r : ECONNREFUSED, "cannot reach the engine at %s:%s",
				  host, port);
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads into buf until the headers end (or the peer closes); the byte count. */
static ssize_t read_headers(int fd, char *buf, size_t size, char **ret_end)
{
	size_t have = 0;

	while (have + 1 < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *end;

		if (poll(&p, 1, 30000) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf + have, size - 1 - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
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

int zf_http_hijack(struct zf_http *h, const char *method, const char *path, const char *body,
		   int *ret_fd, char **ret_leftover, size_t *ret_leftover_len, struct zf_err *err)
{
	char buf[16384], *end = NULL, *req = NULL;
	size_t blen = body ? strlen(body) : 0;
	long status = 0;
	ssize_t have;
	int fd, r;

	fd = engine_connect(h, err);
	if (fd < 0)
		return fd;
	if (asprintf(&req,
		     "%s %s HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, blen, body ? body : "") < 0) {
		close(fd);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	r = send_all(fd, req, strlen(req));
	free(req);
	if (r < 0) {
		close(fd);
		return zf_err_set(err, -r, "sending to the engine: %s", strerror(-r));
	}
	have = read_headers(fd, buf, sizeof(buf), &end);
	if (have < 0) {
		close(fd);
		return zf_err_set(err, (int)-have, "the engine's reply: %s", strerror((int)-have));
	}
	sscanf(buf, "HTTP/1.%*d %ld", &status);
	if (status == 101 || status == 200) {
		size_t left = (size_t)(buf + have - end);
		char *copy = malloc(left + 1);

		if (!copy) {
			close(fd);
			return zf_err_set(err, ENOMEM, "out of memory");
		}
		memcpy(copy, end, left);
		*ret_fd = fd;
		*ret_leftover = copy;
		*ret_leftover_len = left;
		return 0;
	}
	/* an error: its body (usually {"message": ...}), what came of it */
	r = zf_http_status_errno(status);
	if (r == 0)
		r = -EPROTO;
	zf_err_set(err, -r, "%.*s", (int)(buf + have - end), end);
	close(fd);
	return r;
}
