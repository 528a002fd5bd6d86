"""The threaded HTTP server: every request goes to ``server.app.handle(Request)``."""

import os
import signal
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NoReturn

from .messages import Request


class RequestHandler(BaseHTTPRequestHandler):
    """GET and POST; a subclass sets server_version and may add do_<METHOD> methods."""

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _serve(self):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.app.handle(Request(self.command, path, query, self.headers, body))
        if response.drop_connection:
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out during an injected delay)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


class EmulatorServer(ThreadingHTTPServer):
    """Serves app (anything with handle(Request) -> Response) with handler_class."""

    daemon_threads = True
    handler_class = RequestHandler

    def __init__(self, host: str, port: int, app, verbose: bool = False):
        self.app = app
        self.verbose = verbose
        super().__init__((host, port), self.handler_class)


def serve_until_stopped(
    server: EmulatorServer, banner: str, on_exit: Callable[[], None] = lambda: None
) -> NoReturn:
    """Print banner, serve until SIGINT or SIGTERM, then close, call on_exit and end the
    process at once."""

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return: it cannot run in the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    # Set SIGINT too: a shell starting us in the background (cmd &) ignores it by default.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(banner, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        on_exit()
    sys.stdout.flush()
    # All state is in memory: exit now rather than wait for a request in flight.
    os._exit(0)
