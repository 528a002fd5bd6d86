"""Servers that stand for a cache in trouble: one that accepts connections and never
answers (a hung Redis), and a port where nothing listens (a stopped one)."""

import socket
import threading
from contextlib import contextmanager


class HungServer:
    """Accepts every connection, reads nothing, answers nothing; counts the connections."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(connection)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.listener.close()
        for connection in self.connections:
            connection.close()


@contextmanager
def hung_server():
    server = HungServer().start()
    try:
        yield server
    finally:
        server.stop()


def stopped_url():
    """A Redis URL where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"
