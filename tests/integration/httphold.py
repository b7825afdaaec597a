#!/usr/bin/env python3
"""An HTTP relay that can hold one request: where a test stops zunfs (or the
service behind) in the middle of a multi-request operation, at a step it
names rather than at a moment it guesses.

    httphold.py LISTEN_PORT UPSTREAM_PORT DIR

Listens on 127.0.0.1:LISTEN_PORT and passes each request to
127.0.0.1:UPSTREAM_PORT. Every request line is appended to DIR/log. While
DIR/hold holds "before TEXT" or "after TEXT", the first request whose
method, path or body contains TEXT is held: before it goes upstream, or
after its reply came back and before that reply goes to the client. The
relay then writes the request line to DIR/held and waits until DIR/hold is
removed. A held request whose client has gone meanwhile is dropped, never
sent: a killed client's request never reached the service. When upstream
cannot be reached, or gives no reply, the client's connection is closed
without one, as the service's own would be.
"""
import http.client
import http.server
import os
import select
import socket
import sys
import threading
import time

LISTEN, UPSTREAM, DIR = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
lock = threading.Lock()


def note(name, text):
    with lock, open(os.path.join(DIR, name), "a") as f:
        f.write(text + "\n")


def rule():
    try:
        with open(os.path.join(DIR, "hold")) as f:
            when, _, text = f.read().strip().partition(" ")
            return when, text
    except FileNotFoundError:
        return None, None


def hold(line):
    """Holds until DIR/hold goes; the rule is used once."""
    with lock:
        with open(os.path.join(DIR, "held"), "w") as f:
            f.write(line + "\n")
    while os.path.exists(os.path.join(DIR, "hold")):
        time.sleep(0.05)


def client_gone(sock):
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        line = "%s %s %s" % (self.command, self.path, body.decode("utf-8", "replace"))
        note("log", line)
        when, text = rule()
        matched = text and text in line and not os.path.exists(os.path.join(DIR, "held"))
        if matched and when == "before":
            hold(line)
            if client_gone(self.connection):
                note("log", "dropped: " + line)
                self.close_connection = True
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        try:
            up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=600)
            up.request(self.command, self.path, body=body, headers=headers)
            reply = up.getresponse()
            data = reply.read()
        except (OSError, http.client.HTTPException) as e:
            note("log", "no reply (%s): %s" % (e, line))
            self.close_connection = True
            return
        if matched and when == "after":
            hold(line)
        up.close()
        try:
            self.send_response_only(reply.status, reply.reason)
            for k, v in reply.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (its timeout) or was killed
            note("log", "client gone: " + line)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = relay


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    Server(("127.0.0.1", LISTEN), Relay).serve_forever()
