"""The walk's load balancer (soak/balancer.py): what the upgrade walk relies on when it
puts a web process behind it and takes another out while clients keep one address."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from soak.balancer import LoadBalancer
from tests.emulator_process import free_port


def backend(name):
    """A web process stand-in: answers with its name, the request's method, path, Host and
    body, and two cookies."""

    class Answer(BaseHTTPRequestHandler):
        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            text = f"{name} {self.command} {self.path} {self.headers['Host']} {body}".encode()
            self.send_response(302 if self.path.startswith("/redirect") else 200)
            self.send_header("Location", "/elsewhere")
            self.send_header("Set-Cookie", "sessionid=abc; Path=/")
            self.send_header("Set-Cookie", "csrftoken=def; Path=/")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        do_GET = do_POST = answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def balancer():
    started = LoadBalancer(free_port()).start()
    yield started, f"http://127.0.0.1:{started.server.server_port}"
    started.stop()


def test_forwards_the_request_and_the_answer_as_they_came(balancer):
    lb, url = balancer
    server = backend("old")
    lb.backends = [server[1]]
    answer = requests.post(
        url + "/redirect?x=1", data={"a": "1"}, headers={"Host": "site"}, allow_redirects=False
    )
    server[0].shutdown()
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/elsewhere"
    assert answer.text == "old POST /redirect?x=1 site a=1"
    assert answer.raw.headers.getlist("Set-Cookie") == [
        "sessionid=abc; Path=/",
        "csrftoken=def; Path=/",
    ]


def test_sends_each_request_to_the_backends_in_rotation_then(balancer):
    lb, url = balancer
    (old, old_url), (new, new_url) = backend("old"), backend("new")
    lb.backends = [old_url, new_url]
    both = {requests.get(url + "/").text.split()[0] for _ in range(40)}
    lb.backends = [new_url]
    old.shutdown()
    after = {requests.get(url + "/").text.split()[0] for _ in range(10)}
    new.shutdown()
    assert both == {"old", "new"}
    assert after == {"new"}


def test_no_backend_answering_is_a_502(balancer):
    lb, url = balancer
    assert requests.get(url + "/").status_code == 502  # none in rotation
    lb.backends = [f"http://127.0.0.1:{free_port()}"]  # one that is not listening
    assert requests.get(url + "/").status_code == 502
