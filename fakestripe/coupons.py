"""Coupons and promotion codes, as Stripe has them for Checkout in payment mode.

`POST/GET /v1/coupons` (percent_off, or amount_off with currency; duration; name;
max_redemptions; redeem_by; `valid` turns false once either is reached) and
`POST/GET /v1/promotion_codes` (a customer-facing `code` for a coupon, given as
`promotion[type]=coupon&promotion[coupon]=<id>` as the pinned API version has it;
active, max_redemptions, expires_at; list filters `code` (case-insensitive), `active`,
`coupon`).

A Checkout Session takes either `allow_promotion_codes=true` (the hosted page shows an
"Add promotion code" field) or `discounts=[{coupon}|{promotion_code}]` (one at most),
never both, as Stripe refuses. Its `discounts` list names what applies
([{coupon, promotion_code}]); fakestripe.totals takes the discount off the subtotal;
`expand[]=total_details.breakdown` shows it as a discount object. A session whose total
is 0 completes with `payment_status: "no_payment_required"` and no PaymentIntent.
`times_redeemed` counts completed sessions. The control
`POST /_fakestripe/checkout/<id>/promotion_code {"code"}` applies a code as the hosted
page does.

Callers must hold ``store.lock``. Errors are raised as StripeError.
"""

from decimal import ROUND_HALF_UP, Decimal

from .currencies import check_currency
from .errors import invalid_param, invalid_request, missing_param, resource_missing
from .store import new_id

DURATIONS = ("once", "forever", "repeating")
_TRUE, _FALSE = ("true", True), ("false", False)


# ---- coupons -------------------------------------------------------------------


def create_coupon(api, params: dict) -> dict:
    from .api import _parse_int, _parse_metadata, _reject_unknown  # api imports this module

    _reject_unknown(
        params,
        {
            "id",
            "percent_off",
            "amount_off",
            "currency",
            "duration",
            "duration_in_months",
            "name",
            "max_redemptions",
            "redeem_by",
            "metadata",
            "expand",
        },
    )
    store = api.store
    percent_off = amount_off = currency = None
    if params.get("percent_off") not in (None, ""):
        if params.get("amount_off") not in (None, ""):
            raise invalid_request(
                "You may only specify one of these parameters: amount_off, percent_off."
            )
        try:
            percent_off = float(params["percent_off"])
        except (TypeError, ValueError):
            raise invalid_param("Invalid decimal: percent_off", param="percent_off") from None
        if not 0 < percent_off <= 100:
            raise invalid_param(
                "percent_off must be greater than 0 and at most 100.", param="percent_off"
            )
    elif params.get("amount_off") not in (None, ""):
        amount_off = _parse_int(params["amount_off"], "amount_off")
        if amount_off < 1:
            raise invalid_param("amount_off must be a positive integer.", param="amount_off")
        if not params.get("currency"):
            raise missing_param("currency")
        check_currency(params["currency"], "currency")
        currency = params["currency"].lower()
    else:
        raise invalid_request("You must specify either amount_off or percent_off.")
    duration = params.get("duration") or "once"
    if duration not in DURATIONS:
        raise invalid_param(f"Invalid duration: must be one of {list(DURATIONS)}", param="duration")
    months = None
    if duration == "repeating":
        if params.get("duration_in_months") in (None, ""):
            raise missing_param("duration_in_months")
        months = _parse_int(params["duration_in_months"], "duration_in_months")
    coupon_id = params.get("id") or new_id("", 8)
    if coupon_id in store.coupons:
        raise invalid_request("Coupon already exists.", param="id", code="resource_already_exists")
    coupon = {
        "id": coupon_id,
        "object": "coupon",
        "amount_off": amount_off,
        "applies_to": None,
        "created": store.now(),
        "currency": currency,
        "currency_options": None,
        "duration": duration,
        "duration_in_months": months,
        "livemode": False,
        "max_redemptions": _optional_positive(params, "max_redemptions"),
        "metadata": _parse_metadata(params.get("metadata"), "metadata"),
        "name": params.get("name") or None,
        "percent_off": percent_off,
        "redeem_by": _optional_int(params, "redeem_by"),
        "times_redeemed": 0,
        "valid": True,
    }
    store.coupons[coupon_id] = coupon
    store.record_event("coupon.created", coupon)
    return coupon


def retrieve_coupon(api, coupon_id: str) -> dict:
    coupon = api.store.coupons.get(coupon_id)
    if coupon is None:
        raise resource_missing("coupon", coupon_id, param="coupon")
    _refresh_valid(api, coupon)
    return coupon


