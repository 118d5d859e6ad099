#!/usr/bin/env python3
"""Print the track ids of every frame record streamed by a maskstream WebSocket sink.

Standard library only (a minimal RFC 6455 client): no `pip install` needed.

    python3 examples/ws_consumer.py                              # ws://127.0.0.1:8765/ws
    python3 examples/ws_consumer.py ws://10.0.0.5:8765/ws --count 100 --json

Each WebSocket text message is one JSON frame record (see README, "The frame record"):
{"frame": 12, "time": 0.48, "instances": [{"track_id": 3, "label": "square", ...}], ...}
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import sys
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def connect(url, timeout):
    """Opens the TCP connection and performs the HTTP/1.1 upgrade handshake."""
    parts = urlsplit(url)
    if parts.scheme != "ws":
        sys.exit(f"only ws:// URLs are supported, got {url!r}")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as error:
        sys.exit(f"cannot connect to {host}:{port}: {error} (is maskstream running with a websocket sink?)")
    key = base64.b64encode(os.urandom(16)).decode()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("server closed the connection during the handshake")
        head += chunk
    head, rest = head.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in lines[0] + " ":
        sys.exit(f"WebSocket upgrade refused: {lines[0]} (is the path /ws?)")
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != accept:
        sys.exit("bad Sec-WebSocket-Accept from server")
    return sock, rest


class Reader:
    """Buffered exact-length reads from the socket."""

    def __init__(self, sock, initial):
        self.sock, self.buf = sock, initial

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def send_frame(sock, opcode, payload=b""):
    """Client frames must be masked (RFC 6455 §5.3); control payloads are < 126 bytes."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


def messages(sock, reader):
    """Yields each complete text message; answers pings; ends on close."""
    parts = []
    while True:
        b0, b1 = reader.read(2)
        fin, opcode, length = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", reader.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", reader.read(8))[0]
        mask = reader.read(4) if b1 & 0x80 else None
        payload = reader.read(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if opcode == 0x9:  # ping
            send_frame(sock, 0xA, payload)
        elif opcode == 0x8:  # close: echo it and stop
            send_frame(sock, 0x8, payload[:2])
            return
        elif opcode in (0x0, 0x1, 0x2):  # continuation, text, binary
            parts.append(payload)
            if fin:
                yield b"".join(parts).decode("utf-8")
                parts = []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", default="ws://127.0.0.1:8765/ws")
    parser.add_argument("--count", type=int, default=0, help="stop after this many frames (0: run until closed)")
    parser.add_argument("--json", action="store_true", help="print the raw records instead of a summary")
    parser.add_argument("--timeout", type=float, default=None, help="socket timeout in seconds")
    args = parser.parse_args()

    sock, rest = connect(args.url, args.timeout)
    received = 0
    try:
        for text in messages(sock, Reader(sock, rest)):
            record = json.loads(text)
            if args.json:
                print(text)
            else:
                tracks = " ".join(
                    f"{inst.get('track_id')}({inst.get('label', inst.get('category_id'))})"
                    for inst in record.get("instances", [])
                )
                print(f"frame {record.get('frame')} t={record.get('time', 0):.3f}s tracks: {tracks or '-'}", flush=True)
            received += 1
            if args.count and received >= args.count:
                send_frame(sock, 0x8, struct.pack("!H", 1000))
                break
    except (EOFError, ConnectionError):
        pass
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
