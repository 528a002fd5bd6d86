"""fakestripe's Stripe Tax: rates by the customer's country, reverse charge for a business
abroad, exclusive and inclusive prices, customers with tax IDs, and Stripe's refusals."""

import pytest
import stripe

TAXED = {
    "automatic_tax": {"enabled": True},
    "billing_address_collection": "required",
    "tax_id_collection": {"enabled": True},
}


def line(amount=4900, behavior="exclusive", currency="eur"):
    return [
        {
            "price_data": {
                "currency": currency,
                "unit_amount": amount,
                "tax_behavior": behavior,
                "product_data": {"name": "Job posting"},
            },
            "quantity": 1,
        }
    ]


def breakdown(api, session_id):
    session = api.v1.checkout.sessions.retrieve(
        session_id, params={"expand": ["total_details.breakdown"]}
    )
    return session, session.total_details.breakdown.taxes


def test_a_consumer_in_germany_pays_19_percent_on_top(api, make_session, proc):
    session = make_session(line_items=line(), **TAXED)
    assert session.automatic_tax.status == "requires_location_inputs"
    status, _ = proc.pay(session.id, billing_country="DE")
    assert status == 303
    paid, taxes = breakdown(api, session.id)
    assert (paid.amount_subtotal, paid.total_details.amount_tax, paid.amount_total) == (
        4900,
        931,
        5831,
    )
    assert paid.automatic_tax.status == "complete"
    assert taxes[0].taxability_reason == "standard_rated"
    assert taxes[0].rate.percentage == 19 and taxes[0].rate.country == "DE"
    assert paid.customer_details.address.country == "DE"
    intent = api.v1.payment_intents.retrieve(paid.payment_intent)
    assert intent.amount == intent.amount_received == 5831


def test_a_country_outside_the_table_pays_no_tax(api, make_session, proc):
    session = make_session(line_items=line(), **TAXED)
    proc.pay(session.id)  # the preselected country, US
    paid, taxes = breakdown(api, session.id)
    assert paid.total_details.amount_tax == 0 and paid.amount_total == 4900
    assert taxes[0].taxability_reason == "not_collecting"


def test_inclusive_prices_contain_the_tax(api, make_session, proc):
    session = make_session(line_items=line(5000, "inclusive"), **TAXED)
    proc.complete_session(session.id, billing_country="FR")
    paid, taxes = breakdown(api, session.id)
    assert paid.amount_total == 5000
    assert paid.total_details.amount_tax == 833  # 5000 - round(5000 / 1.2)
    assert taxes[0].rate.inclusive is True


def test_a_business_customer_abroad_is_reverse_charged(api, make_session, proc):
    customer = api.v1.customers.create(
        params={
            "email": "ap@firma.example",
            "name": "Firma GmbH",
            "address": {"country": "DE", "line1": "Hauptstr. 1"},
            "tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}],
        }
    )
    ids = api.v1.customers.tax_ids.list(customer.id)
    assert ids.data[0].verification.status == "verified"
    assert ids.data[0].country == "DE"
    session = make_session(
        line_items=line(),
        customer=customer.id,
        customer_update={"address": "auto", "name": "auto"},
        **TAXED,
    )
    # The customer's address is known: the tax is computed as the session is created.
    assert session.total_details.amount_tax == 0 and session.amount_total == 4900
    status, page = proc._request("GET", f"/checkout/{session.id}", None, {})[0::2]
    assert status == 200 and b"Reverse charge" in page
    proc.complete_session(session.id)
    paid, taxes = breakdown(api, session.id)
    assert taxes[0].taxability_reason == "reverse_charge" and taxes[0].amount == 0
    assert paid.customer == customer.id
    assert paid.customer_details.tax_ids[0].value == "DE123456789"


def test_a_vat_number_entered_on_the_page_reverse_charges(api, make_session, proc):
    session = make_session(line_items=line(), **TAXED)
    proc.pay(session.id, billing_country="NL", tax_id="NL123456789B01")
    paid, taxes = breakdown(api, session.id)
    assert taxes[0].taxability_reason == "reverse_charge"
    assert paid.customer_details.tax_ids[0].type == "eu_vat"


