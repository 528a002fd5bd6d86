"""A Stripe outage never outlives the web server's timeout: one deadline per call
bounds every attempt and every wait, and the employer gets the friendly page."""

import runpy
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from gunicorn.config import Config

from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form, press_pay, session_id_from
from tests.integration.test_payment_faults import CREATE_SESSION, sessions_at_stripe
from wizard.models import JobPosting, Status
from wizard.payments.client import background, call
from wizard.payments.exceptions import PaymentProviderUnavailable

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SLACK = 1.5  # seconds allowed past the deadline: Python, the test client, the database


@pytest.fixture
def posting(client, fakestripe):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def pay_timed(client, posting):
    started = time.monotonic()
    response = client.post(f"/post/{posting.pk}/payment/", pay_form(posting))
    return response, time.monotonic() - started


def attempts_made(fakestripe, injected):
    left = sum(fault["count"] for fault in fakestripe.faults())
    return injected - left


def list_sessions(stripe_api):
    return stripe_api.v1.checkout.sessions.list(params={"limit": 1})


def test_a_silent_stripe_is_given_up_on_at_the_deadline_not_per_attempt(
    client, posting, fakestripe, settings
):
    """Each attempt may wait only for the time left: one 10 s attempt becomes 1.5 s."""
    settings.STRIPE_DEADLINE_SECONDS = 1.5
    settings.STRIPE_TIMEOUT_SECONDS = 10
    settings.STRIPE_MAX_NETWORK_RETRIES = 5
    fakestripe.inject_fault("timeout", count=2, method="POST", path=CREATE_SESSION, delay=2.5)

    response, elapsed = pay_timed(client, posting)

    assert elapsed < settings.STRIPE_DEADLINE_SECONDS + SLACK
    assert response.status_code == 503
    assert b"payment provider is unavailable" in response.content
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    assert attempts_made(fakestripe, 2) == 1  # too little time left for another

    settings.STRIPE_DEADLINE_SECONDS = 5  # time enough to wait out the second slow answer
    session_id = session_id_from(press_pay(client, posting))
    assert [s.id for s in sessions_at_stripe()] == [session_id]  # same key: same session


def test_retries_and_their_waits_all_fit_in_the_deadline(client, posting, fakestripe, settings):
    settings.STRIPE_DEADLINE_SECONDS = 2
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    settings.STRIPE_MAX_NETWORK_RETRIES = 10
    fakestripe.inject_fault("timeout", count=20, method="POST", path=CREATE_SESSION, delay=0.6)

    response, elapsed = pay_timed(client, posting)

    assert elapsed < settings.STRIPE_DEADLINE_SECONDS + SLACK
    assert response.status_code == 503
    assert b"You have not been charged" in response.content
    assert 2 <= attempts_made(fakestripe, 20) < 11  # retried, but the deadline stopped it
    time.sleep(0.8)  # let fakestripe finish the last delayed request


def test_rate_limits_are_retried_only_within_the_deadline(fakestripe, settings):
    settings.STRIPE_RATE_LIMIT_RETRIES = 20
    fakestripe.inject_fault("429", count=50, method="GET")
    started = time.monotonic()
    with pytest.raises(PaymentProviderUnavailable, match="deadline"):
        call(list_sessions, deadline=2)
    assert time.monotonic() - started < 2 + SLACK
    assert attempts_made(fakestripe, 50) >= 2


def test_background_calls_get_the_background_deadline(fakestripe, settings):
    settings.STRIPE_DEADLINE_SECONDS = 0.5
    settings.STRIPE_BACKGROUND_DEADLINE_SECONDS = 5
    settings.STRIPE_TIMEOUT_SECONDS = 10
    fakestripe.inject_fault("timeout", count=1, method="GET", delay=1.5)
    with background():
        assert call(list_sessions).data == []  # waited 1.5 s: longer than the web deadline

    fakestripe.inject_fault("timeout", count=1, method="GET", delay=1.5)
    started = time.monotonic()
    with pytest.raises(PaymentProviderUnavailable):
        call(list_sessions)  # outside: the web deadline
    assert time.monotonic() - started < 0.5 + SLACK
    time.sleep(1.2)


# --- configuration ---------------------------------------------------------------


def load_settings(monkeypatch, **environ):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


@pytest.mark.parametrize(
    "environ",
    [
        {"STRIPE_DEADLINE_SECONDS": "31"},
        {"STRIPE_DEADLINE_SECONDS": "30"},
        {"WEB_TIMEOUT_SECONDS": "10"},
        {"STRIPE_DEADLINE_SECONDS": "0"},
        {"STRIPE_BACKGROUND_DEADLINE_SECONDS": "0"},
    ],
)
def test_settings_refuse_a_stripe_deadline_the_web_server_would_cut_short(monkeypatch, environ):
    monkeypatch.delenv("STRIPE_DEADLINE_SECONDS", raising=False)
    monkeypatch.delenv("WEB_TIMEOUT_SECONDS", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DEADLINE_SECONDS"):
        load_settings(monkeypatch, **environ)


def test_the_default_settings_keep_the_stripe_deadline_well_inside_the_web_timeout(monkeypatch):
    monkeypatch.delenv("STRIPE_DEADLINE_SECONDS", raising=False)
    monkeypatch.delenv("WEB_TIMEOUT_SECONDS", raising=False)
    loaded = load_settings(monkeypatch)
    assert loaded["STRIPE_DEADLINE_SECONDS"] + 10 <= loaded["WEB_TIMEOUT_SECONDS"]
    assert loaded["STRIPE_BACKGROUND_DEADLINE_SECONDS"] > loaded["STRIPE_DEADLINE_SECONDS"]


@pytest.mark.parametrize("web_timeout", [None, "45"])
def test_gunicorn_kills_a_worker_only_well_after_the_stripe_deadline(monkeypatch, web_timeout):
    monkeypatch.delenv("STRIPE_DEADLINE_SECONDS", raising=False)
    if web_timeout is None:
        monkeypatch.delenv("WEB_TIMEOUT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("WEB_TIMEOUT_SECONDS", web_timeout)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    loaded = load_settings(monkeypatch)

    assert conf["timeout"] == loaded["WEB_TIMEOUT_SECONDS"]  # one variable, read by both
    assert conf["timeout"] > loaded["STRIPE_DEADLINE_SECONDS"]
    assert conf["graceful_timeout"] >= conf["timeout"]
    gunicorn = Config()
    for name in ("timeout", "graceful_timeout", "workers", "threads", "bind"):
        gunicorn.set(name, conf[name])  # gunicorn accepts every value
    assert gunicorn.workers >= 1 and gunicorn.threads >= 1


def test_gunicorn_workers_and_threads_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_WORKERS", "5")
    monkeypatch.setenv("WEB_THREADS", "3")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (conf["workers"], conf["threads"]) == (5, 3)
