"""fakestripe's coupons and promotion codes, Checkout's discounts and free sessions."""

import pytest
import stripe


@pytest.fixture
def promo(api):
    """promo(percent_off=20, code="SPRING", **code_params) -> the promotion code."""

    def make(code="SPRING", coupon=None, **code_params):
        coupon = coupon or {"percent_off": 20}
        created = api.v1.coupons.create(params={"duration": "once", **coupon})
        return api.v1.promotion_codes.create(
            params={
                "promotion": {"type": "coupon", "coupon": created.id},
                "code": code,
                **code_params,
            }
        )

    return make


def test_coupons_and_promotion_codes_are_created_retrieved_and_listed(api, promo):
    code = promo("SPRING", max_redemptions=3)
    assert code.code == "SPRING" and code.active and code.times_redeemed == 0
    coupon = api.v1.coupons.retrieve(code.promotion.coupon)
    assert (coupon.percent_off, coupon.duration, coupon.valid) == (20, "once", True)
    amount_off = api.v1.coupons.create(params={"amount_off": 500, "currency": "EUR"})
    assert (amount_off.amount_off, amount_off.currency) == (500, "eur")
    assert [c.id for c in api.v1.coupons.list().data] == [amount_off.id, coupon.id]
    found = api.v1.promotion_codes.list(params={"code": "spring"}).data
    assert [c.id for c in found] == [code.id]
    assert api.v1.promotion_codes.list(params={"code": "OTHER"}).data == []
    assert api.v1.promotion_codes.retrieve(code.id).max_redemptions == 3


def test_coupon_and_code_parameters_are_checked(api, promo):
    with pytest.raises(stripe.InvalidRequestError, match="amount_off or percent_off"):
        api.v1.coupons.create(params={"duration": "once"})
    with pytest.raises(stripe.InvalidRequestError, match="currency"):
        api.v1.coupons.create(params={"amount_off": 100})
    with pytest.raises(stripe.InvalidRequestError, match="percent_off"):
        api.v1.coupons.create(params={"percent_off": 120})
    promo("SPRING")
    with pytest.raises(stripe.InvalidRequestError, match="already exists"):
        promo("spring")
    with pytest.raises(stripe.InvalidRequestError, match="No such coupon"):
        api.v1.promotion_codes.create(params={"promotion": {"type": "coupon", "coupon": "nope"}})


def test_discounts_and_allow_promotion_codes_exclude_each_other(make_session, promo):
    code = promo()
    with pytest.raises(stripe.InvalidRequestError, match="only specify one of"):
        make_session(allow_promotion_codes=True, discounts=[{"promotion_code": code.id}])


def test_a_discount_comes_off_the_subtotal_and_shows_in_the_breakdown(api, make_session, promo):
    code = promo()
    session = make_session(discounts=[{"promotion_code": code.id}])
    assert (session.amount_subtotal, session.amount_total) == (9900, 7920)
    assert session.total_details.amount_discount == 1980
    assert session.discounts[0].promotion_code == code.id
    assert session.discounts[0].coupon == code.promotion.coupon
    expanded = api.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["total_details.breakdown", "discounts.promotion_code"]}
    )
    (entry,) = expanded.total_details.breakdown.discounts
    assert entry.amount == 1980 and entry.discount.source.coupon.percent_off == 20
    assert expanded.discounts[0].promotion_code.code == "SPRING"


def test_a_code_typed_on_the_hosted_page_rerenders_the_totals(api, make_session, proc, promo):
    promo("SPRING")
    session = make_session(allow_promotion_codes=True)
    page = proc._request("GET", f"/checkout/{session.id}")[2].decode()
    assert "Add promotion code" in page
    status, location = proc.enter_promotion_code(session.id, "spring")
    assert (status, location) == (303, f"/checkout/{session.id}")
    page = proc._request("GET", f"/checkout/{session.id}")[2].decode()
    assert "USD 99.00" in page and "−USD 19.80" in page and "USD 79.20" in page
    assert proc.pay(session.id)[0] == 303
    paid = api.v1.checkout.sessions.retrieve(session.id)
    assert (paid.payment_status, paid.amount_total) == ("paid", 7920)
    assert api.v1.payment_intents.retrieve(paid.payment_intent).amount == 7920


