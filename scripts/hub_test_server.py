#!/usr/bin/python3
"""A Hugging Face hub stand-in on loopback for maskstream's hub tests (standard library only).

Usage: hub_test_server.py --repo ORG/NAME=FOLDER@COMMIT [--repo ...] [--port 0] [--log FILE]
                          [--drop-once FILE] [--corrupt FILE] [--token TOKEN] [--cdn-host HOST]

Serves each FOLDER's files in the hub's URL layout, at branch `main` and at COMMIT:
  /{org}/{name}/resolve/{revision}/{file}
Plain files answer 200 with `ETag: "<git blob sha1>"`, `X-Repo-Commit` and `Content-Length`.
`*.safetensors` files are LFS files: a 302 to /cdn/<sha256> on CDN-HOST (default localhost, a
host other than 127.0.0.1, so a client must not send its token there), with
`X-Linked-Etag: "<sha256>"`, `X-Linked-Size` and `X-Repo-Commit`. /cdn/ answers `Range:
bytes=N-` with 206 and `Content-Range`, and refuses requests that carry `Authorization` (400).
Errors carry `X-Error-Code` as the hub's do: RepoNotFound, RevisionNotFound, EntryNotFound.

--drop-once FILE  the first GET of FILE's bytes sends half of them, then closes the connection.
--corrupt FILE    FILE's bytes are served with one byte flipped (its sha256 no longer matches).
--token TOKEN     /resolve/ requests need `Authorization: Bearer TOKEN` (401 otherwise).
--log FILE        one JSON line per request: method, path, range, authorization.
Prints "READY <port>" once listening.
"""
import argparse
import hashlib
import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


class Repo:
    def __init__(self, spec):
        rid, rest = spec.split("=", 1)
        folder, commit = rest.rsplit("@", 1)
        self.id, self.commit, self.files = rid, commit, {}
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    data = f.read()
                self.files[name] = data


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--repo", action="append", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--log")
    p.add_argument("--drop-once")
    p.add_argument("--corrupt")
    p.add_argument("--token")
    p.add_argument("--cdn-host", default="localhost")
    args = p.parse_args()
    repos = {r.id: r for r in map(Repo, args.repo)}
    cdn = {}  # sha256 -> (file name, bytes)
    for repo in repos.values():
        for name, data in repo.files.items():
            if name.endswith(".safetensors"):
                cdn[hashlib.sha256(data).hexdigest()] = (name, data)
    lock = threading.Lock()
    dropped = set()
    log = open(args.log, "a", buffering=1) if args.log else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *a):
            pass

        def record(self):
            if log:
                with lock:
                    log.write(json.dumps({"method": self.command, "path": self.path,
                                          "range": self.headers.get("Range"),
                                          "authorization": self.headers.get("Authorization")}) + "\n")

        def answer(self, status, headers=(), body=b""):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def error(self, status, code):
            self.answer(status, [("X-Error-Code", code), ("X-Error-Message", code)], code.encode())

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            self.record()
            path = self.path.split("?", 1)[0]
            if path.startswith("/cdn/"):
                return self.cdn(path[len("/cdn/"):])
            parts = path.lstrip("/").split("/", 4)
            if len(parts) < 5 or parts[2] != "resolve":
                return self.error(404, "RepoNotFound")
            if args.token and self.headers.get("Authorization") != f"Bearer {args.token}":
                return self.answer(401, [("X-Error-Message", "Invalid credentials in Authorization header")])
            repo = repos.get(f"{parts[0]}/{parts[1]}")
            if repo is None:
                return self.error(404, "RepoNotFound")
            revision, name = unquote(parts[3]), unquote(parts[4])
            if revision not in ("main", repo.commit):
                return self.error(404, "RevisionNotFound")
            data = repo.files.get(name)
            if data is None:
                return self.answer(404, [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", repo.commit)])
            if name.endswith(".safetensors"):
                sha = hashlib.sha256(data).hexdigest()
                port = self.server.server_address[1]
                return self.answer(302, [("X-Repo-Commit", repo.commit), ("X-Linked-Etag", f'"{sha}"'),
                                         ("X-Linked-Size", str(len(data))), ("ETag", f'"{sha}"'),
                                         ("Location", f"http://{args.cdn_host}:{port}/cdn/{sha}?sig=x")])
            sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            self.body(name, data, [("X-Repo-Commit", repo.commit), ("ETag", f'"{sha1}"')])

        def cdn(self, sha):
            if self.headers.get("Authorization"):
                return self.answer(400, body=b"the CDN takes no Authorization header")
            if sha not in cdn:
                return self.answer(404)
            name, data = cdn[sha]
            self.body(name, data, [("ETag", f'"{sha}"')])

        def body(self, name, data, headers):
            if name == args.corrupt:
                i = len(data) // 2
                data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]
            start, status = 0, 200
            wanted = self.headers.get("Range")
            if wanted:
                try:
                    first = wanted.split("=", 1)[1].split("-", 1)[0]
                    start = int(first)
                except (IndexError, ValueError):
                    return self.answer(416)
                if start >= len(data):
                    return self.answer(416, [("Content-Range", f"bytes */{len(data)}")])
                status = 206
                headers = headers + [("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")]
            part = data[start:]
            self.send_response(status)
            for k, v in headers + [("Accept-Ranges", "bytes"), ("Content-Length", str(len(part)))]:
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD":
                return
            with lock:
                drop = name == args.drop_once and name not in dropped
                dropped.add(name) if drop else None
            if drop:
                self.wfile.write(part[: len(part) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(part)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
