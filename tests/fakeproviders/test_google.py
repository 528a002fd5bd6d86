import time

import pytest

from tests.fakeproviders.conftest import make_jwt

URL = "https://jobs.example.com/jobs/1/"


def test_jwt_bearer_grant_gives_an_access_token(emulator):
    response = emulator.google_token()
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]


def test_the_emulators_own_token_uri_is_an_accepted_audience(emulator):
    assert emulator.google_token(aud=emulator.url + "/token").status_code == 200


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"aud": "https://example.com/token"}, "invalid_grant"),
        ({"scope": "https://www.googleapis.com/auth/cloud-platform"}, "invalid_scope"),
        ({"iss": None}, "invalid_grant"),
        ({"exp": int(time.time()) - 4000, "iat": int(time.time()) - 7600}, "invalid_grant"),
        ({"exp": int(time.time()) + 7200}, "invalid_grant"),
        ({"header": {"alg": "none"}}, "invalid_grant"),
    ],
)
def test_bad_assertions_are_refused(emulator, claims, error):
    response = emulator.google_token(**claims)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_malformed_assertion_and_grant_type(emulator):
    jwt_bearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    for assertion in ("", "a.b", "x.y.z"):
        response = emulator.post("/token", data={"grant_type": jwt_bearer, "assertion": assertion})
        assert response.json()["error"] == "invalid_grant"
    response = emulator.post(
        "/token", data={"grant_type": "client_credentials", "assertion": make_jwt()}
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_publish_answers_with_url_notification_metadata(emulator):
    response = emulator.publish(URL, "URL_UPDATED")
    assert response.status_code == 200
    metadata = response.json()["urlNotificationMetadata"]
    assert metadata["url"] == URL
    assert metadata["latestUpdate"]["url"] == URL
    assert metadata["latestUpdate"]["type"] == "URL_UPDATED"
    assert metadata["latestUpdate"]["notifyTime"].endswith("Z")
    removed = emulator.publish(URL, "URL_DELETED").json()["urlNotificationMetadata"]
    assert removed["latestRemove"]["type"] == "URL_DELETED"
    assert removed["latestUpdate"] == metadata["latestUpdate"]
    publishes = [e for e in emulator.requests("google") if e["path"].startswith("/v3/")]
    assert publishes[0]["json"] == {"url": URL, "type": "URL_UPDATED"}


@pytest.mark.parametrize("token", ["", "ya29.not-issued-here"])
def test_publish_without_a_valid_token_is_401(emulator, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = emulator.post(
        "/v3/urlNotifications:publish", json={"url": URL, "type": "URL_UPDATED"}, headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"
    assert response.json()["error"]["code"] == 401


def test_tokens_expire_after_an_hour(emulator):
    token = emulator.access_token()
    emulator.advance_clock(3601)
    assert emulator.publish(URL, token=token).status_code == 401


@pytest.mark.parametrize(
    ("url", "kind"),
    [(URL, "URL_CHANGED"), (URL, None), ("not a url", "URL_UPDATED"), ("ftp://x/y", "URL_UPDATED")],
)
def test_bad_type_or_url_is_invalid_argument(emulator, url, kind):
    response = emulator.publish(url, kind)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert response.json()["error"]["code"] == 400


def test_daily_quota_then_resource_exhausted_until_the_next_day(emulator):
    emulator.configure(google_daily_quota=2)
    token = emulator.access_token()
    assert emulator.publish(URL, token=token).status_code == 200
    assert emulator.publish(URL, token=token).status_code == 200
    response = emulator.publish(URL, token=token)
    assert response.status_code == 429
    assert response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    emulator.advance_clock(86400)
    assert emulator.publish(URL).status_code == 200


def test_default_quota_is_200(emulator):
    assert emulator.configure()["google_daily_quota"] == 200
