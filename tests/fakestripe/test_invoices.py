"""Checkout's post-payment invoices and charges' receipts, through the real stripe SDK."""

import re
import urllib.error
import urllib.request

import pytest
import stripe

INVOICE_DATA = {
    "description": "Job posting JW-7K3F9QA: Senior Django Engineer at Acme",
    "footer": "Thank you for posting with Jobwizard.",
    "custom_fields": [{"name": "Reference", "value": "JW-7K3F9QA"}],
    "metadata": {"posting_id": "p-1", "attempt": "1"},
}


def fetch(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def invoiced(make_session):
    def make(**overrides):
        return make_session(
            invoice_creation={"enabled": True, "invoice_data": INVOICE_DATA}, **overrides
        )

    return make


def test_a_session_with_invoice_creation_has_no_invoice_until_paid(api, invoiced, proc):
    session = invoiced()
    assert session.invoice is None
    assert session.invoice_creation.enabled is True
    assert session.invoice_creation.invoice_data.description == INVOICE_DATA["description"]
    assert session.invoice_creation.invoice_data.metadata.to_dict() == INVOICE_DATA["metadata"]

    proc.pay(session.id)

    paid = api.v1.checkout.sessions.retrieve(session.id)
    assert paid.invoice.startswith("in_")
    invoice = api.v1.invoices.retrieve(paid.invoice)
    assert invoice.status == "paid"
    assert re.fullmatch(r"[A-Z0-9]{8}-0001", invoice.number)
    assert (invoice.amount_paid, invoice.amount_remaining, invoice.currency) == (9900, 0, "usd")
    assert invoice.hosted_invoice_url and invoice.invoice_pdf
    assert invoice.description == INVOICE_DATA["description"]
    assert invoice.footer == INVOICE_DATA["footer"]
    assert invoice.metadata.to_dict() == INVOICE_DATA["metadata"]
    assert [(f.name, f.value) for f in invoice.custom_fields] == [("Reference", "JW-7K3F9QA")]
    [line] = invoice.lines.data
    assert (line.description, line.amount, line.quantity) == ("Job posting", 9900, 1)
    assert invoice.status_transitions.paid_at and invoice.status_transitions.finalized_at


def test_invoice_numbers_follow_each_other_and_expand_on_the_session(api, invoiced, proc):
    first, second = invoiced(), invoiced()
    proc.pay(first.id)
    proc.pay(second.id)

    expanded = api.v1.checkout.sessions.retrieve(second.id, params={"expand": ["invoice"]})
    number = api.v1.invoices.retrieve(api.v1.checkout.sessions.retrieve(first.id).invoice).number
    assert expanded.invoice.object == "invoice"
    assert expanded.invoice.number == number[:-4] + "0002"


def test_a_session_without_invoice_creation_never_gets_an_invoice(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    paid = api.v1.checkout.sessions.retrieve(session.id, params={"expand": ["invoice"]})
    assert paid.invoice is None and paid.invoice_creation.enabled is False
    assert api.v1.invoices.list().data == []


def test_the_events_of_an_invoiced_payment(api, invoiced, proc):
    session = invoiced()
    proc.pay(session.id)
    types = [event.type for event in api.v1.events.list(params={"limit": 100}).data]
    for kind in ("created", "finalized", "paid", "payment_succeeded"):
        assert types.count(f"invoice.{kind}") == 1
    [completed] = api.v1.events.list(params={"type": "checkout.session.completed"}).data
    assert completed.data.object.invoice.startswith("in_")  # set when the session completes


def test_a_held_invoice_is_a_draft_without_number_or_pdf_until_finalized(api, invoiced, proc):
    proc.configure(invoice_finalization="held")
    session = invoiced()
    proc.pay(session.id)
    invoice = api.v1.invoices.retrieve(api.v1.checkout.sessions.retrieve(session.id).invoice)
    assert (invoice.status, invoice.number, invoice.invoice_pdf) == ("draft", None, None)
    assert invoice.hosted_invoice_url is None and invoice.amount_paid == 0
    assert [e.type for e in api.v1.events.list(params={"type": "invoice.*"}).data] == [
        "invoice.created"
    ]

    finalized = proc.finalize_invoice(invoice.id)

    assert finalized["status"] == "paid" and finalized["invoice_pdf"]
    assert api.v1.invoices.retrieve(invoice.id).number == finalized["number"]
    assert {e.type for e in api.v1.events.list(params={"type": "invoice.*"}).data} == {
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
    }
    with pytest.raises(RuntimeError, match="already finalized"):
        proc.finalize_invoice(invoice.id)


def test_a_reset_finalizes_at_once_again(proc):
    proc.configure(invoice_finalization="held")
    proc.reset()
    assert proc.configure()["invoice_finalization"] == "at_once"
    with pytest.raises(RuntimeError, match="invoice_finalization must be one of"):
        proc.configure(invoice_finalization="sometimes")


def test_invoices_are_listed_newest_first_by_status(api, invoiced, proc):
    proc.configure(invoice_finalization="held")
    draft, paid = invoiced(), invoiced()
    proc.pay(draft.id)
    proc.pay(paid.id)
    paid_invoice = api.v1.checkout.sessions.retrieve(paid.id).invoice
    proc.finalize_invoice(paid_invoice)

    assert len(api.v1.invoices.list().data) == 2
    assert [i.id for i in api.v1.invoices.list(params={"status": "paid"}).data] == [paid_invoice]


def test_an_unknown_invoice_is_resource_missing(api):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        api.v1.invoices.retrieve("in_nothing")
    assert raised.value.code == "resource_missing"


@pytest.mark.parametrize(
    "invoice_data, param",
    [
        ({"description": "x" * 1501}, "invoice_creation[invoice_data][description]"),
        ({"footer": "x" * 5001}, "invoice_creation[invoice_data][footer]"),
        (
            {"custom_fields": [{"name": "n", "value": "v"}] * 5},
            "invoice_creation[invoice_data][custom_fields]",
        ),
        (
            {"custom_fields": [{"name": "x" * 41, "value": "v"}]},
            "invoice_creation[invoice_data][custom_fields][0][name]",
        ),
        (
            {"custom_fields": [{"name": "n", "value": "x" * 141}]},
            "invoice_creation[invoice_data][custom_fields][0][value]",
        ),
        ({"colour": "red"}, "invoice_creation[invoice_data][colour]"),
    ],
)
def test_invoice_data_stripe_would_refuse_is_refused(make_session, invoice_data, param):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        make_session(invoice_creation={"enabled": True, "invoice_data": invoice_data})
    assert raised.value.param == param


def test_the_hosted_invoice_and_its_pdf_are_pages_a_browser_can_open(api, invoiced, proc):
    session = invoiced()
    proc.pay(session.id)
    invoice = api.v1.invoices.retrieve(api.v1.checkout.sessions.retrieve(session.id).invoice)

    status, hosted = fetch(invoice.hosted_invoice_url)
    assert status == 200
    assert f"Invoice {invoice.number}" in hosted and "USD 99.00" in hosted
    assert "JW-7K3F9QA" in hosted and invoice.invoice_pdf in hosted
    status, pdf = fetch(invoice.invoice_pdf)
    assert status == 200 and f"Invoice {invoice.number} (PDF)" in pdf
    assert invoice.id not in invoice.hosted_invoice_url  # unguessable, as Stripe's
    assert fetch(invoice.hosted_invoice_url + "x")[0] == 404


def test_a_charge_has_a_receipt_that_follows_its_refunds(api, make_session, proc):
    session = make_session()
    proc.pay(session.id)
    intent = api.v1.payment_intents.retrieve(
        api.v1.checkout.sessions.retrieve(session.id).payment_intent,
        params={"expand": ["latest_charge"]},
    )
    receipt = intent.latest_charge.receipt_url
    status, page = fetch(receipt)
    assert status == 200 and "USD 99.00" in page and "Refunded" not in page

    api.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1000})
    assert "Refunded" in fetch(receipt)[1] and "USD 10.00" in fetch(receipt)[1]


def test_a_declined_charge_has_no_receipt(api, make_session, proc):
    session = make_session()
    proc.pay(session.id, card="4000000000000002")
    intent = api.v1.payment_intents.retrieve(
        api.v1.checkout.sessions.retrieve(session.id).payment_intent,
        params={"expand": ["latest_charge"]},
    )
    assert intent.latest_charge.status == "failed" and intent.latest_charge.receipt_url is None


def test_a_delayed_payment_is_invoiced_once_its_money_arrives(api, invoiced, proc):
    session = invoiced(payment_method_types=["card", "us_bank_account"])
    proc.complete_session(session.id, payment_status="unpaid")
    assert api.v1.checkout.sessions.retrieve(session.id).invoice is None

    proc.async_result(session.id, succeeded=True)

    invoice_id = api.v1.checkout.sessions.retrieve(session.id).invoice
    assert api.v1.invoices.retrieve(invoice_id).status == "paid"
