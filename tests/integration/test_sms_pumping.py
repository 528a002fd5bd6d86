"""SMS pumping (issue 17, item 1): the phone step texts only plain mobile numbers of
allowed countries, only after the bot check, and only within its caps (per draft, browser
session, client address and site-wide); /metrics counts the SMS of the last hour."""

import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.conftest import step_url
from tests.factories import own, posting_at
from tests.integration.test_concurrency import run_at_once
from wizard import limits
from wizard.models import JobPosting
from wizard.providers.siteverify import field_name, fresh_test_token

pytestmark = pytest.mark.django_db

NUMBERS = [f"+1415555{n:04d}" for n in range(100, 120)]  # valid US numbers, 20 of them


@pytest.fixture
def phone_on(settings, fakeproviders):
    settings.PHONE_VERIFICATION_ENABLED = True
    settings.PHONE_CODE_RESEND_SECONDS = 0
    return settings


def draft(client):
    posting = posting_at("details_ready")
    own(client, posting)
    return posting


def send(client, posting, number, token=True):
    form = {"phone": number, "send": "1"}
    if token:
        form[field_name()] = fresh_test_token()
    return client.post(step_url("phone", posting), form)


def sent(fakeproviders):
    return len(fakeproviders.sms())


def test_one_draft_texts_at_most_three_numbers(client, phone_on, fakeproviders):
    phone_on.PHONE_SMS_PER_SESSION_PER_HOUR = phone_on.PHONE_SMS_PER_CLIENT_PER_HOUR = 100
    posting = draft(client)
    statuses = [send(client, posting, number).status_code for number in NUMBERS[:15]]
    assert statuses == [302] * 3 + [422] * 12
    assert sent(fakeproviders) == 3
    page = send(client, posting, NUMBERS[15])
    assert b"3 different numbers already" in page.content
    # The numbers already texted may still be sent a new code.
    assert send(client, posting, NUMBERS[0]).status_code == 302
    assert sent(fakeproviders) == 4


def test_a_browser_over_several_drafts_is_capped(client, phone_on, fakeproviders):
    phone_on.PHONE_SMS_PER_CLIENT_PER_HOUR = 100  # the session's cap, not the address's
    postings = [draft(client) for _ in range(4)]
    statuses = [
        send(client, posting, NUMBERS[5 * i + j]).status_code
        for i, posting in enumerate(postings)
        for j in range(5)
    ]
    assert statuses.count(302) == 5
    assert sent(fakeproviders) == 5
    page = send(client, postings[3], NUMBERS[19])
    assert page.status_code == 422
    assert b"Too many SMS codes were asked for from here" in page.content
    assert b"No SMS was sent" in page.content


def test_a_client_address_over_several_browsers_is_capped(phone_on, fakeproviders):
    phone_on.PHONE_SMS_PER_SESSION_PER_HOUR = 100  # the address's cap, not the session's
    statuses = []
    for i in range(4):  # four browsers, one address (the test client's 127.0.0.1)
        browser = Client()
        posting = draft(browser)
        statuses += [send(browser, posting, NUMBERS[3 * i + j]).status_code for j in range(3)]
    assert statuses.count(302) == 5
    assert sent(fakeproviders) == 5


def test_alternating_two_numbers_is_capped(client, phone_on, fakeproviders):
    posting = draft(client)
    for i in range(10):
        send(client, posting, NUMBERS[i % 2])
        client.post(step_url("phone", posting), {"resend": "1"})
    assert sent(fakeproviders) == 5


def test_a_refused_sms_counts_for_no_cap(client, phone_on, fakeproviders):
    phone_on.PHONE_SMS_PER_CLIENT_PER_HOUR = 1
    posting = draft(client)
    assert send(client, posting, NUMBERS[0]).status_code == 302
    assert send(client, posting, NUMBERS[1]).status_code == 422  # the address's cap
    session = client.session.session_key
    assert limits.SMS_PER_SESSION.uses(session) == 1  # the refused one was rolled back
    assert limits.SMS_NUMBERS_PER_DRAFT.uses(str(posting.pk)) == 1
    assert limits.SMS_SITE_WIDE.uses(limits.SITE) == 1
    assert JobPosting.objects.get(pk=posting.pk).step_data["phone"]["numbers"] == [NUMBERS[0]]


def test_the_site_wide_cap_stops_every_sms_and_says_so(phone_on, fakeproviders, caplog):
    phone_on.PHONE_SMS_PER_HOUR = 2
    browsers = [Client() for _ in range(3)]
    statuses = [send(b, draft(b), NUMBERS[i]).status_code for i, b in enumerate(browsers)]
    assert statuses == [302, 302, 422]
    assert sent(fakeproviders) == 2
    with caplog.at_level(logging.ERROR):
        page = send(browsers[0], draft(browsers[0]), NUMBERS[5])
    assert b"We are not sending SMS codes just now" in page.content
    assert "site-wide SMS cap" in caplog.text


