"""The SMS phone verification step (Twilio Verify, against fakeproviders)."""

import pytest

from tests.conftest import VALID_DETAILS, step_after, step_counter, step_url
from tests.factories import own, posting_at
from wizard.flow.order import FLOW
from wizard.models import JobPosting
from wizard.providers.siteverify import field_name, fresh_test_token

pytestmark = pytest.mark.django_db

NUMBER = "+14155550123"


@pytest.fixture
def phone_on(settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    settings.PHONE_CODE_RESEND_SECONDS = 60
    return settings


@pytest.fixture
def posting(client):
    """A posting whose details are filled in, owned by the test client."""
    posting = posting_at("details_ready")
    own(client, posting)
    return posting


def phone_data(posting):
    return JobPosting.objects.get(pk=posting.pk).step_data.get("phone", {})


def send(client, posting, number=NUMBER):
    """The "send code" form as the page sends it: with the bot check's token, which the
    widget (botcheck.js, locally) fills in until the draft has passed it."""
    form = {"phone": number, "send": "1", field_name(): fresh_test_token()}
    return client.post(step_url("phone", posting), form)


def check(client, posting, code):
    return client.post(step_url("phone", posting), {"code": code, "check": "1"})


def wrong_code(code):
    return "000000" if code != "000000" else "111111"


def verify(client, posting, fakeproviders, number=NUMBER):
    assert send(client, posting, number).status_code == 302
    response = check(client, posting, fakeproviders.sms_code(number))
    assert response.status_code == 302, response.content
    return response


def test_the_step_is_absent_when_switched_off(client, posting, settings):
    settings.PHONE_VERIFICATION_ENABLED = False
    page = client.get(step_url("details", posting))
    assert step_counter("details", posting).encode() in page.content
    assert b">Phone<" not in page.content
    assert client.get(step_url("phone", posting)).status_code == 404
    assert client.get(step_url(step_after("details", posting), posting)).status_code == 200


def test_when_switched_on_payment_waits_for_the_phone_step(client, posting, phone_on):
    response = client.get(step_url("payment", posting))
    assert response.status_code == 302
    assert response["Location"] == step_url("phone", posting)

    page = client.get(step_url("phone", posting))
    assert page.status_code == 200
    assert step_counter("phone", posting).encode() in page.content
    assert FLOW.number(FLOW["details"], posting) < FLOW.number(FLOW["phone"], posting)
    assert b"Send code" in page.content


def test_the_right_code_verifies_the_number_and_goes_on_to_payment(
    client, posting, phone_on, fakeproviders
):
    response = send(client, posting, "+1 (415) 555-0123")
    assert response.status_code == 302
    assert response["Location"] == step_url("phone", posting)
    assert phone_data(posting)["number"] == NUMBER
    assert "verified" not in phone_data(posting)

    page = client.get(step_url("phone", posting))
    assert b"We sent a code by SMS to" in page.content
    assert b"Check code" in page.content

    response = check(client, posting, fakeproviders.sms_code(NUMBER))
    assert response.status_code == 302
    assert response["Location"] == step_url(step_after("phone", posting), posting)
    posting.refresh_from_db()
    assert posting.status == FLOW.status_before_payment(posting) != "details_ready"
    assert posting.step_data["phone"]["verified"] == NUMBER
    assert b"Phone number verified." in client.get(response["Location"]).content


def test_a_malformed_number_is_refused_without_calling_twilio(
    client, posting, phone_on, fakeproviders
):
    response = send(client, posting, "0415 555")
    assert response.status_code == 422
    assert b"international format" in response.content
    assert fakeproviders.requests("twilio") == []
    assert phone_data(posting) == {}


def test_a_wrong_code_is_explained(client, posting, phone_on, fakeproviders):
    send(client, posting)
    response = check(client, posting, wrong_code(fakeproviders.sms_code(NUMBER)))
    assert response.status_code == 422
    assert b"That code is not right" in response.content
    assert "verified" not in phone_data(posting)


def test_wrong_codes_are_limited(client, posting, phone_on, fakeproviders):
    send(client, posting)
    code = fakeproviders.sms_code(NUMBER)
    for _ in range(5):
        assert check(client, posting, wrong_code(code)).status_code == 422
    response = check(client, posting, code)  # too late: the code was cancelled
    assert response.status_code == 422
    assert b"Too many wrong codes; ask for a new code." in response.content
    posting.refresh_from_db()
    assert "verified" not in posting.step_data["phone"]
    assert posting.status == "details_ready"


def test_provider_failure_is_a_503_and_nothing_is_recorded(
    client, posting, phone_on, fakeproviders
):
    fakeproviders.add_fault("500", path="Verifications")
    response = send(client, posting)
    assert response.status_code == 503
    assert b"SMS service is unavailable" in response.content
    assert b"try again" in response.content
    assert phone_data(posting) == {}
    assert fakeproviders.sms(NUMBER) == []


def test_a_new_code_waits_for_the_cooldown(client, posting, phone_on, fakeproviders):
    send(client, posting)
    response = client.post(step_url("phone", posting), {"resend": "1"})
    assert response.status_code == 422
    assert b"You can ask for a new one in" in response.content
    assert len(fakeproviders.sms(NUMBER)) == 1

    phone_on.PHONE_CODE_RESEND_SECONDS = 0
    response = client.post(step_url("phone", posting), {"resend": "1"})
    assert response.status_code == 302
    assert len(fakeproviders.sms(NUMBER)) == 2
    assert phone_data(posting)["sends"] == 2


def test_too_many_codes_to_one_number_are_explained(client, posting, phone_on, fakeproviders):
    phone_on.PHONE_CODE_RESEND_SECONDS = 0
    # Twilio's own limit (5 to a number in 10 minutes), with our caps out of the way.
    phone_on.PHONE_SMS_PER_SESSION_PER_HOUR = phone_on.PHONE_SMS_PER_CLIENT_PER_HOUR = 100
    for _ in range(5):
        assert send(client, posting).status_code == 302
    response = send(client, posting)
    assert response.status_code == 422
    assert b"Too many codes were sent to" in response.content


def test_changing_the_number_after_verifying_undoes_the_step(
    client, posting, phone_on, fakeproviders
):
    verify(client, posting, fakeproviders)
    other = "+14155550199"
    assert send(client, posting, other).status_code == 302
    posting.refresh_from_db()
    assert posting.status == "details_ready"
    assert client.get(step_url("payment", posting))["Location"] == step_url("phone", posting)

    # Back to the verified number: no new SMS needed.
    response = send(client, posting, NUMBER)
    assert response["Location"] == step_url(step_after("phone", posting), posting)
    posting.refresh_from_db()
    assert FLOW.blocking_step(FLOW.payment, posting) is not FLOW["phone"]
    assert posting.status == FLOW.status_before_payment(posting) != "details_ready"
    assert len(fakeproviders.sms(NUMBER)) == 1


def test_editing_details_later_does_not_ask_for_the_phone_again(
    client, posting, phone_on, fakeproviders
):
    verify(client, posting, fakeproviders)
    response = client.post(step_url("details", posting), {**VALID_DETAILS, "title": "CTO"})
    assert response.status_code == 302
    assert response["Location"] == step_url(step_after("phone", posting), posting)
    posting.refresh_from_db()
    assert posting.title == "CTO"
    assert posting.status == FLOW.status_before_payment(posting) != "details_ready"
    assert len(fakeproviders.sms(NUMBER)) == 1
