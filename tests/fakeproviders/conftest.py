import base64
import json
import time

import pytest
import requests

TWILIO_AUTH = ("AC" + "0" * 32, "jobwizard-dev-twilio-token")
SERVICE = "VA" + "0" * 32
INDEXING_SCOPE = "https://www.googleapis.com/auth/indexing"


class Emulator:
    """The shared emulator process, reset, with a small HTTP client for its providers."""

    def __init__(self, process):
        self.process = process
        self.url = process.url
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies: everything is on 127.0.0.1

    def __getattr__(self, name):  # reset(), requests(), sms(), add_fault(), ...
        return getattr(self.process, name)

    def post(self, path, **kwargs):
        kwargs.setdefault("timeout", 5)
        return self.session.post(self.url + path, **kwargs)

    def get(self, path, **kwargs):
        kwargs.setdefault("timeout", 5)
        return self.session.get(self.url + path, **kwargs)

    # ---- per-provider shortcuts ----

    def siteverify(self, provider, secret, token, **extra):
        path = {
            "turnstile": "/turnstile/v0/siteverify",
            "hcaptcha": "/hcaptcha/siteverify",
            "recaptcha": "/recaptcha/api/siteverify",
        }[provider]
        return self.post(path, data={"secret": secret, "response": token, **extra})

    def send_code(self, to="+15551234567", auth=TWILIO_AUTH, service=SERVICE):
        data = {"To": to, "Channel": "sms"}
        return self.post(f"/v2/Services/{service}/Verifications", data=data, auth=auth)

    def check_code(self, code, to="+15551234567", auth=TWILIO_AUTH, service=SERVICE, **data):
        data = {"To": to, "Code": code, **data}
        return self.post(f"/v2/Services/{service}/VerificationCheck", data=data, auth=auth)

    def google_token(self, **claims) -> requests.Response:
        return self.post(
            "/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": make_jwt(**claims),
            },
        )

    def access_token(self) -> str:
        response = self.google_token()
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def publish(self, url="https://jobs.example.com/jobs/1/", type="URL_UPDATED", token=None):
        token = token or self.access_token()
        return self.post(
            "/v3/urlNotifications:publish",
            json={"url": url, "type": type},
            headers={"Authorization": f"Bearer {token}"},
        )

    def indexnow(self, urls=("https://jobs.example.com/jobs/1/",), **overrides):
        body = {"host": "jobs.example.com", "key": "jobwizard-dev-indexnow-key"}
        body["urlList"] = list(urls)
        return self.post("/indexnow", json={**body, **overrides})


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(header=None, **claims) -> str:
    """A JWT shaped as google-auth makes it (signature not checked by the emulator)."""
    now = int(time.time())
    payload = {
        "iss": "indexing@jobwizard-local.iam.gserviceaccount.com",
        "aud": "https://oauth2.googleapis.com/token",
        "scope": INDEXING_SCOPE,
        "iat": now,
        "exp": now + 3600,
    }
    payload.update(claims)
    payload = {key: value for key, value in payload.items() if value is not None}
    return f"{_b64(header or {'alg': 'RS256', 'typ': 'JWT'})}.{_b64(payload)}.c2lnbmF0dXJl"


@pytest.fixture
def emulator(fakeproviders_server):
    fakeproviders_server.reset()
    client = Emulator(fakeproviders_server)
    yield client
    client.session.close()
