import json

import pytest

from wizard.providers import google_indexing
from wizard.providers.errors import ProviderRefused, ProviderUnavailable

URL = "https://jobs.example.com/jobs/1/"


def _paths(fakeproviders):
    return [(entry["path"], entry["status"]) for entry in fakeproviders.requests("google")]


def test_publish_gets_a_token_once_and_returns_the_metadata(fakeproviders):
    metadata = google_indexing.publish(URL, "URL_UPDATED")
    assert metadata["url"] == URL
    assert metadata["latestUpdate"]["type"] == "URL_UPDATED"
    removed = google_indexing.publish(URL, google_indexing.URL_DELETED)
    assert removed["latestRemove"]["type"] == "URL_DELETED"
    assert _paths(fakeproviders).count(("/token", 200)) == 1
    assert _paths(fakeproviders).count(("/v3/urlNotifications:publish", 200)) == 2
    assert fakeproviders.requests("google")[-1]["json"] == {"url": URL, "type": "URL_DELETED"}


def test_a_revoked_token_is_replaced_once(fakeproviders):
    google_indexing.publish(URL)
    fakeproviders.reset()  # forgets the tokens it issued
    assert google_indexing.publish(URL)["url"] == URL
    assert _paths(fakeproviders) == [
        ("/v3/urlNotifications:publish", 401),
        ("/token", 200),
        ("/v3/urlNotifications:publish", 200),
    ]


@pytest.mark.parametrize(("url", "kind"), [(URL, "URL_CHANGED"), ("not a url", "URL_UPDATED")])
def test_invalid_argument_is_refused(fakeproviders, url, kind):
    with pytest.raises(ProviderRefused, match="INVALID_ARGUMENT") as caught:
        google_indexing.publish(url, kind)
    assert caught.value.status == 400


def test_quota_exhausted_is_unavailable(fakeproviders):
    fakeproviders.configure(google_daily_quota=1)
    google_indexing.publish(URL)
    with pytest.raises(ProviderUnavailable, match="RESOURCE_EXHAUSTED") as caught:
        google_indexing.publish(URL)
    assert caught.value.status == 429


@pytest.mark.parametrize("kind", ["500", "429", "lost_response"])
def test_publish_failures_are_unavailable(fakeproviders, kind):
    google_indexing.publish(URL)  # a token is cached
    fakeproviders.add_fault(kind, path="urlNotifications")
    with pytest.raises(ProviderUnavailable):
        google_indexing.publish(URL)


@pytest.mark.parametrize("kind", ["lost_response", "timeout"])
def test_token_endpoint_failures_are_unavailable(settings, fakeproviders, kind):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3
    fakeproviders.reset()  # no valid token cached in the emulator
    fakeproviders.add_fault(kind, path="^/token$", delay=3 if kind == "timeout" else None)
    with pytest.raises(ProviderUnavailable):
        google_indexing.publish(URL)


def test_token_endpoint_down_is_unavailable_after_google_auths_own_retries(fakeproviders):
    google_indexing.publish(URL)  # caches a token
    fakeproviders.reset()  # the emulator forgets it: the next publish must refresh
    # google-auth tries the token endpoint three times (about 3 s of backoff) on 5xx/429.
    fakeproviders.add_fault("500", count=3, path="^/token$")
    with pytest.raises(ProviderUnavailable, match="token"):
        google_indexing.publish(URL)
    assert [entry["status"] for entry in fakeproviders.requests("google")] == [401, 500, 500, 500]


def test_publish_timeout_is_unavailable(slow_provider):
    google_indexing.publish(URL)
    slow_provider("urlNotifications")
    with pytest.raises(ProviderUnavailable, match="no answer in time"):
        google_indexing.publish(URL)


def test_a_service_account_file(settings, fakeproviders, tmp_path):
    info = google_indexing._throwaway_service_account(fakeproviders.url + "/token")
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(info))
    settings.GOOGLE_INDEXING_CREDENTIALS = str(path)
    assert google_indexing.publish(URL)["url"] == URL
    settings.GOOGLE_INDEXING_CREDENTIALS = str(tmp_path / "missing.json")
    with pytest.raises(ProviderRefused, match="GOOGLE_INDEXING_CREDENTIALS"):
        google_indexing.publish(URL)
