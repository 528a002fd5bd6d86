import re

from tests.fakeproviders.conftest import SERVICE, TWILIO_AUTH

TO = "+15551234567"


def test_send_creates_a_pending_verification_and_an_sms(emulator):
    response = emulator.send_code(TO)
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"VE[0-9a-f]{32}", body["sid"])
    assert body["status"] == "pending"
    assert body["valid"] is False
    assert (body["to"], body["channel"], body["service_sid"]) == (TO, "sms", SERVICE)
    assert len(body["send_code_attempts"]) == 1
    [sms] = emulator.sms(TO)
    assert re.fullmatch(r"\d{6}", sms["code"])
    assert sms["verification_sid"] == body["sid"]
    assert f"SMS to {TO}: your Jobwizard code is {sms['code']}" in emulator.output()
    assert emulator.requests("twilio")[0]["form"] == {"To": TO, "Channel": "sms"}


def test_a_second_send_resends_the_same_code_on_the_same_verification(emulator):
    first = emulator.send_code(TO).json()
    second = emulator.send_code(TO).json()
    assert second["sid"] == first["sid"]
    assert len(second["send_code_attempts"]) == 2
    codes = [sms["code"] for sms in emulator.sms(TO)]
    assert len(codes) == 2 and codes[0] == codes[1]


def test_right_code_approves_then_nothing_is_pending(emulator):
    emulator.send_code(TO)
    code = emulator.sms_code(TO)
    wrong = "000000" if code != "000000" else "111111"
    miss = emulator.check_code(wrong, TO)
    assert miss.status_code == 200
    assert (miss.json()["status"], miss.json()["valid"]) == ("pending", False)
    hit = emulator.check_code(code, TO)
    assert hit.status_code == 200
    assert (hit.json()["status"], hit.json()["valid"]) == ("approved", True)
    again = emulator.check_code(code, TO)
    assert again.status_code == 404
    assert again.json()["code"] == 20404


def test_check_by_verification_sid(emulator):
    sid = emulator.send_code(TO).json()["sid"]
    code = emulator.sms_code(TO)
    response = emulator.check_code(code, to="", VerificationSid=sid)
    assert response.json()["status"] == "approved"
    assert response.json()["sid"] == sid


def test_check_without_a_pending_verification_is_20404(emulator):
    response = emulator.check_code("123456", TO)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 20404
    assert body["status"] == 404
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20404"


def test_five_wrong_checks_then_60202_cancels_the_verification(emulator):
    emulator.send_code(TO)
    code = emulator.sms_code(TO)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert emulator.check_code(wrong, TO).json()["status"] == "pending"
    blocked = emulator.check_code(code, TO)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == 60202
    assert blocked.json()["message"] == "Max check attempts reached"
    assert emulator.check_code(code, TO).json()["code"] == 20404
    # A new send starts a new verification with a new code.
    new_sid = emulator.send_code(TO).json()["sid"]
    assert emulator.check_code(emulator.sms_code(TO), TO).json()["sid"] == new_sid


def test_sixth_send_within_ten_minutes_is_60203(emulator):
    for _ in range(5):
        assert emulator.send_code(TO).status_code == 201
    response = emulator.send_code(TO)
    assert response.status_code == 429
    assert response.json()["code"] == 60203
    assert response.json()["message"] == "Max send attempts reached"
    assert len(emulator.sms(TO)) == 5
    assert emulator.send_code("+15557654321").status_code == 201  # another number is fine
    emulator.advance_clock(601)
    assert emulator.send_code(TO).status_code == 201


def test_a_verification_expires_after_ten_minutes(emulator):
    emulator.send_code(TO)
    code = emulator.sms_code(TO)
    emulator.advance_clock(600)
    assert emulator.check_code(code, TO).json()["code"] == 20404


def test_invalid_number_and_channel_are_60200(emulator):
    for to in ("5551234567", "+0123", "", "+1555abc4567"):
        response = emulator.send_code(to)
        assert response.status_code == 400
        assert response.json()["code"] == 60200
    response = emulator.post(
        f"/v2/Services/{SERVICE}/Verifications",
        data={"To": TO, "Channel": "carrier-pigeon"},
        auth=TWILIO_AUTH,
    )
    assert response.json()["code"] == 60200
    assert emulator.sms() == []


def test_basic_auth_is_required(emulator):
    for auth in (None, ("AC" + "0" * 32, "wrong"), ("ACother", "jobwizard-dev-twilio-token")):
        response = emulator.send_code(TO, auth=auth)
        assert response.status_code == 401
        assert response.json()["code"] == 20003
    assert emulator.check_code("123456", TO, auth=None).json()["code"] == 20003
    assert emulator.sms() == []


def test_unknown_service_is_20404(emulator):
    response = emulator.send_code(TO, service="VAnot-a-service")
    assert response.status_code == 404
    assert response.json()["code"] == 20404


def test_configured_credentials(emulator):
    emulator.configure(twilio_account_sid="AC" + "1" * 32, twilio_auth_token="secret")
    assert emulator.send_code(TO).status_code == 401
    assert emulator.send_code(TO, auth=("AC" + "1" * 32, "secret")).status_code == 201