@pytest.mark.parametrize(
    ("code_params", "message"),
    [
        ({}, "not valid"),
        ({"expires_at": 1}, "expired"),
        ({"active": False}, "not valid"),
    ],
)
def test_an_unusable_code_is_refused_clearly(make_session, proc, promo, code_params, message):
    promo("SPRING", **code_params)
    session = make_session(allow_promotion_codes=True)
    typed = "NOPE" if not code_params else "SPRING"
    status, html = proc.enter_promotion_code(session.id, typed)
    assert status == 400 and message in html and 'role="alert"' in html
    assert "USD 99.00" in html and "Discount" not in html


def test_a_used_up_code_is_refused(api, make_session, proc, promo):
    promo("ONCE", max_redemptions=1)
    first = make_session(allow_promotion_codes=True)
    proc.apply_promotion_code(first.id, "ONCE")
    proc.pay(first.id)
    assert api.v1.promotion_codes.list(params={"code": "ONCE"}).data[0].times_redeemed == 1
    second = make_session(allow_promotion_codes=True)
    status, html = proc.enter_promotion_code(second.id, "ONCE")
    assert status == 400 and "used as many times" in html


def test_a_session_without_allow_promotion_codes_has_no_code_field(make_session, proc, promo):
    promo()
    session = make_session()
    assert "Add promotion code" not in proc._request("GET", f"/checkout/{session.id}")[2].decode()
    assert proc.enter_promotion_code(session.id, "SPRING")[0] == 400


def test_a_free_session_completes_without_payment(api, make_session, proc, promo, raw_api):
    promo("FREE", coupon={"percent_off": 100})
    session = make_session(allow_promotion_codes=True, invoice_creation={"enabled": True})
    proc.apply_promotion_code(session.id, "FREE")
    page = proc._request("GET", f"/checkout/{session.id}")[2].decode()
    assert "Complete order" in page and "card_number" not in page
    assert proc.pay(session.id, card="")[0] == 303
    done = api.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "no_payment_required")
    assert done.payment_intent is None and done.amount_total == 0
    assert api.v1.charges.list().data == []
    invoice = api.v1.invoices.retrieve(done.invoice)
    assert (invoice.subtotal, invoice.total, invoice.amount_paid) == (9900, 0, 0)
    assert invoice.total_discount_amounts[0].amount == 9900
    coupon = api.v1.coupons.retrieve(api.v1.promotion_codes.list().data[0].promotion.coupon)
    assert coupon.times_redeemed == 1
    _, _, events = raw_api("GET", "/v1/events?type=checkout.session.completed")
    assert events["data"][0]["data"]["object"]["payment_status"] == "no_payment_required"


def test_the_complete_control_completes_a_free_session_without_payment(
    api, make_session, proc, promo
):
    promo("FREE", coupon={"amount_off": 20000, "currency": "usd"})
    session = make_session(allow_promotion_codes=True)
    applied = proc.apply_promotion_code(session.id, "FREE")
    assert applied["amount_total"] == 0 and applied["total_details"]["amount_discount"] == 9900
    done = proc.complete_session(session.id)
    assert (done["payment_status"], done["payment_intent"]) == ("no_payment_required", None)


def test_an_amount_off_coupon_needs_the_sessions_currency(make_session, proc, promo):
    promo("EUROS", coupon={"amount_off": 500, "currency": "eur"})
    session = make_session(allow_promotion_codes=True)
    status, html = proc.enter_promotion_code(session.id, "EUROS")
    assert status == 400 and "USD" in html
