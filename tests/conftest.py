import os
from io import BytesIO
from unittest import mock

import pytest
import stripe
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from tests.fakestripe_process import FakeStripeProcess

pytest_plugins = ["tests.fakeproviders_fixtures"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls
# from that thread are safe here because each test owns its database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WEBHOOK_SECRET = "whsec_jobwizard_tests"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last (after pytest-django's own ordering): once Playwright's session
    has started its event loop in this thread, Django's test client refuses to call an
    async view (the health check) through async_to_sync."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """Hash test passwords with MD5: the production hasher's slowness is on purpose, and
    costs a fraction of a second for each staff user a test makes or logs in."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def process_cache():
    """Tests cache in this process's memory (the live server's threads share it), never in
    the CACHE_URL of the machine: clearing it must not touch anyone else's."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def extra_step():
    """JOBWIZARD_TEST_EXTRA_STEP=1 runs the whole suite with a step added to the flow
    (tests/extension): no existing test should notice."""
    if not os.environ.get("JOBWIZARD_TEST_EXTRA_STEP"):
        yield None
        return
    from tests.extension.switch import company_step_on

    with company_step_on() as step:
        yield step


@pytest.fixture
def company_step(extra_step):
    """The company step of tests/extension, switched on for one test (already on for the
    whole run with JOBWIZARD_TEST_EXTRA_STEP=1)."""
    if extra_step is not None:
        yield extra_step
        return
    from tests.extension.switch import company_step_on

    with company_step_on() as step:
        yield step


@pytest.fixture(autouse=True)
def empty_cache(process_cache):
    """Every test starts with an empty cache, as its database starts empty: a page cached
    by one test must not be served to the next (the database rolls back, the cache not)."""
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()


DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def no_plans_without_a_database(request, monkeypatch):
    """A test without the database has no plans (plans are rows): its board sells the
    settings' standard listing, and the flow's steps answer without asking the database."""
    if request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(
        request.fixturenames
    ):
        return
    from wizard.postings import plans

    monkeypatch.setattr(plans, "active_plans", list)


@pytest.fixture(scope="session")
def fakestripe_server():
    server = FakeStripeProcess(webhook_secret=WEBHOOK_SECRET, webhook_retry_delays=(0.1, 0.2, 0.4))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fakestripe(fakestripe_server, fakeproviders, settings):
    """A clean fakestripe, with the app's settings pointing at it; webhooks go nowhere."""
    fakestripe_server.reset()
    fakestripe_server.configure(webhook_url=None, webhook_secret=WEBHOOK_SECRET)
    settings.STRIPE_SECRET_KEY = "sk_test_jobwizard_tests"
    settings.STRIPE_API_BASE = fakestripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return fakestripe_server


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_tasks():
    """Run every queued task to completion, as `manage.py db_worker` would."""

    def run():
        # The worker closes "old" connections between tasks; inside a test's
        # transaction that would close the test's own connection.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)

    return run


def image_bytes(fmt="PNG", size=(64, 48), color=(20, 80, 200)):
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


VALID_DETAILS = {
    "company_name": "Acme Corp",
    "title": "Senior Django Engineer",
    "workplace": "hybrid",
    "city": "Berlin",
    "region": "",
    "country": "DE",
    "employment_type": "full_time",
    "salary_min": "70000",
    "salary_max": "90000",
    "salary_currency": "eur",
    "description": "Build reliable things with Django.",
    "apply_url": "https://acme.example/jobs/42",
    "apply_email": "",
    "contact_email": "hiring@acme.example",
}


def stripe_api():
    """The tests' own Stripe client, pointed where the app's settings point (fakestripe)."""
    from django.conf import settings

    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def step_url(name, posting):
    return reverse(f"wizard:{name}", args=[posting.pk])


def step_counter(name, posting):
    """The progress indicator's "Step N of M" for a step, numbered by the flow (tests
    never spell out a step's position)."""
    from wizard.flow.order import FLOW

    return f"Step {FLOW.number(FLOW[name], posting)} of {FLOW.count(posting)}"


def step_after(name, posting):
    """The name of the applicable step that follows step `name` in the flow."""
    from wizard.flow.order import FLOW

    steps = FLOW.applicable(posting)
    return steps[steps.index(FLOW[name]) + 1].name


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """Give SQLite test runs a file database, so the live server, the task worker
    and the test each use their own connection, as they do on PostgreSQL."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )
