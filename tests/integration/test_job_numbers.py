"""Views of a job page and clicks on its Apply link (issue 20, item 7): counted in the
cache on every answer a person gets (200, from the board's cache or not, and the 304 of a
revalidation), never for robots, then flushed into DailyNumbers exactly once."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db import DatabaseError
from django.test import override_settings
from django.urls import reverse

from config.settings import cache_from_url
from tests.hung_server import stopped_url
from tests.integration.test_board import job_url, publish
from wizard.board import counts
from wizard.board.flush import flush_numbers
from wizard.models import JobPosting, Status
from wizard.postings.numbers import DailyNumbers

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def numbers_of(posting):
    """(views, apply clicks) of the posting today, as flushed to the database."""
    row = DailyNumbers.objects.filter(posting=posting, day=datetime.now(UTC).date()).first()
    return (row.views, row.apply_clicks) if row else (0, 0)


def apply_url(posting, **query):
    url = reverse("wizard:apply", args=[posting.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- Views ------------------------------------------------------------------------------


def test_a_view_counts_rendered_from_the_cache_and_revalidated(client):
    posting = publish()
    rendered = client.get(job_url(posting), **BROWSER)
    cached = client.get(job_url(posting), **BROWSER)
    revalidated = client.get(job_url(posting), HTTP_IF_NONE_MATCH=cached["ETag"], **BROWSER)

    assert (rendered["X-Board-Cache"], cached["X-Board-Cache"]) == ("miss", "hit")
    assert revalidated.status_code == 304
    assert numbers_of(posting) == (0, 0)  # counted in the cache, not yet in the database
    assert flush_numbers() == "3 views and 0 apply clicks added to 1 postings' days"
    assert numbers_of(posting) == (3, 0)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; bingbot/2.0)"},
        {"HTTP_USER_AGENT": "AhrefsCrawler/1.0"},
        {"HTTP_USER_AGENT": "Baiduspider"},
        {},  # no User-Agent: no browser
        {**BROWSER, "HTTP_SEC_PURPOSE": "prefetch"},
    ],
    ids=["googlebot", "bingbot", "crawler", "spider", "no-agent", "prefetch"],
)
def test_robots_and_prefetches_are_not_counted(client, headers):
    posting = publish()
    assert client.get(job_url(posting), **headers).status_code == 200
    flush_numbers()
    assert numbers_of(posting) == (0, 0)


def test_head_requests_are_not_counted(client):
    posting = publish()
    assert client.head(job_url(posting), **BROWSER).status_code == 200
    flush_numbers()
    assert numbers_of(posting) == (0, 0)


def test_a_304_counts_only_for_the_pages_own_etag(client):
    """If-None-Match: * and a bare If-Modified-Since get a 304 for any slug, made-up ones
    too: they must not count (nor fill the cache with counters)."""
    posting = publish()
    star = client.get(job_url(posting), HTTP_IF_NONE_MATCH="*", **BROWSER)
    since = client.get(
        job_url(posting), HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT", **BROWSER
    )
    made_up = client.get("/jobs/no-such-job/", HTTP_IF_NONE_MATCH="*", **BROWSER)

    assert [star.status_code, since.status_code, made_up.status_code] == [304, 304, 304]
    counts.tally.push()
    assert caches["default"].get(counts.key(counts.VIEWS, counts.today(), "no-such-job")) is None
    flush_numbers()
    assert numbers_of(posting) == (0, 0)


def test_a_missing_or_unpublished_job_is_not_counted(client):
    posting = publish(status=Status.IN_REVIEW)
    assert client.get(job_url(posting), **BROWSER).status_code == 404
    assert client.get("/jobs/no-such-job/", **BROWSER).status_code == 404
    assert flush_numbers() == "Nothing counted since the last run"


# --- The flush --------------------------------------------------------------------------


def test_the_flush_moves_counts_once(client):
    posting, other = publish(), publish("Another job")
    for _ in range(3):
        client.get(job_url(posting), **BROWSER)
    client.get(job_url(other), **BROWSER)
    client.get(apply_url(posting), **BROWSER)

    flush_numbers()
    assert numbers_of(posting) == (3, 1) and numbers_of(other) == (1, 0)
    assert flush_numbers() == "Nothing counted since the last run"
    assert numbers_of(posting) == (3, 1) and numbers_of(other) == (1, 0)

    client.get(job_url(posting), **BROWSER)  # the next run adds to the day's row
    flush_numbers()
    assert numbers_of(posting) == (4, 1)
    assert DailyNumbers.objects.filter(posting=posting).count() == 1


@pytest.mark.parametrize("days_ago, flushed", [(1, True), (2, True), (3, False)])
def test_each_count_goes_to_its_day_for_three_days(client, days_ago, flushed):
    """A scheduler stopped for two days loses nothing; older counters are not read."""
    posting = publish()
    then = datetime.now(UTC) - timedelta(days=days_ago)
    with mock.patch("wizard.board.counts.datetime", wraps=datetime) as clock:
        clock.now.return_value = then
        client.get(job_url(posting), **BROWSER)
    flush_numbers()
    found = list(DailyNumbers.objects.filter(posting=posting).values_list("day", "views"))
    assert found == ([(then.date(), 1)] if flushed else [])


def test_counts_of_a_job_that_just_left_the_board_are_kept(client):
    posting = publish()
    client.get(job_url(posting), **BROWSER)
    JobPosting.objects.filter(pk=posting.pk).update(status=Status.EXPIRED)
    flush_numbers()
    assert numbers_of(posting) == (1, 0)


def test_a_write_the_database_refuses_gives_the_counts_back(client):
    posting = publish()
    client.get(job_url(posting), **BROWSER)
    with (
        mock.patch("wizard.board.flush.upsert", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        flush_numbers()
    assert numbers_of(posting) == (0, 0)
    flush_numbers()
    assert numbers_of(posting) == (1, 0)


def test_two_takes_of_the_same_reading_take_it_once():
    """Two flushes read 5 at once; one takes 5, the other gets nothing and leaves the
    counter as it found it, views counted between the reading and the taking included."""
    cache = caches["default"]
    counter = counts.key(counts.VIEWS, counts.today(), "a-job")
    cache.set(counter, 5)
    assert counts._take_one(cache, counter, 5) == 5
    cache.incr(counter, 2)  # two views after the first flush took its part
    assert counts._take_one(cache, counter, 5) == 2  # read 5 before; only 2 are there
    assert cache.get(counter) == 0
    assert counts._take_one(cache, counter, 5) == 0
    assert cache.get(counter) == 0


# --- The cache down ---------------------------------------------------------------------


def test_a_cache_that_is_down_costs_neither_the_page_nor_the_counts(client, caplog):
    """Redis refuses connections: the page and the redirect are served, Redis is skipped
    (wizard.ops.redis_cache), and the process keeps its counts until Redis answers."""
    posting = publish(apply_url="https://acme.example/jobs/42")
    counts.tally.push()  # nothing of other tests' in the tally
    with override_settings(CACHES={"default": cache_from_url(stopped_url())}):
        page = client.get(job_url(posting), **BROWSER)
        applied = client.get(apply_url(posting), **BROWSER)
        client.get(job_url(posting), **BROWSER)
        with pytest.raises(redis.ConnectionError):
            flush_numbers()  # it fails, and runs again next interval
    assert page.status_code == 200 and posting.title in page.text
    assert (applied.status_code, applied["Location"]) == (302, "https://acme.example/jobs/42")
    assert "lost" not in caplog.text
    # Redis is back: what the process kept gets there.
    flush_numbers()
    assert numbers_of(posting) == (2, 1)


def test_an_increment_that_may_have_been_applied_is_not_sent_again(client, caplog):
    """A timeout may come after Redis applied the increment: its counts are dropped (a
    loss, never a double count); the counts not yet sent are kept."""
    posting = publish(apply_url="https://acme.example/jobs/42")
    counts.tally.push()
    client.get(job_url(posting), **BROWSER)
    client.get(apply_url(posting), **BROWSER)
    with mock.patch("wizard.board.counts._add", side_effect=redis.TimeoutError("Timeout")):
        assert counts.tally.push() is False
    clicks = counts.key(counts.APPLY_CLICKS, counts.today(), posting.slug)
    assert f"{clicks} lost 1 counts; 1 counters kept for later" in caplog.text
    flush_numbers()
    assert numbers_of(posting) == (1, 0)


def test_views_reach_the_cache_without_a_flush(client, settings):
    """The timer pushes a process's tally within JOB_NUMBERS_PUSH_SECONDS by itself."""
    counts.tally.push()  # nothing left, no timer, from other tests
    settings.JOB_NUMBERS_PUSH_SECONDS = 0.01
    posting = publish()
    counter = counts.key(counts.VIEWS, counts.today(), posting.slug)
    client.get(job_url(posting), **BROWSER)
    timer = counts.tally._timer
    assert timer is not None
    timer.join(timeout=10)
    assert caches["default"].get(counter) == 1


