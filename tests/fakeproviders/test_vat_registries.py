"""The VIES and HMRC emulators: known numbers, unknown ones, and every injected fault."""

import time

import pytest
import requests

from fakeproviders.vies import ERROR_CODES

VIES = "/taxation_customs/vies/rest-api/check-vat-number"
HMRC_AUTH = {
    "grant_type": "client_credentials",
    "client_id": "jobwizard-dev-hmrc-client",
    "client_secret": "jobwizard-dev-hmrc-secret",
}


def vies(emulator, country="DE", number="136695976", **kwargs):
    return emulator.post(VIES, json={"countryCode": country, "vatNumber": number}, **kwargs)


def hmrc_token(emulator):
    response = emulator.post("/oauth/token", data=HMRC_AUTH)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def hmrc(emulator, vrn="980780684", token=None):
    token = token or hmrc_token(emulator)
    return emulator.get(
        f"/organisations/vat/check-vat-number/lookup/{vrn}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.hmrc.2.0+json"},
    )


def test_vies_known_number_is_valid_with_name_and_address(emulator):
    body = vies(emulator).json()
    assert body["valid"] is True
    assert (body["name"], body["address"]) == ("Beispiel GmbH", "Musterstraße 1\n10115 Berlin")
    assert body["requestIdentifier"].startswith("WAPI")
    assert emulator.requests("vies")[0]["json"] == {"countryCode": "DE", "vatNumber": "136695976"}


def test_vies_other_well_formed_number_is_not_registered(emulator):
    body = vies(emulator, number="111111125").json()
    assert (body["valid"], body["name"], body["address"]) == (False, "---", "---")


def test_vies_malformed_number_or_country_is_invalid_input(emulator):
    for country, number in (("DE", "12-34"), ("US", "136695976")):
        body = vies(emulator, country, number).json()
        assert body == {
            "actionSucceed": False,
            "errorWrappers": [{"error": "INVALID_INPUT", "message": None}],
        }


@pytest.mark.parametrize("code", ERROR_CODES)
def test_vies_answers_each_injected_error_code(emulator, code):
    emulator.add_fault(code, path="check-vat-number")
    response = vies(emulator)
    assert response.status_code == 200
    assert response.json()["errorWrappers"][0]["error"] == code
    assert vies(emulator).json()["valid"] is True  # used up


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_vies_server_errors(emulator, kind):
    emulator.add_fault(kind, path="check-vat-number")
    assert vies(emulator).status_code == int(kind)


def test_a_member_state_unavailable_for_n_requests(emulator):
    emulator.vies_unavailable("DE", requests=2)
    for _ in range(2):
        assert vies(emulator).json()["errorWrappers"][0]["error"] == "MS_UNAVAILABLE"
    assert vies(emulator).json()["valid"] is True
    assert vies(emulator, "FR", "40303265045").json()["valid"] is True


def test_a_member_state_unavailable_until_cleared(emulator):
    emulator.vies_unavailable("DE")
    for _ in range(5):
        assert vies(emulator).json()["errorWrappers"][0]["error"] == "MS_UNAVAILABLE"
    assert vies(emulator, "FR", "40303265045").json()["valid"] is True  # others answer
    emulator.vies_available("DE")
    assert vies(emulator).json()["valid"] is True


def test_vies_timeout_answers_late(emulator):
    emulator.add_fault("timeout", delay=0.5, path="check-vat-number")
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        vies(emulator, timeout=0.2)
    assert time.monotonic() - started < 0.5


def test_vies_control_refuses_unknown_country(emulator):
    response = emulator.post("/_fakeproviders/vies/unavailable", json={"country": "US"})
    assert response.status_code == 400


def test_hmrc_token_and_lookup(emulator):
    body = hmrc(emulator).json()
    assert body["target"]["name"] == "Example Ltd"
    assert body["target"]["address"]["postcode"] == "SW1A 1AA"
    not_found = hmrc(emulator, "999999973")
    assert not_found.status_code == 404 and not_found.json()["code"] == "NOT_FOUND"
    assert hmrc(emulator, "12345").status_code == 400


def test_hmrc_needs_its_token(emulator):
    bad = emulator.post("/oauth/token", data={**HMRC_AUTH, "client_secret": "wrong"})
    assert bad.status_code == 401
    assert hmrc(emulator, token="not-issued").status_code == 401
    response = emulator.get("/organisations/vat/check-vat-number/lookup/980780684")
    assert response.json()["code"] == "MISSING_CREDENTIALS"


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_hmrc_injected_errors(emulator, kind):
    token = hmrc_token(emulator)
    emulator.add_fault(kind, path="check-vat-number/lookup")
    response = hmrc(emulator, token=token)
    assert response.status_code == int(kind)
    if kind == "429":
        assert response.headers["Retry-After"] == "1"
    assert hmrc(emulator, token=token).status_code == 200
