"""A threaded HTTP server for the sandbox, in one process: its state lives in memory."""

from __future__ import annotations

import sys
import threading
import time

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

_print_lock = threading.Lock()


class SandboxServer(ThreadedWSGIServer):
    # Dozens of clients may connect at once (tests, benchmarks); Django's default backlog is 10.
    request_queue_size = 128


class SandboxRequestHandler(WSGIRequestHandler):
    """Django's development request handler, logging one concise line per request to stdout."""

    def parse_request(self) -> bool:
        # Start the clock once the request line has arrived: on a kept-alive connection the
        # handler waits for it, and that idle time is not the request's.
        self._started = time.monotonic()
        return super().parse_request()

    def log_request(self, code="-", size="-") -> None:
        elapsed_ms = (time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000
        line = f"{self.command} {self.path} {code} {size}B {elapsed_ms:.0f}ms\n"
        with _print_lock:
            sys.stdout.write(line)
            sys.stdout.flush()


def server_bind(host: str, port: int) -> SandboxServer:
    """Bind the listening socket (port 0 picks a free one); the WSGI app is set later."""
    return SandboxServer((host, port), SandboxRequestHandler, ipv6=":" in host)
