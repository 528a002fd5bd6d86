"""Every Stripe refusal on Pay is a page, never a 500: the employer is told what to do,
nothing is charged, the refused reservation is closed, and the log names Stripe's request."""

import inspect
import logging
from types import SimpleNamespace

import pytest
import stripe
import stripe.oauth_error  # its errors too, whatever else the run imported

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_form, press_pay, session_id_from
from tests.integration.test_payment_faults import sessions_at_stripe
from wizard.models import JobPosting, PaymentAttempt, Status
from wizard.payments import client as stripe_client

pytestmark = pytest.mark.django_db

STAFF_TOLD = b"we could not start the payment; our staff have been told"
RETRY_SOON = b"please try again in a moment"


@pytest.fixture
def posting(client, fakestripe, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_RATE_LIMIT_RETRIES = 0
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def pay(client, posting):
    return client.post(step_url("payment", posting), pay_form(posting))


def attempts(posting):
    return list(
        PaymentAttempt.objects.filter(posting=posting)
        .order_by("number")
        .values_list("number", "state", "session_id")
    )


def refusal_records(caplog):
    return [r for r in caplog.records if r.name == "wizard.payments.checkout"]


def test_a_price_stripe_refuses_tells_staff_and_the_fixed_price_starts_a_new_attempt(
    client, posting, fakestripe, settings, caplog
):
    settings.POSTING_PRICE_CURRENCY = ""  # a mistyped price: Stripe answers 400
    with caplog.at_level(logging.WARNING):
        response = pay(client, posting)

    assert response.status_code == 503
    assert STAFF_TOLD in response.content.lower()
    assert RETRY_SOON not in response.content.lower()  # not the employer's to retry
    assert b"Check your answers" in response.content  # the payment page, with its Change links
    assert sessions_at_stripe() == []
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    assert attempts(posting) == [(1, PaymentAttempt.State.CLOSED, "")]
    [record] = refusal_records(caplog)
    assert record.levelno == logging.ERROR
    assert "request req_" in record.getMessage()
    assert "InvalidRequestError 400, code parameter_missing" in record.getMessage()
    assert "[currency]" in record.getMessage()

    settings.POSTING_PRICE_CURRENCY = "usd"  # the operator fixes it: the next press pays
    session_id = session_id_from(press_pay(client, posting))
    assert [s.id for s in sessions_at_stripe()] == [session_id]
    assert attempts(posting)[-1] == (2, PaymentAttempt.State.OPEN, session_id)
    assert JobPosting.objects.get().current_attempt.currency == "usd"


def test_an_api_key_stripe_refuses_tells_staff_not_to_retry(
    client, posting, fakestripe, settings, caplog
):
    settings.STRIPE_SECRET_KEY = "sk_live_not_the_emulators_key"  # fakestripe answers 401
    with caplog.at_level(logging.WARNING):
        response = pay(client, posting)

    assert response.status_code == 503
    assert STAFF_TOLD in response.content.lower()
    assert RETRY_SOON not in response.content.lower()
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    assert attempts(posting) == [(1, PaymentAttempt.State.CLOSED, "")]
    [record] = refusal_records(caplog)
    assert record.levelno == logging.ERROR
    assert "AuthenticationError 401" in record.getMessage()
    assert "request req_" in record.getMessage()


def refusing_client(monkeypatch, error):
    """Stripe's create request answers `error` (the SDK's own exception)."""

    def create(**kwargs):
        raise error

    sessions = SimpleNamespace(create=create)
    fake = SimpleNamespace(v1=SimpleNamespace(checkout=SimpleNamespace(sessions=sessions)))
    monkeypatch.setattr(stripe_client, "_client", lambda *args: fake)


def test_a_contact_email_stripe_refuses_asks_the_employer_to_correct_it(
    client, posting, monkeypatch, caplog
):
    refusing_client(
        monkeypatch,
        stripe.InvalidRequestError(
            "Invalid email address: x@y",
            "customer_email",
            code="email_invalid",
            http_status=400,
            headers={"request-id": "req_email1"},
        ),
    )
    with caplog.at_level(logging.WARNING):
        response = pay(client, posting)

    assert response.status_code == 422
    assert b"did not accept the contact email address" in response.content
    assert b"Check your answers" in response.content
    assert attempts(posting) == [(1, PaymentAttempt.State.CLOSED, "")]
    [record] = refusal_records(caplog)
    assert record.levelno == logging.WARNING
    assert "request req_email1" in record.getMessage()
    assert "code email_invalid" in record.getMessage()


def test_a_contact_email_fakestripe_refuses_as_stripe_does_is_a_page_and_the_fix_pays(
    client, posting, fakestripe, caplog
):
    """Against the emulator, not a mock: Django's form takes "hr@localhost", Stripe does not
    (no dot in the domain). The employer corrects it in the details, and Pay opens a
    checkout with a new attempt."""
    JobPosting.objects.filter(pk=posting.pk).update(contact_email="hr@localhost")
    with caplog.at_level(logging.WARNING):
        response = pay(client, posting)

    assert response.status_code == 422
    assert b"did not accept the contact email address" in response.content
    assert b"Check your answers" in response.content
    assert sessions_at_stripe() == []
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    assert attempts(posting) == [(1, PaymentAttempt.State.CLOSED, "")]
    [record] = refusal_records(caplog)
    assert "InvalidRequestError 400, code email_invalid, param customer_email" in (
        record.getMessage()
    )
    assert "request req_" in record.getMessage()

    details = {**VALID_DETAILS, "contact_email": "hr@acme.example"}
    assert client.post(step_url("details", posting), details).status_code == 302
    session_id = session_id_from(press_pay(client, posting))
    assert [s.customer_email for s in sessions_at_stripe()] == ["hr@acme.example"]
    assert attempts(posting)[-1] == (2, PaymentAttempt.State.OPEN, session_id)


def all_sdk_errors():
    found, todo = [], [stripe.StripeError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=error_id)


def error_id(cls):
    return f"{cls.__module__.removeprefix('stripe.').lstrip('_')}.{cls.__name__}"


STATUS = {
    stripe.APIConnectionError: None,
    stripe.APIError: 500,
    stripe.AuthenticationError: 401,
    stripe.CardError: 402,
    stripe.PermissionError: 403,
    stripe.RateLimitError: 429,
    stripe.StripeError: None,
}


def sdk_error(cls):
    wanted = {
        "message": f"{cls.__name__} from Stripe",
        "param": "line_items",
        "code": "some_code",
        "http_status": STATUS.get(cls, 400),
        "headers": {"request-id": "req_sdk1"},
        "sig_header": "t=1,v1=x",
        "description": "Refused by Stripe (OAuth)",
    }
    accepted = inspect.signature(cls.__init__).parameters
    return cls(**{name: value for name, value in wanted.items() if name in accepted})


@pytest.mark.parametrize("cls", all_sdk_errors(), ids=error_id)
def test_no_sdk_error_on_the_create_request_is_a_500(client, posting, monkeypatch, cls):
    refusing_client(monkeypatch, sdk_error(cls))

    response = pay(client, posting)

    assert response.status_code == 503 or 400 <= response.status_code < 500
    assert b"You have not been charged" in response.content
    assert b"Check your answers" in response.content
    assert JobPosting.objects.get().status == Status.READY_TO_PAY
    *earlier, (number, state, session_id) = attempts(posting)  # two for IdempotencyError
    assert session_id == "" and all(a[1] == PaymentAttempt.State.CLOSED for a in earlier)
    if state == PaymentAttempt.State.RESERVED:  # an outage: the same key is tried again
        assert b"payment provider is unavailable" in response.content


CONFLICTS = {
    # what the SDK raises for any 409, Stripe's idempotency_key_in_use included
    "APIError": lambda: stripe.APIError(
        "There is currently another in-progress request using this Idempotent Key",
        http_status=409,
        headers={"stripe-should-retry": "true"},
    ),
    # a class a future SDK might give it: a 409 is still no refusal
    "InvalidRequestError": lambda: stripe.InvalidRequestError(
        "Lock timeout", None, code="lock_timeout", http_status=409
    ),
    "IdempotencyError": lambda: stripe.IdempotencyError("In use", http_status=409),
}


@pytest.mark.parametrize("error", CONFLICTS.values(), ids=CONFLICTS.keys())
def test_a_conflict_left_after_the_retries_keeps_the_reservation_and_its_key(
    client, posting, monkeypatch, error
):
    """A 409 (a key in use, a lock timeout) is not a refusal: Stripe saved no answer for
    the key."""
    refusing_client(monkeypatch, error())

    response = pay(client, posting)

    assert response.status_code == 503
    assert b"payment provider is unavailable" in response.content
    assert attempts(posting) == [(1, PaymentAttempt.State.RESERVED, "")]
