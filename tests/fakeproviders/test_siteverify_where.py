"""The emulator reports where a token says it was solved (hostname, action), as the real
providers report where their widget was solved."""

import pytest

SECRETS = {
    "turnstile": ("1x0000000000000000000000000000000AA", "XXXX.DUMMY.TOKEN.XXXX"),
    "hcaptcha": (
        "0x0000000000000000000000000000000000000000",
        "10000000-aaaa-bbbb-cccc-000000000001",
    ),
    "recaptcha": ("6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe", "any-token"),
}


@pytest.mark.parametrize("provider", sorted(SECRETS))
def test_the_hostname_a_token_names_is_reported(emulator, provider):
    secret, token = SECRETS[provider]
    body = emulator.siteverify(provider, secret, f"{token}.1;hostname=evil.example").json()
    assert body["success"] is True
    assert body["hostname"] == "evil.example"
    plain = emulator.siteverify(provider, secret, f"{token}.2").json()
    assert plain["hostname"] == "localhost"


def test_turnstile_reports_the_action_a_token_names(emulator):
    secret, token = SECRETS["turnstile"]
    body = emulator.siteverify("turnstile", secret, f"{token}.1;hostname=a.example;action=pay")
    assert body.json()["action"] == "pay"
    assert emulator.siteverify("turnstile", secret, f"{token}.2").json()["action"] == ""


def test_a_token_with_a_wrong_body_still_fails_whatever_it_names(emulator):
    secret, _ = SECRETS["turnstile"]
    body = emulator.siteverify("turnstile", secret, "forged;hostname=localhost").json()
    assert body["success"] is False
    assert body["error-codes"] == ["invalid-input-response"]
