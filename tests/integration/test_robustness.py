"""Production robustness (issue 10): thread-safe reloads, plain-text emails, the 503/404/500
pages, private wizard pages, and a deployment that `check --deploy` finds nothing in."""

import os
import secrets
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.db.utils import InterfaceError, OperationalError
from django.test import Client
from django.utils import timezone

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from wizard.effects.email import UNPROVEN_ADDRESS, Email, compose, queue_email
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- 1. Reloading a posting is thread-safe -----------------------------------------------
#
# django-fsm's refresh_from_db() switches `status`'s protection off on the field, which all
# threads share, reloads, and switches it on again. A thread that looks while another is
# between the two sees it off, and its own reload then writes `status` after the other has
# switched it back on: "Direct status modification is not allowed". `another_thread_reloading`
# pins down that interleaving; the views must not call refresh_from_db() at all.


@pytest.fixture
def another_thread_reloading():
    with mock.patch.object(JobPosting, "_get_protected_fsm_fields", return_value=set()):
        yield


@pytest.fixture
def in_review(client, fakestripe, run_tasks):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW
    mail.outbox.clear()
    return posting


def test_the_interleaving_breaks_django_fsms_own_reload(another_thread_reloading):
    posting = posting_at(Status.PAID)
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        posting.refresh_from_db()


def test_resending_the_confirmation_is_safe_while_another_thread_reloads(client, in_review):
    with mock.patch.object(JobPosting, "_get_protected_fsm_fields", return_value=set()):
        response = client.post(
            f"/post/{in_review.pk}/confirmation/", {"contact_email": "new@acme.example"}
        )
    assert response.status_code == 200
    assert b"We are sending it" in response.content or b"You can ask again" in response.content


def test_withdrawing_is_safe_while_another_thread_reloads(client, in_review):
    with mock.patch.object(JobPosting, "_get_protected_fsm_fields", return_value=set()):
        response = client.post(f"/post/{in_review.pk}/confirmation/", {"withdraw": "confirmed"})
    assert response.status_code == 200
    assert JobPosting.objects.get(pk=in_review.pk).status == Status.REFUNDED


def test_an_htmx_step_is_safe_while_another_thread_reloads(client, another_thread_reloading):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.post(step_url("details", posting), VALID_DETAILS, **HTMX)
    assert response.status_code == 200
    assert JobPosting.objects.get(pk=posting.pk).title == VALID_DETAILS["title"]


def test_asking_for_a_link_is_safe_while_another_thread_reloads(client, another_thread_reloading):
    posting = posting_at("logo_ready")
    own(client, posting)
    data = {"finish_later_link": "1", "contact_email": "a@b.example"}
    response = client.post(step_url("details", posting), data)
    assert response.status_code == 200
    assert b"We emailed a link to a@b.example" in response.content


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_never_answer_500(client, fakestripe, run_tasks):
    """The race itself: ten browsers resend and ask to withdraw at once (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; CI runs this with DATABASE_URL set")
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    cookies = client.cookies
    barrier = threading.Barrier(10)
    statuses, errors = [], []

    def resend_and_withdraw(index):
        browser = Client(raise_request_exception=True)
        browser.cookies = cookies
        try:
            barrier.wait()
            for _ in range(5):
                data = {"withdraw": "ask"} if index % 2 else {"contact_email": "a@acme.example"}
                statuses.append(browser.post(f"/post/{posting.pk}/confirmation/", data).status_code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resend_and_withdraw, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert statuses == [200] * 50


# --- 2. Emails are plain text, not HTML ------------------------------------------------

TITLE = "R&D Lead - O'Reilly"
COMPANY = 'O\'Reilly & "Sons" <Ltd>'


@pytest.mark.parametrize("email", list(Email))
def test_every_email_keeps_the_title_and_company_as_typed(email):
    now = timezone.now()
    posting = posting_at(
        Status.PUBLISHED,
        title=TITLE,
        company_name=COMPANY,
        slug="rd-lead",
        rejection_reason="Salary & location <missing>",
        finish_later_nonce="n" * 22,
        paid_at=now,
        published_at=now,
        expires_at=now + timedelta(days=2),
    )
    with transaction.atomic():
        effect = queue_email(posting, email)
    message = compose(effect)
    if email in UNPROVEN_ADDRESS:  # relays no typed text at all (test_finish_later_relay.py)
        assert TITLE not in message.subject + message.body
    else:
        assert TITLE in message.subject
        assert TITLE in message.body
    if email in (Email.CONFIRMATION, Email.APPROVED):
        assert COMPANY in message.body
    if email == Email.REJECTED:
        assert "Salary & location <missing>" in message.body
    for escaped in ("&amp;", "&#x27;", "&quot;", "&lt;", "&gt;"):
        assert escaped not in message.subject
        assert escaped not in message.body


# --- 3. The error pages ----------------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_lost_database_connection_gets_the_503_page(client, error):
    failing = mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=error("server closed the connection unexpectedly"),
    )
    with failing:
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"back in a moment" in response.content
    assert b"site-header" in response.content  # the site's own page


def test_a_lost_database_connection_in_a_step_gets_the_503_page(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    failing = mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("terminating connection due to administrator command"),
    )
    with failing:
        response = client.post(step_url("details", posting), VALID_DETAILS)
    assert response.status_code == 503
    assert b"back in a moment" in response.content


def test_a_lost_database_outside_the_view_gets_the_503_page_too(client):
    """The session saved after the view: Django's 500 handler sees the database error."""
    client.raise_request_exception = False
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save",
        side_effect=OperationalError("the database system is shutting down"),
    ):
        response = client.post("/post/")  # makes a draft and claims it in the session
    assert response.status_code == 503
    assert b"back in a moment" in response.content


