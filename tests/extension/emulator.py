"""The registry's emulator route, served by the test process: GET /companies/<number>."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Registered companies: the factories' and the walks' example employer is among them.
COMPANIES = {"HRB-12345": "Acme Corp", "HRB-99999": "Globex"}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        number = self.path.removeprefix("/companies/")
        if not self.path.startswith("/companies/") or number not in COMPANIES:
            self.answer(404, {"error": "not found"})
        else:
            self.answer(200, {"number": number, "name": COMPANIES[number]})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve():
    """Start the emulator on a free port; returns (base URL, stop)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop
