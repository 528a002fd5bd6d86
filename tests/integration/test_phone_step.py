"""The SMS phone verification step (Twilio Verify, against fakeproviders)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

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


def send(client, posting, number=NUMBER, **fields):
    """The "send code" form as the page sends it: with the bot check's token, which the
    widget (botcheck.js, locally) fills in until the draft has passed it."""
    form = {"phone": number, "send": "1", field_name(): fresh_test_token(), **fields}
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
    response = send(client, posting, "0171 12")
    assert response.status_code == 422
    # What to type, for the posting's country (Germany), as dialled there and from abroad.
    assert b"Enter a mobile phone number, like 01512 3456789 or +49 1512 3456789" in (
        response.content
    )
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


# --- Numbers as people type them ------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "typed", "kept"),
    [
        ("DE", "0171 1234567", "+491711234567"),
        ("GB", "07400 123456", "+447400123456"),
        ("US", "(415) 555-0123", NUMBER),
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("DE", "+1 415 555 0123", NUMBER),  # international format, whatever the country
        ("other", "+1 415 555 0123", NUMBER),
        ("DE", "0049 171 1234567", "+491711234567"),
    ],
)
def test_a_national_number_is_read_in_the_chosen_country(
    client, posting, phone_on, fakeproviders, country, typed, kept
):
    if country != "other":
        phone_on.PHONE_DEFAULT_COUNTRY = country  # the posting's (DE) and this one are listed
    assert send(client, posting, typed, country=country).status_code == 302
    assert phone_data(posting)["number"] == kept
    assert [sms["to"] for sms in fakeproviders.sms()] == [kept]


def test_the_country_starts_as_the_posting_s(client, posting, phone_on, fakeproviders):
    phone_on.PHONE_DEFAULT_COUNTRY = "GB"
    page = client.get(step_url("phone", posting)).content.decode()
    assert '<label for="id_country">Country</label>' in page
    assert '<label for="id_phone">Mobile phone number</label>' in page
    # A short list: the posting's country (chosen), the site's, then any other.
    options = re.findall(r"<option (.*?)</option>", page)
    assert options == [
        'value="DE" selected>Germany (+49)',
        'value="GB">United Kingdom (+44)',
        'value="other">Another country (type + and its country code)',
    ]
    # A form sent without a country (an older page) reads the number in the posting's.
    assert send(client, posting, "0171 1234567").status_code == 302
    assert phone_data(posting)["number"] == "+491711234567"
    # Another number starts in the country of the number sent.
    page = client.get(step_url("phone", posting) + "?another").content.decode()
    assert '<option value="DE" selected>' in page


def test_another_country_needs_the_country_code(client, posting, phone_on, fakeproviders):
    response = send(client, posting, "0171 1234567", country="other")
    assert response.status_code == 422
    assert "Enter the number with + and its country code" in response.content.decode()
    assert fakeproviders.requests("twilio") == []


def test_without_a_posting_country_it_is_the_site_s_default(client, phone_on, fakeproviders):
    phone_on.PHONE_DEFAULT_COUNTRY = "GB"
    remote = posting_at(
        "details_ready", workplace="remote", city="", country="", applicant_countries=["GB"]
    )
    own(client, remote)
    page = client.get(step_url("phone", remote)).content.decode()
    assert '<option value="GB" selected>United Kingdom (+44)</option>' in page
    assert send(client, remote, "07400 123456").status_code == 302
    assert phone_data(remote)["number"] == "+447400123456"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your mobile phone number"),
        ("0171 12", "Enter a mobile phone number, like 01512 3456789 or +49 1512 3456789"),
        ("0171 12x4567", "Enter a mobile phone number, like 01512 3456789"),
        ("030 1234567", "Enter a mobile number that can receive text messages: this is a landline"),
        ("+44 121 234 5678", "Enter a mobile number that can receive text messages"),
    ],
)
def test_what_cannot_be_texted_says_what_to_enter(
    client, posting, phone_on, fakeproviders, typed, message
):
    response = send(client, posting, typed, country="DE")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert fakeproviders.requests("twilio") == []


def test_numbers_are_shown_in_international_format(client, posting, phone_on, fakeproviders):
    send(client, posting, "0171 1234567", country="DE")
    page = client.get(step_url("phone", posting)).content.decode()
    assert "We sent a code by SMS to <strong>+49 171 1234567</strong>" in page
    check(client, posting, fakeproviders.sms_code("+491711234567"))
    page = client.get(step_url("phone", posting)).content.decode()
    assert "Your number <strong>+49 171 1234567</strong> is verified" in page
    assert FLOW["phone"].ledger_note(JobPosting.objects.get(pk=posting.pk)) == "+49 171 1234567"


# --- One form at a time -----------------------------------------------------------------


def test_after_a_wrong_code_only_the_code_form_shows(client, posting, phone_on, fakeproviders):
    send(client, posting)
    response = check(client, posting, wrong_code(fakeproviders.sms_code(NUMBER)))
    page = response.content.decode()
    assert response.status_code == 422
    assert page.count("<form") == 1
    assert 'name="code"' in page and 'name="phone"' not in page
    assert "Use another number</a>" in page

    another = client.get(step_url("phone", posting) + "?another").content.decode()
    assert 'name="phone"' in another and 'name="code"' not in another
    assert another.count("<form") == 1
    assert "Enter the code we sent to +1 415-555-0123 instead</a>" in another


def test_a_verified_number_shows_no_form_until_asked(client, posting, phone_on, fakeproviders):
    verify(client, posting, fakeproviders)
    page = client.get(step_url("phone", posting)).content.decode()
    assert "<form" not in page
    assert "Use another number</a>" in page
    another = client.get(step_url("phone", posting) + "?another").content.decode()
    assert another.count("<form") == 1 and 'name="phone"' in another


# --- The wait before a new code ---------------------------------------------------------


def sent_ago(posting, seconds):
    """Move the last send `seconds` into the past (the clock, as far as the step sees)."""
    posting = JobPosting.objects.get(pk=posting.pk)
    sent_at = timezone.now() - timedelta(seconds=seconds)
    posting.step_data["phone"]["sent_at"] = sent_at.isoformat()
    posting.save(update_fields=["step_data"])


def test_the_resend_button_says_when_it_works_and_the_server_holds_to_it(
    client, posting, phone_on, fakeproviders
):
    send(client, posting)
    page = client.get(step_url("phone", posting)).content.decode()
    assert 'data-resend-wait="60"' in page
    assert "Send a new code<span data-resend-countdown> in 60 seconds</span>" in page

    sent_ago(posting, 45)
    response = client.post(step_url("phone", posting), {"resend": "1"})
    assert response.status_code == 422
    assert "You can ask for a new one in 15 seconds." in response.content.decode()
    assert len(fakeproviders.sms(NUMBER)) == 1

    sent_ago(posting, 61)
    page = client.get(step_url("phone", posting)).content.decode()
    assert 'data-resend-wait="0"' in page
    assert "Send a new code<span data-resend-countdown></span>" in page
    assert client.post(step_url("phone", posting), {"resend": "1"}).status_code == 302
    assert len(fakeproviders.sms(NUMBER)) == 2