def test_a_business_in_the_origin_country_pays_its_vat(api, make_session, proc):
    session = make_session(line_items=line(), **TAXED)
    proc.pay(session.id, billing_country="IE", tax_id="IE1234567T")
    paid, taxes = breakdown(api, session.id)
    assert paid.total_details.amount_tax == 1127  # 23 % of 49.00
    assert taxes[0].taxability_reason == "standard_rated"


def test_the_invoice_carries_the_tax(api, make_session, proc):
    session = make_session(line_items=line(), invoice_creation={"enabled": True}, **TAXED)
    proc.pay(session.id, billing_country="DE")
    invoice = api.v1.invoices.retrieve(api.v1.checkout.sessions.retrieve(session.id).invoice)
    assert invoice.total == invoice.amount_paid == 5831
    assert invoice.total_excluding_tax == 4900
    assert invoice.total_taxes[0].amount == 931
    path = invoice.hosted_invoice_url.removeprefix(proc.url)
    status, _, page = proc._request("GET", path, None, {})
    assert status == 200 and b"Subtotal" in page and b"EUR 9.31" in page


def test_the_page_asks_for_the_billing_country(api, make_session, proc):
    session = make_session(line_items=line(), **TAXED)
    status, body = proc.pay(session.id, billing_country="")
    assert status == 400 and "Select the country of your billing address" in body
    assert api.v1.checkout.sessions.retrieve(session.id).status == "open"
    status, _, page = proc._request("GET", f"/checkout/{session.id}", None, {})
    assert b'<select id="billing_country" name="billing_country" required>' in page
    assert b"calculated from your billing country" in page


def test_without_automatic_tax_nothing_changes(api, make_session, proc):
    session = make_session(line_items=line(behavior="unspecified"))
    proc.pay(session.id, billing_country="DE")
    paid = api.v1.checkout.sessions.retrieve(session.id)
    assert paid.amount_total == 4900 and paid.total_details.amount_tax == 0
    assert paid.automatic_tax.enabled is False


@pytest.mark.parametrize(
    "params, param",
    [
        ({"line_items": line(behavior="unspecified"), **TAXED}, "line_items"),
        ({"line_items": line(behavior="sometimes")}, "line_items[0][price_data][tax_behavior]"),
        ({"billing_address_collection": "always"}, "billing_address_collection"),
        ({"customer_update": {"address": "auto"}}, "customer_update"),
        ({"customer": "cus_missing"}, "customer"),
    ],
)
def test_refusals(make_session, params, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_session(**params)
    assert refused.value.param == param


def test_a_customer_needs_customer_update_for_tax(api, make_session):
    customer = api.v1.customers.create(params={"email": "a@b.example"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_session(line_items=line(), customer=customer.id, **TAXED)
    assert refused.value.param == "tax_id_collection[enabled]"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_session(
            line_items=line(),
            customer=customer.id,
            customer_update={"name": "auto"},
            **TAXED,
        )
    assert "requires a valid address on the Customer" in str(refused.value)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_session(customer=customer.id, customer_email="a@b.example")
    assert "only specify one of" in str(refused.value)


def test_tax_id_verification_follows_stripes_test_numbers(api):
    customer = api.v1.customers.create(
        params={
            "tax_id_data": [
                {"type": "eu_vat", "value": "DE111111111"},
                {"type": "gb_vat", "value": "GB222222222"},
            ]
        }
    )
    statuses = [t.verification.status for t in api.v1.customers.tax_ids.list(customer.id).data]
    assert statuses == ["unverified", "unavailable"]
    with pytest.raises(stripe.InvalidRequestError):
        api.v1.customers.create(params={"tax_id_data": [{"type": "xx_vat", "value": "1"}]})
    assert api.v1.customers.retrieve(customer.id).tax_exempt == "none"
