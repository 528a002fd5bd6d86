"""Who owns what once an employer signs in: the drafts this browser made become theirs;
postings paid before with a receipt to the proven address are offered, and added only on
a POST and only if sent to that address; another employer's posting is a 404."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.accounts import employer, sign_in_as
from tests.conftest import step_url
from tests.factories import own, posting_at, posting_reaching
from tests.sign_in import ask_code, enter_code, last_sign_in_email
from wizard.models import Employer, JobPosting, Status

pytestmark = pytest.mark.django_db

ADDRESS = "boss@example.com"


def sign_in_by_code(client, run_tasks, email=ADDRESS, **data):
    ask_code(client, email, **data)
    return enter_code(client, last_sign_in_email(run_tasks).code, **data)


def paid(contact_email, **fields):
    return posting_at(
        Status.IN_REVIEW, contact_email=contact_email, **{"paid_at": timezone.now(), **fields}
    )


def test_drafts_this_browser_holds_become_the_accounts(client, run_tasks):
    mine = posting_reaching("details")
    someone_elses = posting_reaching("details", employer=employer("other@example.com"))
    own(client, mine, someone_elses)
    sign_in_by_code(client, run_tasks)

    account = JobPosting.objects.get(pk=mine.pk).employer
    assert account is not None and account.email == ADDRESS
    assert JobPosting.objects.get(pk=someone_elses.pk).employer.email == "other@example.com"
    # Another browser signed in to the account reaches the adopted draft.
    elsewhere = sign_in_as(Client(), account)
    assert elsewhere.get(step_url("details", mine)).status_code == 200


def test_another_employers_posting_by_url_is_a_404(client):
    theirs = posting_reaching("details", employer=employer("other@example.com"))
    paid_theirs = paid("other@example.com", employer=theirs.employer)
    sign_in_as(client, employer())
    assert client.get(step_url("details", theirs)).status_code == 404
    assert client.post(step_url("details", theirs), {"title": "Mine now"}).status_code == 404
    assert client.get(f"/post/{paid_theirs.pk}/status/").status_code == 404
    assert JobPosting.objects.get(pk=theirs.pk).title == theirs.title
    # Their owner reaches both.
    owner = sign_in_as(Client(), theirs.employer)
    assert owner.get(step_url("details", theirs)).status_code == 200
    assert owner.get(f"/post/{paid_theirs.pk}/status/").status_code == 200


def test_postings_paid_before_are_offered_and_added_only_on_post(client, run_tasks):
    receipt_here = paid("Boss@Example.COM", title="Paid without an account")
    elsewhere = paid("someone@example.com", title="Someone else's")
    draft_here = posting_reaching("details", contact_email=ADDRESS, title="Unpaid draft")
    accounts = paid(ADDRESS, title="Another account's", employer=employer("x@example.com"))

    response = sign_in_by_code(client, run_tasks, next="/post/")
    assert response["Location"] == "/account/sign-in/found/?next=%2Fpost%2F"
    page = client.get(response["Location"])
    assert b"We found 1 posting sent to this address" in page.content
    assert b"Paid without an account" in page.content
    for hidden in (elsewhere, draft_here, accounts):
        assert hidden.title.encode() not in page.content
    assert JobPosting.objects.get(pk=receipt_here.pk).employer is None  # a GET adds nothing

    # A POST naming more than was offered adds only what was.
    ids = [str(p.pk) for p in (receipt_here, elsewhere, draft_here, accounts)]
    form = {"posting": [*ids, "not-a-uuid"], "next": "/post/"}
    added = client.post("/account/sign-in/found/", form)
    assert added.status_code == 302 and added["Location"] == "/post/"
    account = JobPosting.objects.get(pk=receipt_here.pk).employer
    assert account is not None and account.email == ADDRESS
    assert JobPosting.objects.get(pk=elsewhere.pk).employer is None
    assert JobPosting.objects.get(pk=draft_here.pk).employer is None
    assert JobPosting.objects.get(pk=accounts.pk).employer.email == "x@example.com"
    # Nothing left to offer: the page sends the employer on.
    assert client.get("/account/sign-in/found/")["Location"] == "/account/postings/"


def test_without_postings_to_offer_sign_in_goes_straight_on(client, run_tasks):
    paid("someone@example.com")
    assert sign_in_by_code(client, run_tasks)["Location"] == "/account/postings/"


def test_the_offer_is_only_for_a_signed_in_employer(client):
    receipt = paid(ADDRESS)
    response = client.post("/account/sign-in/found/", {"posting": [str(receipt.pk)]})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/?next=")
    assert JobPosting.objects.get(pk=receipt.pk).employer is None


def test_a_visitor_who_never_signs_in_keeps_the_session_path(client):
    draft = posting_reaching("details")
    own(client, draft)
    assert client.get(step_url("details", draft)).status_code == 200
    assert Client().get(step_url("details", draft)).status_code == 404
    assert JobPosting.objects.get(pk=draft.pk).employer is None


def test_signing_in_over_another_employers_sign_in_forgets_what_the_browser_held(client, run_tasks):
    """A shared browser: the first employer's drafts, held by the session, are not the
    next one's to open or adopt."""
    first = sign_in_by_code(client, run_tasks, email="first@example.com")
    assert first.status_code == 302
    account = Employer.objects.get(email="first@example.com")
    theirs = posting_reaching("details", employer=account)
    own(client, theirs)
    assert client.get(step_url("details", theirs)).status_code == 200

    sign_in_by_code(client, run_tasks, email=ADDRESS)

    assert client.get(step_url("details", theirs)).status_code == 404
    assert JobPosting.objects.get(pk=theirs.pk).employer == account


def test_signing_in_again_to_the_same_account_keeps_what_the_browser_held(client, run_tasks):
    sign_in_by_code(client, run_tasks)
    draft = posting_reaching("details")
    own(client, draft)

    sign_in_by_code(client, run_tasks)

    assert client.get(step_url("details", draft)).status_code == 200


def test_signing_out_everywhere_takes_the_drafts_from_the_other_browsers_too(client):
    account = employer()
    sign_in_as(client, account)
    draft = posting_reaching("details", employer=account)
    own(client, draft)  # as the browser that started it holds it
    elsewhere = sign_in_as(Client(), account)

    assert elsewhere.post("/account/sign-out/everywhere/").status_code == 302

    assert client.get(step_url("details", draft)).status_code == 404
    assert client.get("/account/postings/")["Location"].startswith("/account/sign-in/")


def test_the_postings_found_are_dated_in_their_own_zone(client, run_tasks):
    # 23:30 UTC on 1 March is already 2 March in Auckland.
    paid_at = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    paid(ADDRESS, country="NZ", city="Auckland", workplace="on_site", paid_at=paid_at)
    page = client.get(sign_in_by_code(client, run_tasks)["Location"]).content.decode()
    assert "paid 2 March 2027" in page
