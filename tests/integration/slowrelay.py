#!/usr/bin/env python3
"""A relay to the engine's unix socket that makes chosen calls slow.

    slowrelay.py LISTEN_SOCKET UPSTREAM_SOCKET RULE_FILE

Passes every connection's bytes both ways. While RULE_FILE holds
"SECONDS TEXT", a chunk from zunfs that contains TEXT (a request line such
as "/containers/ID/top") goes upstream only SECONDS later: the engine is
slow for that call alone, as a frozen or overloaded engine is for all.
Stops on SIGTERM.
"""
import os
import socket
import sys
import threading
import time

LISTEN, UPSTREAM, RULE = sys.argv[1], sys.argv[2], sys.argv[3]


def rule():
    try:
        with open(RULE) as f:
            secs, _, text = f.read().strip().partition(" ")
            return float(secs), text.encode()
    except (FileNotFoundError, ValueError):
        return 0.0, b""


def pipe(src, dst, slow):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if slow:
                secs, text = rule()
                if text and text in data:
                    time.sleep(secs)
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
