"""One mechanism for every limit (wizard.limits): a sliding window, refused uses not
counted, the caller's transaction undoing its uses, keys kept as hashes only, and exactly
the limit allowed under real concurrency (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from tests.integration.test_concurrency import run_at_once
from wizard import limits
from wizard.effects.email import Email
from wizard.jobs.models import Job
from wizard.limits import LimitKey, LimitUse
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def test_a_limit_allows_that_many_in_any_window_and_counts_no_refusal():
    now = timezone.now()
    minutes = [0, 10, 20, 30, 40]
    taken = [limits.take("t", "k", 3, HOUR, now=now + timedelta(minutes=m)) for m in minutes]
    assert taken == [True] * 3 + [False] * 2
    assert LimitUse.objects.count() == 3
    assert limits.take("t", "other", 3, HOUR, now=now)  # another key
    assert limits.take("u", "k", 3, HOUR, now=now)  # another limit
    # Sliding: each use leaves the window an hour after it, whatever the clock's hour.
    assert not limits.take("t", "k", 3, HOUR, now=now + HOUR - timedelta(seconds=1))
    assert limits.take("t", "k", 3, HOUR, now=now + HOUR)
    assert not limits.take("t", "k", 3, HOUR, now=now + HOUR + timedelta(minutes=9))
    assert limits.take("t", "k", 3, HOUR, now=now + HOUR + timedelta(minutes=10))


def test_the_callers_transaction_undoes_its_uses():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert limits.take("t", "k", 1, HOUR)
        raise RuntimeError("the work after the limit failed")
    assert limits.take("t", "k", 1, HOUR)
    assert not limits.take("t", "k", 1, HOUR)


def test_keys_are_stored_as_keyed_hashes_only():
    limits.take("t", "someone@example.com", 1, HOUR)
    (row,) = LimitKey.objects.all()
    assert "someone" not in row.key and row.key == limits.digest("t", "someone@example.com")
    with pytest.raises(ValueError):
        limits.take("t", "", 1, HOUR)


def test_pruning_forgets_what_no_longer_counts():
    now = timezone.now()
    limits.take("t", "old", 1, HOUR, now=now - 2 * HOUR)
    limits.take("t", "new", 1, HOUR, now=now)
    assert limits.prune_uses(now=now) == 1
    assert list(LimitKey.objects.values_list("key", flat=True)) == [limits.digest("t", "new")]
    assert limits.take("t", "old", 1, HOUR, now=now)


def test_every_limit_names_a_setting_with_a_safe_default():
    for limit in limits.LIMITS:
        assert isinstance(getattr(django_settings, limit.setting), int), limit
        # One visitor's limits are small; the site-wide SMS cap counts every visitor's.
        ceiling = 1000 if limit is limits.SMS_SITE_WIDE else 100
        assert 1 <= limit.limit <= ceiling, limit
    assert len({limit.name for limit in limits.LIMITS}) == len(limits.LIMITS)


# --- Under real concurrency ------------------------------------------------------------


@pytest.fixture
def postgresql(request):
    if connection.vendor != "postgresql":
        pytest.skip(
            "simultaneous requests need PostgreSQL's row locks (SQLite runs one writer at a "
            "time); run with DATABASE_URL=postgres://…"
        )


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_takes_get_exactly_the_limit(postgresql):
    results = run_at_once(10, lambda: limits.take("race", "k", 3, HOUR))
    assert sorted(results) == [False] * 7 + [True] * 3
    assert LimitUse.objects.count() == 3


def ask_for_link(client, posting, email):
    data = {**VALID_DETAILS, "finish_later_link": "1", "contact_email": email}
    response = client.post(step_url("details", posting), data)
    return any("We emailed a link to" in str(m) for m in response.wsgi_request._messages)


def link_effects():
    return Job.objects.filter(kind="email", name=Email.FINISH_LATER)


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_links_to_one_address_send_exactly_three(postgresql):
    browsers = []
    for n in range(10):
        client = Client(REMOTE_ADDR=f"81.2.69.{n + 1}")
        posting = posting_at("logo_ready")
        own(client, posting)
        browsers.append((client, posting))
    pending = iter(browsers)

    def one():
        client, posting = next(pending)
        return ask_for_link(client, posting, "stranger@victim.example")

    results = run_at_once(10, one)
    assert results.count(True) == 3 == django_settings.FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY
    assert link_effects().count() == 3
    assert JobPosting.objects.exclude(contact_email="").count() == 3


def one_browser(count):
    """`count` test clients sharing one browser session (one cookie), each with a draft."""
    first = Client()
    postings = [posting_at("logo_ready") for _ in range(count)]
    own(first, *postings)
    cookie = first.cookies[django_settings.SESSION_COOKIE_NAME].value
    clients = []
    for posting in postings:
        client = Client()
        client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
        clients.append((client, posting))
    return clients


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_links_from_one_browser_send_exactly_five(postgresql):
    pending = iter(enumerate(one_browser(10)))

    def one():
        n, (client, posting) = next(pending)
        return ask_for_link(client, posting, f"person{n}@acme.example")

    results = run_at_once(10, one)
    assert results.count(True) == 5 == django_settings.FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR
    assert link_effects().count() == 5


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_new_drafts_from_one_browser_get_exactly_the_limit(postgresql, settings):
    settings.DRAFTS_PER_SESSION_PER_HOUR = 4
    clients = [client for client, _ in one_browser(10)]
    JobPosting.objects.all().delete()
    pending = iter(clients)

    results = run_at_once(10, lambda: next(pending).post("/post/").status_code)
    assert sorted(results) == [302] * 4 + [429] * 6
    assert JobPosting.objects.count() == 4