EXITING = """
import django
django.setup()
from wizard.board import counts
counts.count(counts.VIEWS, "a-job")
counts.count(counts.VIEWS, "a-job")
"""


def test_a_process_that_exits_pushes_its_tally(tmp_path):
    """A web process stopped with SIGTERM or SIGHUP exits normally: its tally reaches the
    cache before it goes (atexit), though the timer had not fired yet."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CACHE_URL": f"file://{tmp_path}",
        "JOB_NUMBERS_PUSH_SECONDS": "3600",
    }
    subprocess.run([sys.executable, "-c", EXITING], env=env, check=True, timeout=60)
    cache = FileBasedCache(str(tmp_path), {})
    assert cache.get(counts.key(counts.VIEWS, counts.today(), "a-job")) == 2


# --- Apply ------------------------------------------------------------------------------


def test_apply_counts_a_click_and_redirects_to_the_postings_own_url(client):
    posting = publish(apply_url="https://acme.example/jobs/42", apply_email="jobs@acme.example")
    response = client.get(apply_url(posting), **BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "https://acme.example/jobs/42"
    assert "no-store" in response["Cache-Control"]

    by_email = client.get(apply_url(posting, by="email"), **BROWSER)
    assert by_email["Location"] == "mailto:jobs@acme.example?subject=Senior%20Django%20Engineer"
    flush_numbers()
    assert numbers_of(posting) == (0, 2)


def test_apply_by_email_when_there_is_no_url(client):
    posting = publish("C++ & Rust", apply_url="", apply_email="jobs+web@acme.example")
    response = client.get(apply_url(posting), **BROWSER)
    assert response["Location"] == "mailto:jobs%2Bweb@acme.example?subject=C%2B%2B%20%26%20Rust"


def test_apply_goes_nowhere_but_the_postings_own_address(client):
    posting = publish(apply_url="https://acme.example/jobs/42", apply_email="")
    for query in ({"next": "https://evil.example/"}, {"url": "https://evil.example/"}):
        response = client.get(apply_url(posting, **query), **BROWSER)
        assert response["Location"] == "https://acme.example/jobs/42"
    # Asked for an email it does not have: its URL.
    assert client.get(apply_url(posting, by="email"))["Location"] == "https://acme.example/jobs/42"


def test_apply_never_sends_a_browser_to_a_script(client):
    """A URL stored past the validators (a bulk write, a shell) is refused, not followed."""
    posting = publish(apply_url="https://acme.example/jobs/42")
    JobPosting.objects.filter(pk=posting.pk).update(apply_url="javascript:alert(1)")
    response = client.get(apply_url(posting), **BROWSER)
    assert response.status_code == 400
    assert "Location" not in response


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.EXPIRED, Status.REJECTED])
def test_apply_to_a_job_not_on_the_board_is_a_404(client, status):
    posting = publish(status=status, apply_url="https://acme.example/jobs/42")
    assert client.get(apply_url(posting), **BROWSER).status_code == 404
    assert client.get("/jobs/no-such-job/apply/", **BROWSER).status_code == 404
    assert flush_numbers() == "Nothing counted since the last run"


def test_a_robot_following_apply_is_sent_on_but_not_counted(client):
    posting = publish(apply_url="https://acme.example/jobs/42")
    response = client.get(apply_url(posting), HTTP_USER_AGENT="Googlebot/2.1")
    assert response["Location"] == "https://acme.example/jobs/42"
    assert flush_numbers() == "Nothing counted since the last run"