def test_a_bug_gets_the_sites_500_page(client):
    client.raise_request_exception = False
    with mock.patch("wizard.flow.views.render", side_effect=RuntimeError("a bug")):
        response = client.get("/post/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"site-header" in response.content


def test_an_unknown_page_gets_the_sites_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"find that page" in response.content
    assert b"site-header" in response.content


def test_the_500_page_renders_without_a_request_or_a_database():
    from django.template import loader

    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=AssertionError("no DB")
    ):
        for name in ("500.html", "503.html"):
            assert "Jobwizard" in loader.get_template(name).render()


# --- 4. The wizard's pages are never stored ------------------------------------------------


def test_every_wizard_page_says_no_store(client, in_review):
    from wizard.postings.links import make_finish_later_token, manage_url

    draft = posting_at("logo_ready", finish_later_nonce="n" * 22)
    own(client, draft)
    urls = [
        "/post/",
        step_url("details", draft),
        step_url("confirmation", in_review),
        f"/post/{in_review.pk}/status/",
        f"/post/{in_review.pk}/payment/return/",
        f"/post/finish-later/{make_finish_later_token(draft)}/",
        manage_url(in_review).removeprefix("http://127.0.0.1:8000"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
    answered = client.post(step_url("details", draft), VALID_DETAILS, **HTMX)
    assert "no-store" in answered["Cache-Control"]


# --- 5. A production deployment ----------------------------------------------------------

# check --deploy connects to the database: Django 6.1's checks of a GeneratedField (the
# postings' search vector) ask PostgreSQL for its version. Any server that answers will do:
# the one the suite's PostgreSQL run uses.
CHECK_DATABASE_URL = os.environ.get(
    "CHECK_DEPLOY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def postgresql_answers():
    import psycopg

    try:
        psycopg.connect(CHECK_DATABASE_URL, connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


needs_a_postgresql_server = pytest.mark.skipif(
    not postgresql_answers(),
    reason=f"check --deploy asks PostgreSQL its version; none answers at {CHECK_DATABASE_URL}",
)

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "jobs.example",
    "SITE_URL": "https://jobs.example",
    "MAIL_BACKEND": "postmark",
    "ANYMAIL_POSTMARK_SERVER_TOKEN": "x",
    "ANYMAIL_WEBHOOK_SECRET": "a:b",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "BOT_CHECK_SECRET_KEY": "x",
    # Search engines told for real (the emulator is the default without them: W023).
    "GOOGLE_INDEXING_CREDENTIALS": "/etc/jobwizard/google-indexing.json",
    "INDEXNOW_KEY": "x" * 32,
    "SECURE_HSTS_PRELOAD": "true",  # opting in to the preload list is the deployer's call
    # State every machine shares (check --deploy reports local files and SQLite).
    "DATABASE_URL": CHECK_DATABASE_URL,
    "AWS_STORAGE_BUCKET_NAME": "jobwizard-logos",
    "CACHE_URL": "redis://cache.internal:6379/0",
}


def check_deploy(without=(), **overrides):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env = {**keep, **PRODUCTION, **overrides}
    for name in without:
        del env[name]
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_a_postgresql_server
def test_check_deploy_finds_nothing_in_a_production_configuration():
    result = check_deploy()
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNING" not in result.stderr


def test_check_deploy_refuses_logos_on_local_disk_and_warns_of_sqlite_and_mail_files():
    """Another machine's processes cannot see this one's disk (the orphan-logo sweeper runs
    on a worker), and SQLite is one file on one machine."""
    result = check_deploy(without=["AWS_STORAGE_BUCKET_NAME", "DATABASE_URL"], MAIL_BACKEND="file")
    assert result.returncode == 1
    assert "jobwizard.E001" in result.stderr
    assert "jobwizard.W002" in result.stderr and "jobwizard.W003" in result.stderr


@needs_a_postgresql_server
def test_check_deploy_warns_of_a_cache_on_one_machine():
    """The board's version is bumped by whichever process changes a posting (the expiry job
    runs in a worker): a cache on one machine would leave the others' pages stale."""
    for cache_url in [None, "file:///tmp/cache", "locmem://"]:
        result = (
            check_deploy(without=["CACHE_URL"])
            if cache_url is None
            else check_deploy(CACHE_URL=cache_url)
        )
        assert result.returncode == 0, result.stderr
        assert "jobwizard.W004" in result.stderr, cache_url
    assert "jobwizard.W004" not in check_deploy(CACHE_URL="rediss://cache:6380/1").stderr


@needs_a_postgresql_server
def test_https_settings_can_be_switched_off():
    result = check_deploy(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_the_https_settings_follow_site_url():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env = {**keep, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings"}
    run = [sys.executable, "-c", "import django; django.setup();" + code]
    https = subprocess.run(run, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert https.stdout.split() == ["True", "31536000", "True"], https.stderr
    plain = subprocess.run(
        run,
        cwd=PROJECT_ROOT,
        env={**env, "SITE_URL": "http://jobs.example"},
        capture_output=True,
        text=True,
    )
    assert plain.stdout.split() == ["False", "0", "True"], plain.stderr
