"""The walk's load balancer: one address (SITE_URL's, Stripe's webhook URL) in front of the
web processes, so one can be put behind it and another taken out while clients keep the
same URL, as a deployment's load balancer or router does during an upgrade.

Each request is forwarded as it came (uncompressed), on a new connection, to one of the backends in
rotation at that moment; a backend that does not answer gets the client a 502.
"""

import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

# Headers that belong to one connection, not to the request or response forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class LoadBalancer:
    def __init__(self, port):
        self.backends = []  # base URLs, e.g. "http://127.0.0.1:8001"
        balancer = self

        class Forward(BaseHTTPRequestHandler):
            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP - {"host"} | {"accept-encoding"}
                }
                # Uncompressed, so the body forwarded is the one the headers describe.
                headers["Accept-Encoding"] = "identity"
                try:
                    answer = requests.request(
                        self.command,
                        random.choice(balancer.backends) + self.path,
                        data=body,
                        headers=headers,
                        allow_redirects=False,
                        timeout=60,
                    )
                    content = answer.content
                except (requests.RequestException, IndexError):
                    self.send_error(502)
                    return
                self.send_response_only(answer.status_code)
                for name, value in answer.raw.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_HEAD = forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Forward)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
