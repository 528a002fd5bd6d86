import pytest

TURNSTILE_PASS = "1x0000000000000000000000000000000AA"
TURNSTILE_FAIL = "2x0000000000000000000000000000000AA"
TURNSTILE_SPENT = "3x0000000000000000000000000000000AA"
TURNSTILE_TOKEN = "XXXX.DUMMY.TOKEN.XXXX"
HCAPTCHA_SECRET = "0x0000000000000000000000000000000000000000"
HCAPTCHA_TOKEN = "10000000-aaaa-bbbb-cccc-000000000001"
RECAPTCHA_SECRET = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"

ACCEPTED = [
    ("turnstile", TURNSTILE_PASS, TURNSTILE_TOKEN),
    ("hcaptcha", HCAPTCHA_SECRET, HCAPTCHA_TOKEN),
    ("recaptcha", RECAPTCHA_SECRET, "any-token-at-all"),
]


@pytest.mark.parametrize(("provider", "secret", "token"), ACCEPTED)
def test_documented_test_keys_pass_once_then_the_token_is_spent(emulator, provider, secret, token):
    first = emulator.siteverify(provider, secret, token, remoteip="203.0.113.7")
    assert first.status_code == 200
    body = first.json()
    assert body["success"] is True
    assert body["error-codes"] == []
    assert body["hostname"] == "localhost"
    assert body["challenge_ts"].endswith("Z")

    replay = emulator.siteverify(provider, secret, token).json()
    assert replay["success"] is False
    assert replay["error-codes"] == ["timeout-or-duplicate"]
    log = emulator.requests(provider)
    assert [entry["form"]["response"] for entry in log] == [token, token]
    assert log[0]["form"]["remoteip"] == "203.0.113.7"
    assert [entry["status"] for entry in log] == [200, 200]


def test_recaptcha_answers_with_a_score_and_action(emulator):
    body = emulator.siteverify("recaptcha", RECAPTCHA_SECRET, "token-1").json()
    assert body["score"] == 0.9
    assert body["action"] == "submit"


@pytest.mark.parametrize(
    ("provider", "secret", "token"),
    [("turnstile", TURNSTILE_PASS, TURNSTILE_TOKEN), ("hcaptcha", HCAPTCHA_SECRET, HCAPTCHA_TOKEN)],
)
def test_unique_variants_of_the_test_token_each_pass_once(emulator, provider, secret, token):
    assert emulator.siteverify(provider, secret, token + ".a").json()["success"] is True
    assert emulator.siteverify(provider, secret, token + ".b").json()["success"] is True
    assert emulator.siteverify(provider, secret, token + ".a").json()["success"] is False


@pytest.mark.parametrize(
    ("provider", "secret"),
    [("turnstile", TURNSTILE_PASS), ("hcaptcha", HCAPTCHA_SECRET)],
)
def test_a_token_that_is_not_the_test_token_is_invalid(emulator, provider, secret):
    body = emulator.siteverify(provider, secret, "forged").json()
    assert body == {**body, "success": False, "error-codes": ["invalid-input-response"]}


@pytest.mark.parametrize(("provider", "secret", "token"), ACCEPTED)
def test_fail_token_always_fails(emulator, provider, secret, token):
    for _ in range(2):
        body = emulator.siteverify(provider, secret, "FAIL.DUMMY.TOKEN").json()
        assert body["success"] is False
        assert body["error-codes"] == ["invalid-input-response"]


def test_turnstile_always_failing_and_spent_secrets(emulator):
    fail = emulator.siteverify("turnstile", TURNSTILE_FAIL, TURNSTILE_TOKEN).json()
    assert fail["error-codes"] == ["invalid-input-response"]
    spent = emulator.siteverify("turnstile", TURNSTILE_SPENT, TURNSTILE_TOKEN + ".x").json()
    assert spent["error-codes"] == ["timeout-or-duplicate"]


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        ({"response": TURNSTILE_TOKEN}, ["missing-input-secret"]),
        ({"secret": TURNSTILE_PASS}, ["missing-input-response"]),
        ({}, ["missing-input-secret", "missing-input-response"]),
        ({"secret": "0x4AAAAAAAwrong", "response": TURNSTILE_TOKEN}, ["invalid-input-secret"]),
        ({"secret": HCAPTCHA_SECRET, "response": TURNSTILE_TOKEN}, ["invalid-input-secret"]),
    ],
)
def test_missing_and_wrong_inputs(emulator, data, codes):
    response = emulator.post("/turnstile/v0/siteverify", data=data)
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert response.json()["error-codes"] == codes


def test_turnstile_accepts_json_and_replays_with_the_same_idempotency_key(emulator):
    body = {"secret": TURNSTILE_PASS, "response": TURNSTILE_TOKEN, "idempotency_key": "k-1"}
    first = emulator.post("/turnstile/v0/siteverify", json=body).json()
    assert first["success"] is True
    again = emulator.post("/turnstile/v0/siteverify", json=body).json()
    assert again == first
    other_key = emulator.post(
        "/turnstile/v0/siteverify", json={**body, "idempotency_key": "k-2"}
    ).json()
    assert other_key["error-codes"] == ["timeout-or-duplicate"]
    assert emulator.requests("turnstile")[0]["json"] == body


def test_turnstile_bad_json_is_a_bad_request(emulator):
    response = emulator.post(
        "/turnstile/v0/siteverify", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.json()["error-codes"] == ["bad-request"]


def test_reset_forgets_spent_tokens(emulator):
    assert emulator.siteverify("turnstile", TURNSTILE_PASS, TURNSTILE_TOKEN).json()["success"]
    emulator.reset()
    assert emulator.siteverify("turnstile", TURNSTILE_PASS, TURNSTILE_TOKEN).json()["success"]
    assert len(emulator.requests()) == 1
