"""A price in a zero- or three-decimal currency is shown as Stripe charges it, on every
screen: the payment page, the hosted checkout, the receipt email, the employer's page,
the admin, the refund email and the staff dashboard (issue 16: JPY 9900 was shown as
"JPY 99.00", BHD 9900 as "BHD 99.00")."""

import pytest
from django.core import mail

from tests.conftest import step_url, stripe_api
from tests.factories import own, posting_at
from tests.fakestripe.test_hosted_checkout import fetch
from tests.integration.test_dashboard import URL as DASHBOARD
from tests.integration.test_dashboard import numbers
from tests.integration.test_payment import pay_form, return_path, session_id_from
from wizard.models import Actor, JobPosting, Refund, Status
from wizard.payments import refunds

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "currency", "shown", "wrong"),
    [
        (9900, "jpy", "JPY 9,900", "JPY 99.00"),
        (9900, "bhd", "BHD 9.900", "BHD 99.00"),
    ],
)
def test_a_price_in_any_currency_is_shown_as_stripe_charges_it(
    client, admin_client, fakestripe, run_tasks, settings, amount, currency, shown, wrong
):
    settings.POSTING_PRICE_AMOUNT, settings.POSTING_PRICE_CURRENCY = amount, currency
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)

    def says_it(html):
        assert shown in html
        assert wrong not in html

    # The payment page, and its button.
    page = client.get(step_url("payment", posting)).content.decode()
    says_it(page)
    assert f"Pay {shown}</button>" in page

    # Stripe is asked for the same minor units, and its page shows the same price.
    response = client.post(step_url("payment", posting), pay_form(posting))
    assert response.status_code == 302, response.content
    session_id = session_id_from(response["Location"])
    session = stripe_api().v1.checkout.sessions.retrieve(session_id)
    assert (session.amount_total, session.currency) == (amount, currency)
    says_it(fetch(response["Location"])[1])

    status, location = fakestripe.pay(session_id, "4242424242424242")
    assert status == 303, location
    client.get(return_path(location))
    assert JobPosting.objects.get(pk=posting.pk).status == Status.IN_REVIEW

    # The receipt.
    run_tasks()
    [receipt] = mail.outbox
    says_it(receipt.body)

    # The admin: the posting's payment attempts.
    change = admin_client.get(f"/admin/wizard/jobposting/{posting.pk}/change/")
    says_it(change.content.decode())

    # A refund: its email, the refunds' admin list and the dashboard.
    posting = JobPosting.objects.get(pk=posting.pk)
    record = refunds.refund(posting, Refund.Reason.STAFF, by=Actor.system(), note="Test")
    assert (record.amount, record.currency) == (amount, currency)
    run_tasks()
    says_it(mail.outbox[-1].body)
    says_it(admin_client.get("/admin/wizard/refund/").content.decode())
    dashboard = admin_client.get(DASHBOARD)
    assert numbers(dashboard, "refunds")["Succeeded (last 8 weeks)"][1] == shown

    # The employer's page after the refund.
    says_it(client.get(step_url("confirmation", posting)).content.decode())
