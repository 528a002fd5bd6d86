"""Staff see every posting in the admin; status and payment data are read-only there."""

import pytest
from django.db import transaction

from tests.factories import posting_at
from wizard.models import Actor, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_posting():
    posting = posting_at(Status.AWAITING_PAYMENT, checkout_session_id="cs_test_admin")
    with transaction.atomic():
        posting.mark_paid(payment_intent_id="pi_admin", by=Actor.system(), why="Webhook")
        posting.save()
    return posting


def test_the_list_filters_by_status_and_searches(admin_client, paid_posting):
    posting_at(Status.DRAFT, title="Draft only")
    response = admin_client.get("/admin/wizard/jobposting/", {"status__exact": "paid"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [paid_posting]
    response = admin_client.get("/admin/wizard/jobposting/", {"q": "acme.example"})
    assert list(response.context["cl"].result_list) == [paid_posting]


def test_the_change_page_shows_the_transition_log_and_keeps_status_read_only(
    admin_client, paid_posting
):
    url = f"/admin/wizard/jobposting/{paid_posting.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"Webhook" in response.content  # the log's reason, inline
    assert "status" not in response.context["adminform"].form.fields
    assert "checkout_session_id" not in response.context["adminform"].form.fields

    data = change_form_data(response)
    data.update({"title": "Edited by staff", "status": "draft", "checkout_session_id": "cs_evil"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    paid_posting.refresh_from_db()
    assert paid_posting.title == "Edited by staff"
    assert (paid_posting.status, paid_posting.checkout_session_id) == (Status.PAID, "cs_test_admin")


def change_form_data(response):
    """What the browser would post back from an admin change page, inlines included."""
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-{key}": value
                for key, value in formset.management_form.initial.items()
            }
        )
        for child in formset.forms:
            data.update(
                {
                    child.add_prefix(name): child[name].value() or ""
                    for name in ("id", formset.fk.name)
                }
            )
    return data


def test_stripe_events_are_listed(admin_client):
    assert admin_client.get("/admin/wizard/stripeevent/").status_code == 200
