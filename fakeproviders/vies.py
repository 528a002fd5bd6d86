"""The EU's VIES REST API: POST /taxation_customs/vies/rest-api/check-vat-number.

Body {"countryCode": "DE", "vatNumber": "136695976"}. A number in KNOWN is valid, with its
name and address and a request identifier; any other well-formed number is not
(`valid: false`, name and address "---", as VIES answers); a malformed one, or an unknown
country code, gets INVALID_INPUT. Refusals are VIES's: HTTP 200 with
{"actionSucceed": false, "errorWrappers": [{"error": CODE, "message": …}]}.
Fault injection (the control API): a fault of kind CODE (one of ERROR_CODES) answers that
refusal; "500", "503" and "429" answer a server error; a member state may be made
unavailable (MS_UNAVAILABLE) for its next N checks or until cleared
(POST /_fakeproviders/vies/unavailable {"country": "DE", "requests": 3} or without
"requests"; POST /_fakeproviders/vies/available {"country": "DE"} clears it).
"""

import re
import secrets

from fakekit.control import ControlRequestError, json_body
from fakekit.messages import Request, Response, json_response

from .common import Clock

PATH = "/taxation_customs/vies/rest-api/check-vat-number"
ERROR_CODES = (
    "INVALID_INPUT",
    "SERVICE_UNAVAILABLE",
    "MS_UNAVAILABLE",
    "TIMEOUT",
    "VAT_BLOCKED",
    "IP_BLOCKED",
    "GLOBAL_MAX_CONCURRENT_REQ",
    "GLOBAL_MAX_CONCURRENT_REQ_TIME",
    "MS_MAX_CONCURRENT_REQ",
    "MS_MAX_CONCURRENT_REQ_TIME",
)
MEMBER_STATES = set(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split()
)
# Valid numbers (their check digits are right: the app checks them before asking).
KNOWN = {
    ("DE", "136695976"): ("Beispiel GmbH", "Musterstraße 1\n10115 Berlin"),
    ("FR", "40303265045"): ("Exemple SARL", "1 Rue de l'Exemple\n75001 Paris"),
    ("NL", "004495445B01"): ("Voorbeeld B.V.", "Voorbeeldstraat 1\n1011 AB Amsterdam"),
}
_NUMBER = re.compile(r"[0-9A-Z+*]{2,12}")


def vies_error(code: str, status: int = 200) -> Response:
    return json_response(
        status,
        {"actionSucceed": False, "errorWrappers": [{"error": code, "message": None}]},
    )


class Vies:
    def __init__(self, clock: Clock):
        self.clock = clock
        # member state -> checks it stays unavailable for (None: until cleared)
        self.unavailable: dict[str, int | None] = {}

    @staticmethod
    def handles(path: str) -> bool:
        return path == PATH

    def injected_error(self, kind: str) -> Response:
        if kind in ERROR_CODES:
            return vies_error(kind)
        status = int(kind)
        return json_response(status, {"error": "Service Unavailable" if status != 500 else ""})

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return json_response(405, {"error": "Method Not Allowed"})
        try:
            body = request.json()
        except ValueError:
            return vies_error("INVALID_INPUT", 400)
        if not isinstance(body, dict):
            return vies_error("INVALID_INPUT", 400)
        country = str(body.get("countryCode") or "").upper()
        number = str(body.get("vatNumber") or "").upper()
        if country not in MEMBER_STATES or not _NUMBER.fullmatch(number):
            return vies_error("INVALID_INPUT")
        if country in self.unavailable:
            left = self.unavailable[country]
            if left is not None:
                if left <= 1:
                    del self.unavailable[country]
                else:
                    self.unavailable[country] = left - 1
            return vies_error("MS_UNAVAILABLE")
        name, address = KNOWN.get((country, number), ("---", "---"))
        return json_response(
            200,
            {
                "countryCode": country,
                "vatNumber": number,
                "requestDate": self.clock.iso(),
                "valid": (country, number) in KNOWN,
                "requestIdentifier": "WAPI" + secrets.token_hex(6).upper(),
                "name": name,
                "address": address,
                "traderName": "",
                "traderStreet": "",
                "traderPostalCode": "",
                "traderCity": "",
                "traderCompanyType": "",
                "traderNameMatch": "NOT_PROCESSED",
                "traderStreetMatch": "NOT_PROCESSED",
                "traderPostalCodeMatch": "NOT_PROCESSED",
                "traderCityMatch": "NOT_PROCESSED",
                "traderCompanyTypeMatch": "NOT_PROCESSED",
            },
        )

    # ---- control ----

    def make_unavailable(self, request: Request) -> dict:
        body = json_body(request)
        country = self._country(body)
        requests = body.get("requests")
        if requests is not None and (
            isinstance(requests, bool) or not isinstance(requests, int) or requests < 1
        ):
            raise ControlRequestError("requests must be a positive integer (or absent)")
        self.unavailable[country] = requests
        return {"unavailable": self.unavailable}

    def make_available(self, request: Request) -> dict:
        self.unavailable.pop(self._country(json_body(request)), None)
        return {"unavailable": self.unavailable}

    @staticmethod
    def _country(body) -> str:
        country = str(body.get("country") or "").upper() if isinstance(body, dict) else ""
        if country not in MEMBER_STATES:
            raise ControlRequestError(f"country must be a VIES member state, not {country!r}")
        return country
