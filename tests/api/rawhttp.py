"""HTTP/1.1 over plain sockets, for requests no client library sends: a body that stalls, trickles
or never comes, with every socket closed by the caller's ``ExitStack``."""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # from when reading started

    def json(self) -> Any:
        return json.loads(self.body)


def send_head(
    stack: contextlib.ExitStack,
    address: tuple[str, int],
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
) -> socket.socket:
    """Connect, send the request line, ``headers`` and the first ``body`` bytes; the rest of the
    body (whatever Content-Length promised) is the caller's to send, or not."""
    sock = socket.create_connection(address, timeout=10)
    stack.callback(sock.close)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {address[0]}:{address[1]}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return sock


def read_answer(sock: socket.socket, timeout: float) -> Answer:
    """The response on ``sock``; ``TimeoutError`` when none has come after ``timeout`` s."""
    start = time.monotonic()
    sock.settimeout(timeout)
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    return Answer(response.status, headers, body, time.monotonic() - start)


def answered(socks: list[socket.socket], within: float) -> list[socket.socket]:
    """The sockets among ``socks`` with something to read (an answer) within ``within`` s."""
    deadline = time.monotonic() + within
    ready: set[socket.socket] = set()
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([s for s in socks if s not in ready], [], [], left)
        ready.update(readable)
    return [s for s in socks if s in ready]


def trickle(sock: socket.socket, data: bytes, every: float, limit: float) -> Answer:
    """Send ``data`` one byte each ``every`` s until an answer comes (or ``limit`` s pass)."""
    start = time.monotonic()
    for byte in data:
        if time.monotonic() - start > limit:
            break
        readable, _, _ = select.select([sock], [], [], every)
        if readable:
            break
        try:
            sock.sendall(bytes([byte]))
        except OSError:  # the server answered and closed meanwhile
            break
    answer = read_answer(sock, max(1.0, limit - (time.monotonic() - start)))
    answer.seconds = time.monotonic() - start
    return answer
