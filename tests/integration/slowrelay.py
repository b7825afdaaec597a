#!/usr/bin/env python3
"""A relay to the engine's unix socket that makes chosen calls slow.

    slowrelay.py LISTEN_SOCKET UPSTREAM_SOCKET RULE_FILE

Passes every connection's bytes both ways. While RULE_FILE holds
"SECONDS TEXT", a chunk from zunfs that contains TEXT (a request line such
as "/containers/ID/top") goes upstream only SECONDS later: the engine is
slow for that call alone, as a frozen or overloaded engine is for all.
"fail N TEXT" answers the next N such requests itself with a 500 and
broken JSON, as an engine in trouble does, without passing them on (the
count left is written back to RULE_FILE). Stops on SIGTERM.
"""
import os
import socket
import sys
import threading
import time

LISTEN, UPSTREAM, RULE = sys.argv[1], sys.argv[2], sys.argv[3]


lock = threading.Lock()


def rule():
    """("slow", seconds, text), ("fail", count, text) or (None, 0, b"")."""
    try:
        with open(RULE) as f:
            words = f.read().strip().split(" ", 2)
        if words[0] == "fail":
            return "fail", int(words[1]), words[2].encode()
        return "slow", float(words[0]), " ".join(words[1:]).encode()
    except (FileNotFoundError, ValueError, IndexError):
        return None, 0, b""


def take_failure(text):
    """Whether this request is to fail (one of the count used)."""
    with lock:
        kind, n, t = rule()
        if kind != "fail" or n <= 0 or t != text:
            return False
        with open(RULE, "w") as f:
            f.write("fail %d %s" % (n - 1, t.decode()))
        return True


BROKEN = (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
          b"Content-Length: 12\r\n\r\n{\"message\": ")


def pipe(src, dst, slow):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if slow:
                kind, n, text = rule()
                if kind == "slow" and text and text in data:
                    time.sleep(n)
                if kind == "fail" and text and text in data and take_failure(text):
                    src.sendall(BROKEN)  # answered here, never passed on
                    continue
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    up = socket.socket(socket.AF_UNIX)
    try:
        up.connect(UPSTREAM)
    except OSError:
        client.close()
        return
    threading.Thread(target=pipe, args=(up, client, False), daemon=True).start()
    pipe(client, up, True)


def main():
    if os.path.exists(LISTEN):
        os.unlink(LISTEN)
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(LISTEN)
    srv.listen(256)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


main()