def list_coupons(api, params: dict) -> dict:
    from .api import _paginate, _reject_unknown

    _reject_unknown(params, {"limit", "starting_after", "expand", "created"})
    coupons = [retrieve_coupon(api, cid) for cid in reversed(list(api.store.coupons))]
    return _paginate(coupons, params, "/v1/coupons")


def _refresh_valid(api, coupon: dict):
    past = coupon["redeem_by"] is not None and api.store.now() >= coupon["redeem_by"]
    used_up = (
        coupon["max_redemptions"] is not None
        and coupon["times_redeemed"] >= coupon["max_redemptions"]
    )
    coupon["valid"] = not (past or used_up)


# ---- promotion codes -------------------------------------------------------------


def create_promotion_code(api, params: dict) -> dict:
    from .api import _parse_metadata, _reject_unknown

    _reject_unknown(
        params,
        {"promotion", "code", "active", "max_redemptions", "expires_at", "metadata", "expand"},
    )
    promotion = params.get("promotion")
    if not isinstance(promotion, dict) or not promotion.get("coupon"):
        raise missing_param("promotion[coupon]")
    if promotion.get("type") != "coupon":
        raise invalid_param("promotion[type] must be coupon.", param="promotion[type]")
    coupon = retrieve_coupon(api, promotion["coupon"])
    code = params.get("code") or new_id("", 8).upper()
    if any(
        other["active"] and other["code"].lower() == code.lower()
        for other in api.store.promotion_codes.values()
    ):
        raise invalid_request(
            f"An active promotion code with `code: {code}` already exists.", param="code"
        )
    active = params.get("active", True)
    if active not in _TRUE + _FALSE:
        raise invalid_param("Invalid boolean: active", param="active")
    promotion_code = {
        "id": new_id("promo_"),
        "object": "promotion_code",
        "active": active in _TRUE,
        "code": code,
        "created": api.store.now(),
        "customer": None,
        "customer_account": None,
        "expires_at": _optional_int(params, "expires_at"),
        "livemode": False,
        "max_redemptions": _optional_positive(params, "max_redemptions"),
        "metadata": _parse_metadata(params.get("metadata"), "metadata"),
        "promotion": {"coupon": coupon["id"], "type": "coupon"},
        "restrictions": {
            "currency_options": {},
            "first_time_transaction": False,
            "minimum_amount": None,
            "minimum_amount_currency": None,
        },
        "times_redeemed": 0,
    }
    api.store.promotion_codes[promotion_code["id"]] = promotion_code
    api.store.record_event("promotion_code.created", promotion_code)
    return promotion_code


def retrieve_promotion_code(api, code_id: str) -> dict:
    found = api.store.promotion_codes.get(code_id)
    if found is None:
        raise resource_missing("promotion_code", code_id, param="promotion_code")
    return found


def list_promotion_codes(api, params: dict) -> dict:
    from .api import _paginate, _reject_unknown

    _reject_unknown(
        params, {"code", "active", "coupon", "limit", "starting_after", "expand", "created"}
    )
    active = params.get("active")
    codes = [
        promo
        for promo in reversed(list(api.store.promotion_codes.values()))
        if (not params.get("code") or promo["code"].lower() == params["code"].lower())
        and (active in (None, "") or promo["active"] == (active in _TRUE))
        and (not params.get("coupon") or promo["promotion"]["coupon"] == params["coupon"])
    ]
    return _paginate(codes, params, "/v1/promotion_codes")


# ---- Checkout Sessions -------------------------------------------------------------


def session_params(api, params: dict, currency: str) -> tuple[bool, list]:
    """(allow_promotion_codes, discounts) of a new session, checked as Stripe checks them."""
    allow = params.get("allow_promotion_codes")
    discounts = params.get("discounts")
    if allow not in (None, "") and discounts not in (None, "", []):
        raise invalid_request(
            "You may only specify one of these parameters: allow_promotion_codes, discounts."
        )
    if allow not in (None, "") and allow not in _TRUE + _FALSE:
        raise invalid_param("Invalid boolean: allow_promotion_codes", param="allow_promotion_codes")
    if discounts in (None, "", []):
        return allow in _TRUE, []
    if not isinstance(discounts, list) or len(discounts) > 1:
        raise invalid_param("You may only specify one discount.", param="discounts")
    entry = discounts[0]
    if not isinstance(entry, dict) or len(entry) != 1 or set(entry) - {"coupon", "promotion_code"}:
        raise invalid_param(
            "Each discount takes exactly one of coupon or promotion_code.", param="discounts[0]"
        )
    if "coupon" in entry:
        coupon = retrieve_coupon(api, entry["coupon"])
        _check_coupon(coupon, currency, "discounts[0][coupon]")
        return False, [{"coupon": coupon["id"], "promotion_code": None}]
    promo = retrieve_promotion_code(api, entry["promotion_code"])
    return False, [_usable(api, promo, currency, "discounts[0][promotion_code]")]


