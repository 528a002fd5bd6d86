"""Behind the documented proxy (deploy/nginx.conf: one nginx appending to X-Forwarded-For,
TRUSTED_PROXY_COUNT=1), every per-address decision is about the visitor, not the proxy:
login lockouts, the bot check's remoteip, the limits and the request's log line."""

import io
import json
import logging
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.flow import botcheck
from wizard.ops import logs
from wizard.providers.siteverify import field_name

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ALICE = "81.2.69.142"
BOB = "81.2.69.160"
PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def through_proxy(visitor, sent=None):
    """A browser whose requests pass nginx: it connects to the app, and appends the address
    it received the request from to whatever X-Forwarded-For the visitor sent."""
    forwarded = f"{sent}, {visitor}" if sent else visitor
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.fixture
def staff():
    return User.objects.create_superuser("boss", "boss@example.com", PASSWORD)


def log_in(client, password):
    return client.post(LOGIN, {"username": "boss", "password": password}).status_code


def test_five_wrong_passwords_from_one_visitor_lock_out_only_that_visitor(staff):
    alice = through_proxy(ALICE)
    assert [log_in(alice, "wrong") for _ in range(5)] == [200] * 4 + [429]
    assert log_in(alice, PASSWORD) == 429
    # Another visitor through the same proxy signs in: the proxy's address is not locked.
    assert log_in(through_proxy(BOB), PASSWORD) == 302
    # Alice cannot get out of her lockout by writing another address herself.
    assert log_in(through_proxy(ALICE, sent=BOB), PASSWORD) == 429


def test_without_a_trusted_proxy_a_made_up_forwarded_for_changes_nothing(staff, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        log_in(Client(REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "wrong")
        for n in range(5)
    ]
    assert statuses == [200] * 4 + [429]
    assert log_in(Client(REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=BOB), PASSWORD) == 429


def test_the_bot_check_is_told_the_visitors_address():
    request = RequestFactory().post(
        "/", {field_name(): "token"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {ALICE}"
    )
    verdict = mock.Mock(success=True)
    with (
        mock.patch.object(botcheck.siteverify, "verify", return_value=verdict) as verify,
        mock.patch.object(botcheck, "solved_here", return_value=True),  # not this test's
    ):
        botcheck.verify(request)
    verify.assert_called_once_with("token", ALICE)


def ask_for_link(client, email):
    posting = posting_at("logo_ready")
    own(client, posting)
    data = {**VALID_DETAILS, "finish_later_link": "1", "contact_email": email}
    response = client.post(step_url("details", posting), data)
    return any("We emailed a link to" in str(m) for m in response.wsgi_request._messages)


def test_strangers_behind_the_proxy_do_not_use_up_each_others_links(settings):
    settings.FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR = 2
    # Each stranger asks from new browser sessions; only their own address limits them.
    for n, visitor in enumerate([f"81.2.69.{n}" for n in range(1, 6)]):
        asked = [ask_for_link(through_proxy(visitor), f"v{n}-{i}@acme.example") for i in range(3)]
        assert asked == [True, True, False], visitor
    assert ask_for_link(through_proxy(ALICE), "honest@acme.example")


def test_drafts_are_limited_per_visitor_not_per_proxy(settings):
    settings.DRAFTS_PER_CLIENT_PER_HOUR = 2
    statuses = [through_proxy(ALICE).post("/post/").status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert through_proxy(BOB).post("/post/").status_code == 302


def test_the_request_log_line_names_the_visitors_address(settings):
    settings.LOG_REQUESTS = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger("wizard.request")
    logger.addHandler(handler)
    try:
        through_proxy(ALICE, sent="6.6.6.6").get("/")
    finally:
        logger.removeHandler(handler)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["client"] == ALICE and line["status"] == 200