@pytest.mark.parametrize(
    "number",
    [
        "+97912345678",  # international premium rate
        "+881612345678",  # Iridium satellite
        "+882123456789",  # international networks
        "+19005550199",  # US premium rate
        "+449012345678",  # UK premium rate
        "+448712345678",  # UK shared cost
        "+5351234567",  # Cuba (PHONE_VERIFICATION_REFUSED_COUNTRIES' default)
        "+15005550006",  # US personal number
        "+445612345678",  # UK VoIP
        "+441212345678",  # UK landline
        "+15557654321",  # no such area code
    ],
)
def test_numbers_that_are_not_plain_mobiles_are_refused(client, phone_on, fakeproviders, number):
    posting = draft(client)
    response = send(client, posting, number)
    assert response.status_code == 422
    assert b"Enter a mobile" in response.content
    assert fakeproviders.requests("twilio") == []
    assert JobPosting.objects.get(pk=posting.pk).step_data.get("phone", {}) == {}


def test_the_country_allow_list(client, phone_on, fakeproviders):
    phone_on.PHONE_VERIFICATION_COUNTRIES = ["GB"]
    posting = draft(client)
    response = send(client, posting, NUMBERS[0])
    assert response.status_code == 422
    assert b"Enter a mobile number from another country" in response.content
    assert send(client, posting, "+447400123456").status_code == 302
    assert sent(fakeproviders) == 1


def test_no_sms_without_the_bot_check(client, phone_on, fakeproviders):
    posting = draft(client)
    page = client.get(step_url("phone", posting))
    assert b"data-botcheck-token" in page.content  # the widget, before the first SMS

    response = send(client, posting, NUMBERS[0], token=False)
    assert response.status_code == 422
    assert b"check that you" in response.content
    assert fakeproviders.requests("twilio") == []

    token = fresh_test_token()
    form = {"phone": NUMBERS[0], "send": "1", field_name(): token}
    assert client.post(step_url("phone", posting), form).status_code == 302
    replayed = client.post(step_url("phone", posting), {**form, "phone": NUMBERS[1]})
    assert replayed.status_code == 302  # the draft has passed: no second check needed
    assert sent(fakeproviders) == 2
    assert b"data-botcheck-token" not in client.get(step_url("phone", posting)).content

    # Another draft must pass it again, and a spent token does not.
    other = draft(client)
    assert client.post(step_url("phone", other), form).status_code == 422
    assert sent(fakeproviders) == 2


def test_a_token_solved_for_payment_does_not_send_an_sms(client, phone_on, fakeproviders):
    """Turnstile's action names the form: the payment's widget proves nothing here."""
    posting = draft(client)
    for action, status in [("pay", 422), ("sms", 302)]:
        token = fresh_test_token(hostname="testserver", action=action)
        form = {"phone": NUMBERS[0], "send": "1", field_name(): token}
        assert client.post(step_url("phone", posting), form).status_code == status
    assert sent(fakeproviders) == 1


def test_the_metric_counts_the_sms_of_the_last_hour(client, phone_on, fakeproviders):
    phone_on.METRICS_TOKEN = "sms-metrics-token"
    posting = draft(client)
    send(client, posting, NUMBERS[0])
    send(client, posting, NUMBERS[1])
    send(client, posting, "+19005550199")  # refused: not counted
    body = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer sms-metrics-token")
    assert body.status_code == 200
    text = body.content.decode()
    assert "jobwizard_sms_sent_last_hour 2.0" in text
    assert "jobwizard_sms_limit_per_hour 200.0" in text


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_sends_from_one_draft_text_exactly_three_numbers(phone_on, fakeproviders):
    if connection.vendor != "postgresql":
        pytest.skip(
            "simultaneous requests need PostgreSQL's row locks (SQLite runs one writer at a "
            "time); run with DATABASE_URL=postgres://…"
        )
    phone_on.PHONE_SMS_PER_SESSION_PER_HOUR = phone_on.PHONE_SMS_PER_CLIENT_PER_HOUR = 100
    first = Client()
    posting = draft(first)
    cookie = first.cookies[settings.SESSION_COOKIE_NAME].value
    browsers = []
    for number in NUMBERS[:10]:  # ten tabs of one browser, each a different number
        tab = Client()
        tab.cookies[settings.SESSION_COOKIE_NAME] = cookie
        browsers.append((tab, number))
    pending = iter(browsers)

    def one():
        tab, number = next(pending)
        return send(tab, posting, number).status_code

    results = run_at_once(10, one)
    assert sent(fakeproviders) == 3 == settings.PHONE_NUMBERS_PER_DRAFT
    assert limits.SMS_NUMBERS_PER_DRAFT.uses(str(posting.pk)) == 3
    assert results.count(422) >= 7