def apply_code(api, session: dict, code: str) -> dict:
    """The customer types a promotion code on the hosted page (or a test's control)."""
    from . import totals  # totals imports this module

    if session["status"] != "open":
        raise invalid_request(f"This Checkout Session is {session['status']}.")
    if not session["allow_promotion_codes"]:
        raise invalid_request("This Checkout Session does not take promotion codes.")
    code = (code or "").strip()
    found = [
        promo
        for promo in api.store.promotion_codes.values()
        if promo["active"] and promo["code"].lower() == code.lower()
    ]
    if not code or not found:
        raise invalid_request("This code is not valid. Check it and try again.", param="code")
    session["discounts"] = [_usable(api, found[0], session["currency"], "code")]
    totals.compute(api, session)
    return session


def session_discount(api, session: dict, subtotal: int) -> int:
    """What the session's discount takes off its subtotal."""
    if not session["discounts"]:
        return 0
    coupon = api.store.coupons[session["discounts"][0]["coupon"]]
    if coupon["percent_off"] is not None:
        off = Decimal(subtotal) * Decimal(str(coupon["percent_off"])) / 100
        return int(off.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(coupon["amount_off"], subtotal)


def breakdown(api, session: dict) -> dict:
    """total_details.breakdown (with expand[]=total_details.breakdown)."""
    discounts = []
    for entry in session["discounts"]:
        discounts.append(
            {
                "amount": session["total_details"]["amount_discount"],
                "discount": {
                    "id": "di_" + session["id"][8:32],
                    "object": "discount",
                    "checkout_session": session["id"],
                    "customer": None,
                    "customer_account": None,
                    "end": None,
                    "invoice": None,
                    "invoice_item": None,
                    "promotion_code": entry["promotion_code"],
                    "source": {"coupon": retrieve_coupon(api, entry["coupon"]), "type": "coupon"},
                    "start": session["created"],
                    "subscription": None,
                    "subscription_item": None,
                },
            }
        )
    return {"discounts": discounts, "taxes": []}


def expand_discounts(api, session: dict, fields: set) -> list:
    """The session's discounts with expand[]=discounts.promotion_code / discounts.coupon."""
    expanded = []
    for entry in session["discounts"]:
        entry = dict(entry)
        if "discounts.coupon" in fields:
            entry["coupon"] = retrieve_coupon(api, entry["coupon"])
        if "discounts.promotion_code" in fields and entry["promotion_code"]:
            entry["promotion_code"] = retrieve_promotion_code(api, entry["promotion_code"])
        expanded.append(entry)
    return expanded


def redeemed(api, session: dict):
    """A session with a discount completed: its coupon and code count one redemption."""
    for entry in session["discounts"]:
        coupon = api.store.coupons[entry["coupon"]]
        coupon["times_redeemed"] += 1
        _refresh_valid(api, coupon)
        if entry["promotion_code"]:
            api.store.promotion_codes[entry["promotion_code"]]["times_redeemed"] += 1


def _usable(api, promo: dict, currency: str, param: str) -> dict:
    """{coupon, promotion_code} of a promotion code that may be redeemed now."""
    now = api.store.now()
    if not promo["active"]:
        raise invalid_request("This code is not valid. Check it and try again.", param=param)
    if promo["expires_at"] is not None and now >= promo["expires_at"]:
        raise invalid_request("This code has expired.", param=param)
    if promo["max_redemptions"] is not None and promo["times_redeemed"] >= promo["max_redemptions"]:
        raise invalid_request("This code has been used as many times as it can be.", param=param)
    coupon = retrieve_coupon(api, promo["promotion"]["coupon"])
    _check_coupon(coupon, currency, param)
    return {"coupon": coupon["id"], "promotion_code": promo["id"]}


def _check_coupon(coupon: dict, currency: str, param: str):
    if not coupon["valid"]:
        raise invalid_request("This code has expired or been used up.", param=param)
    if coupon["amount_off"] is not None and coupon["currency"] != currency:
        raise invalid_request(
            f"This code cannot be used for a payment in {currency.upper()}.", param=param
        )


def _optional_int(params: dict, name: str):
    from .api import _parse_int

    return None if params.get(name) in (None, "") else _parse_int(params[name], name)


def _optional_positive(params: dict, name: str):
    value = _optional_int(params, name)
    if value is not None and value < 1:
        raise invalid_param(f"{name} must be a positive integer.", param=name)
    return value
