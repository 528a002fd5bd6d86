import pytest

from wizard.providers import indexnow
from wizard.providers.errors import ProviderRefused, ProviderUnavailable

URLS = ["https://jobs.example.com/jobs/1/", "https://jobs.example.com/jobs/2/"]


def test_submit_sends_host_key_and_urls(fakeproviders):
    indexnow.submit(URLS)  # 202 the first time
    indexnow.submit(URLS[:1])  # 200 afterwards
    [first, second] = fakeproviders.requests("indexnow")
    assert first["json"] == {
        "host": "jobs.example.com",
        "key": "jobwizard-dev-indexnow-key",
        "urlList": URLS,
    }
    assert (first["status"], second["status"]) == (202, 200)


def test_urls_are_grouped_by_host(fakeproviders):
    indexnow.submit([URLS[0], "http://127.0.0.1:8000/jobs/3/", URLS[1]])
    hosts = [(e["json"]["host"], e["json"]["urlList"]) for e in fakeproviders.requests()]
    assert hosts == [
        ("jobs.example.com", URLS),
        ("127.0.0.1:8000", ["http://127.0.0.1:8000/jobs/3/"]),
    ]


def test_nothing_to_submit_sends_nothing(fakeproviders):
    indexnow.submit([])
    assert fakeproviders.requests() == []


def test_a_wrong_key_is_refused(settings, fakeproviders):
    settings.INDEXNOW_KEY = "not-the-key"
    with pytest.raises(ProviderRefused) as caught:
        indexnow.submit(URLS)
    assert caught.value.status == 403


def test_rate_limited_is_unavailable(fakeproviders):
    fakeproviders.configure(indexnow_rate_limit=1)
    indexnow.submit(URLS)
    with pytest.raises(ProviderUnavailable) as caught:
        indexnow.submit(URLS)
    assert caught.value.status == 429


@pytest.mark.parametrize("kind", ["500", "429", "lost_response"])
def test_provider_failures_are_unavailable(fakeproviders, kind):
    fakeproviders.add_fault(kind, path="indexnow")
    with pytest.raises(ProviderUnavailable):
        indexnow.submit(URLS)


def test_timeout_is_unavailable(slow_provider):
    slow_provider("indexnow")
    with pytest.raises(ProviderUnavailable, match="no answer in time"):
        indexnow.submit(URLS)
