import pytest

from wizard.providers import siteverify
from wizard.providers.errors import ProviderRefused, ProviderUnavailable


@pytest.fixture(params=["turnstile", "hcaptcha", "recaptcha"])
def each_provider(request, settings):
    settings.BOT_CHECK_PROVIDER = request.param
    return request.param


def test_field_name_and_test_token_follow_the_provider(settings):
    expected = {
        "turnstile": ("cf-turnstile-response", "XXXX.DUMMY.TOKEN.XXXX"),
        "hcaptcha": ("h-captcha-response", "10000000-aaaa-bbbb-cccc-000000000001"),
        "recaptcha": ("g-recaptcha-response", "XXXX.DUMMY.TOKEN.XXXX"),
    }
    for name, (field, token) in expected.items():
        settings.BOT_CHECK_PROVIDER = name
        assert (siteverify.field_name(), siteverify.test_token()) == (field, token)
        assert siteverify.fresh_test_token() != siteverify.fresh_test_token()


def test_a_test_token_passes_once_then_is_refused_as_a_replay(each_provider, fakeproviders):
    token = siteverify.test_token()
    verdict = siteverify.verify(token, remote_ip="203.0.113.7")
    assert verdict.success is True
    assert verdict.error_codes == ()
    assert verdict.hostname == "localhost"
    replay = siteverify.verify(token)
    assert replay.success is False
    assert replay.error_codes == ("timeout-or-duplicate",)
    [first, _] = fakeproviders.requests(each_provider)
    assert first["form"]["remoteip"] == "203.0.113.7"


def test_fresh_test_tokens_pass_each_time(each_provider, fakeproviders):
    assert siteverify.verify(siteverify.fresh_test_token()).success
    assert siteverify.verify(siteverify.fresh_test_token()).success


def test_a_failing_token_is_a_negative_verdict(each_provider, fakeproviders):
    verdict = siteverify.verify("FAIL.DUMMY.TOKEN")
    assert (verdict.success, verdict.error_codes) == (False, ("invalid-input-response",))


def test_an_empty_token_fails_without_asking(fakeproviders):
    assert siteverify.verify("").error_codes == ("missing-input-response",)
    assert fakeproviders.requests() == []


def test_a_wrong_secret_is_our_misconfiguration(settings, fakeproviders):
    settings.BOT_CHECK_SECRET_KEY = "0x4AAAAAAAnot-our-secret"
    with pytest.raises(ProviderRefused, match="invalid-input-secret"):
        siteverify.verify(siteverify.test_token())
    settings.BOT_CHECK_SECRET_KEY = ""
    with pytest.raises(ProviderRefused, match="missing-input-secret"):
        siteverify.verify(siteverify.test_token())


@pytest.mark.parametrize("kind", ["500", "429", "lost_response"])
def test_provider_failures_are_unavailable(fakeproviders, kind):
    fakeproviders.add_fault(kind, path="siteverify")
    with pytest.raises(ProviderUnavailable) as caught:
        siteverify.verify(siteverify.fresh_test_token())
    assert caught.value.status == (None if kind == "lost_response" else int(kind))


def test_timeout_is_unavailable(slow_provider):
    slow_provider("siteverify")
    with pytest.raises(ProviderUnavailable, match="no answer in time"):
        siteverify.verify(siteverify.test_token())


def test_retry_after_a_lost_answer_with_the_same_idempotency_key(fakeproviders):
    fakeproviders.add_fault("lost_response", path="siteverify")
    token = siteverify.fresh_test_token()
    with pytest.raises(ProviderUnavailable):
        siteverify.verify(token, idempotency_key="posting-7-attempt-1")
    assert siteverify.verify(token, idempotency_key="posting-7-attempt-1").success


def test_unreachable_provider_is_unavailable(settings):
    settings.BOT_CHECK_VERIFY_URL = "http://127.0.0.1:9/siteverify"
    with pytest.raises(ProviderUnavailable):
        siteverify.verify("token")


def test_unknown_provider_setting_is_refused(settings):
    settings.BOT_CHECK_PROVIDER = "captcha-o-matic"
    with pytest.raises(ProviderRefused):
        siteverify.field_name()
