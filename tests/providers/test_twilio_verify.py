import re

import pytest

from wizard.providers import twilio_verify
from wizard.providers.errors import ProviderRefused, ProviderUnavailable
from wizard.providers.twilio_verify import NoPendingCode, PhoneNumberInvalid, TooManyCodes

TO = "+15551234567"


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_start_then_check_the_code_from_the_sms(fakeproviders):
    sid = twilio_verify.start(TO)
    assert re.fullmatch(r"VE[0-9a-f]{32}", sid)
    code = fakeproviders.sms_code(TO)
    assert twilio_verify.check(TO, _wrong(code)) is False
    assert twilio_verify.check(TO, code) is True
    [send, *_] = fakeproviders.requests("twilio")
    assert send["form"] == {"To": TO, "Channel": "sms"}


def test_invalid_number(fakeproviders):
    with pytest.raises(PhoneNumberInvalid) as caught:
        twilio_verify.start("555-1234")
    assert caught.value.status == 400
    assert "60200" in caught.value.detail


def test_too_many_codes(fakeproviders):
    for _ in range(5):
        twilio_verify.start(TO)
    with pytest.raises(TooManyCodes) as caught:
        twilio_verify.start(TO)
    assert caught.value.status == 429
    assert isinstance(caught.value, ProviderRefused)


def test_no_pending_code_when_none_was_sent_or_it_was_used(fakeproviders):
    with pytest.raises(NoPendingCode):
        twilio_verify.check(TO, "123456")
    twilio_verify.start(TO)
    assert twilio_verify.check(TO, fakeproviders.sms_code(TO))
    with pytest.raises(NoPendingCode):
        twilio_verify.check(TO, fakeproviders.sms_code(TO))


def test_too_many_wrong_codes_means_ask_for_a_new_one(fakeproviders):
    twilio_verify.start(TO)
    code = fakeproviders.sms_code(TO)
    for _ in range(5):
        assert twilio_verify.check(TO, _wrong(code)) is False
    with pytest.raises(NoPendingCode, match="60202"):
        twilio_verify.check(TO, code)
    twilio_verify.start(TO)
    assert twilio_verify.check(TO, fakeproviders.sms_code(TO)) is True


def test_bad_credentials_are_refused(settings, fakeproviders):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(ProviderRefused) as caught:
        twilio_verify.start(TO)
    assert type(caught.value) is ProviderRefused
    assert caught.value.status == 401
    assert "20003" in caught.value.detail


@pytest.mark.parametrize("kind", ["500", "429", "lost_response"])
def test_provider_failures_are_unavailable(fakeproviders, kind):
    fakeproviders.add_fault(kind, path="Verification")
    with pytest.raises(ProviderUnavailable):
        twilio_verify.start(TO)
    if kind == "lost_response":
        # The SMS went out; asking again resends the same code, which still works.
        twilio_verify.start(TO)
        assert twilio_verify.check(TO, fakeproviders.sms_code(TO)) is True


def test_check_failures_are_unavailable(fakeproviders):
    twilio_verify.start(TO)
    fakeproviders.add_fault("500", path="VerificationCheck")
    with pytest.raises(ProviderUnavailable):
        twilio_verify.check(TO, fakeproviders.sms_code(TO))


def test_timeout_is_unavailable(slow_provider):
    slow_provider("Verifications")
    with pytest.raises(ProviderUnavailable):
        twilio_verify.start(TO)
