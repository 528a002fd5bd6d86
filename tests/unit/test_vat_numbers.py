"""VAT numbers: the offline format check (python-stdnum) and how each registry's answers
map to Valid, Invalid or Unavailable."""

from datetime import timedelta

import pytest

from wizard.providers import hmrc_vat, vies
from wizard.providers.vat_numbers import (
    FormatError,
    Invalid,
    Unavailable,
    Valid,
    country,
    parse,
    registry_name,
)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("DE136695976", "DE136695976"),
        ("de 136 695 976", "DE136695976"),
        ("FR 40 303 265 045", "FR40303265045"),
        ("NL004495445B01", "NL004495445B01"),
        ("EL094259216", "EL094259216"),
        ("GB 980 7806 84", "GB980780684"),
        ("gb980780684", "GB980780684"),
    ],
)
def test_a_well_formed_number_is_compacted_with_its_prefix(typed, number):
    assert parse(typed) == number


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("DE123456789", "check digits are wrong"),
        ("DE12345678", "wrong number of characters"),
        ("GB123456789", "not a valid VAT number"),
        ("US123456789", "US is not the code of an EU country or the United Kingdom"),
        ("136695976", "starting with its country code"),
        ("", "starting with its country code"),
    ],
)
def test_a_malformed_number_is_refused_with_a_reason(typed, says):
    with pytest.raises(FormatError) as refused:
        parse(typed)
    assert says in refused.value.message


def test_country_and_registry_of_a_number():
    assert country("EL094259216") == "GR"
    assert country("DE136695976") == "DE"
    assert country("GB980780684") == "GB"
    assert registry_name("GB980780684") == "HMRC"
    assert registry_name("XI980780684") == "VIES"


def refusal(code):
    return {"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]}


def test_vies_valid_and_not_registered():
    answer = {
        "countryCode": "DE",
        "vatNumber": "136695976",
        "valid": True,
        "requestIdentifier": "WAPI1",
        "name": "Beispiel GmbH",
        "address": "Musterstraße 1\n10115 Berlin",
    }
    assert vies.result(answer) == Valid("Beispiel GmbH", "Musterstraße 1\n10115 Berlin", "WAPI1")
    assert vies.result({**answer, "name": "---", "address": "---"}).name == ""
    assert isinstance(vies.result({**answer, "valid": False}), Invalid)


def test_vies_invalid_input_is_invalid():
    assert isinstance(vies.result(refusal("INVALID_INPUT")), Invalid)
    assert isinstance(vies.result(refusal("INVALID_INPUT"), 400), Invalid)


@pytest.mark.parametrize(
    "code",
    ["MS_UNAVAILABLE", "TIMEOUT", "SERVICE_UNAVAILABLE", "VAT_BLOCKED", "IP_BLOCKED"],
)
def test_vies_transient_codes_are_unavailable_without_a_wait(code):
    assert vies.result(refusal(code)) == Unavailable(code, None)


@pytest.mark.parametrize("code", ["MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ"])
def test_vies_quota_codes_are_unavailable_with_a_wait(code):
    assert vies.result(refusal(code)) == Unavailable(code, vies.QUOTA_WAIT)


def test_vies_older_user_error_and_odd_answers():
    assert vies.result({"valid": False, "userError": "MS_UNAVAILABLE"}).code == "MS_UNAVAILABLE"
    assert isinstance(vies.result({"valid": False, "userError": "INVALID"}), Invalid)
    assert vies.result({"actionSucceed": False}) == Unavailable("SERVICE_UNAVAILABLE")
    assert vies.result({"error": "x"}, 503) == Unavailable("HTTP 503")
    assert vies.result({}, 200) == Unavailable("HTTP 200")


def test_hmrc_answers():
    found = {
        "target": {
            "name": "Example Ltd",
            "vatNumber": "980780684",
            "address": {"line1": "1 Example Street", "line2": "London", "postcode": "SW1A 1AA"},
        },
        "processingDate": "2026-12-06T10:00:00Z",
    }
    assert hmrc_vat.result(200, found) == Valid(
        "Example Ltd", "1 Example Street, London, SW1A 1AA", ""
    )
    assert hmrc_vat.result(200, {**found, "consultationNumber": "ABC"}).consultation == "ABC"
    assert isinstance(hmrc_vat.result(404, {"code": "NOT_FOUND"}), Invalid)
    assert isinstance(hmrc_vat.result(400, {"code": "INVALID_REQUEST"}), Invalid)
    assert hmrc_vat.result(500, None) == Unavailable("HTTP 500")
    assert hmrc_vat.result(503, {}) == Unavailable("HTTP 503")
    assert hmrc_vat.result(429, {}, {"Retry-After": "7"}) == Unavailable(
        "HTTP 429", timedelta(seconds=7)
    )
    assert hmrc_vat.result(200, {"unexpected": 1}) == Unavailable("HTTP 200")
