"""Staff review in the admin: every action is a model transition made through
wizard.postings.review."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import stripe_api
from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from wizard.effects.email import warn_expiring_postings
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, Refund, Status, TransitionLog
from wizard.postings.review import expire_due_postings

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(client, fakestripe, run_tasks):
    """A posting paid through fakestripe (and so in review), its receipt sent."""
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    posting.refresh_from_db()
    assert posting.status == Status.IN_REVIEW
    mail.outbox.clear()
    return posting


def transition_url(posting, name):
    return f"/admin/wizard/jobposting/{posting.pk}/transition/{name}/"


def buttons(admin_client, posting):
    page = admin_client.get(f"/admin/wizard/jobposting/{posting.pk}/change/").content.decode()
    return re.findall(r"/transition/(\w+)/", page)


def test_approving_publishes_and_emails_the_public_link(admin_client, in_review, run_tasks):
    response = admin_client.post(transition_url(in_review, "approve"))
    assert response.status_code == 302
    posting = JobPosting.objects.get()
    assert posting.status == Status.PUBLISHED and posting.slug
    assert posting.expires_at - posting.published_at == timedelta(days=30)
    log = TransitionLog.objects.get(target=Status.PUBLISHED)
    assert (log.actor, log.user.username) == ("staff", "admin")
    run_tasks()
    [email] = mail.outbox
    assert "is live" in email.subject
    assert f"/jobs/{posting.slug}/" in email.body
    assert "/post/manage/" in email.body


def test_rejecting_refunds_emails_the_reason_and_keeps_it_off_the_board(
    admin_client, in_review, run_tasks, client, django_capture_on_commit_callbacks
):
    page = admin_client.get(transition_url(in_review, "reject"))
    assert b"refunded in full" in page.content
    assert admin_client.post(transition_url(in_review, "reject"), {"note": "No"}).status_code == 200
    assert JobPosting.objects.get().status == Status.IN_REVIEW  # a reason is required
    other = admin_client.post(transition_url(in_review, "reject"), {"reason": "other"})
    assert b"Say why, when the reason is Other." in other.content
    assert JobPosting.objects.get().status == Status.IN_REVIEW

    # The refund is asked of Stripe as soon as the rejection commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            transition_url(in_review, "reject"),
            {"reason": "misleading", "note": "We only list jobs with a salary range."},
        )
    assert response.status_code == 302
    posting = JobPosting.objects.get()
    assert posting.status == Status.REJECTED
    reason = "Missing or misleading information. We only list jobs with a salary range."
    assert posting.transitions.get(target=Status.REJECTED).reason == reason
    refund = Refund.objects.get()
    assert (refund.reason, refund.state) == ("rejected", "succeeded")
    [at_stripe] = (
        stripe_api()
        .v1.refunds.list(params={"payment_intent": posting.current_attempt.payment_intent_id})
        .data
    )
    assert at_stripe.amount == 9900
    run_tasks()
    [email] = mail.outbox
    assert reason in email.body
    assert "refunding your payment of USD 99.00" in email.body
    assert client.get(f"/jobs/{posting.slug or 'none'}/").status_code == 404


ALLOWED = {
    Status.PAID: [],
    Status.CONFIRMED: [],
    Status.IN_REVIEW: ["approve", "reject"],
    Status.PUBLISHED: ["withdraw"],
    Status.REJECTED: [],
    Status.EXPIRED: [],
    Status.REFUNDED: [],
}


@pytest.mark.parametrize("status,expected", ALLOWED.items())
def test_buttons_offer_exactly_the_transitions_the_model_allows(admin_client, status, expected):
    posting = posting_at(status, slug=f"job-{status}")
    assert sorted(buttons(admin_client, posting)) == sorted(expected)
    for name in ["approve", "reject", "withdraw"]:
        if name in expected:
            continue
        response = admin_client.post(transition_url(posting, name), {"reason": "x"})
        assert response.status_code == 302  # refused with a message, nothing changed
        assert JobPosting.objects.get(pk=posting.pk).status == status


@pytest.fixture
def staff_without_review(client):
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_jobposting", "change_jobposting"])
    )
    client.force_login(user)
    return client


def test_staff_without_the_review_permission_get_no_buttons_and_a_403(staff_without_review):
    posting = posting_at(Status.IN_REVIEW)
    assert buttons(staff_without_review, posting) == []
    for name in ["approve", "reject"]:
        assert (
            staff_without_review.post(transition_url(posting, name), {"reason": "x"}).status_code
            == 403
        )
    response = staff_without_review.post(
        "/admin/wizard/jobposting/",
        {"action": "approve_selected", "_selected_action": [str(posting.pk)]},
    )
    # The action is not offered; posting it anyway does nothing.
    assert b"approve_selected" not in staff_without_review.get("/admin/wizard/jobposting/").content
    assert response.status_code in (200, 302)  # the changelist again, with "No action selected"
    assert JobPosting.objects.get().status == Status.IN_REVIEW


@pytest.mark.parametrize(
    "status", [Status.IN_REVIEW, Status.PUBLISHED, Status.DRAFT, Status.REJECTED]
)
def test_staff_without_the_permission_learn_nothing_of_the_posting(staff_without_review, status):
    """The permission is checked before the posting's state (issue 17, item 6): every
    posting, and one that does not exist, answers the same 403 with no message."""
    posting = posting_at(status)
    missing = "00000000-0000-0000-0000-000000000000"
    for name in review_names():
        for object_id in (posting.pk, missing):
            url = f"/admin/wizard/jobposting/{object_id}/transition/{name}/"
            for method in (staff_without_review.get, staff_without_review.post):
                response = method(url)
                assert response.status_code == 403, (name, object_id)
                assert status.label.lower().encode() not in response.content.lower()
    assert not list(staff_without_review.get("/admin/").context["messages"])
    assert JobPosting.objects.get().status == status


def review_names():
    from wizard.postings.review import STAFF_TRANSITIONS

    return list(STAFF_TRANSITIONS)


def test_bulk_approve_publishes_only_postings_in_review(admin_client):
    ready = [posting_at(Status.IN_REVIEW, title=f"Job {i}") for i in range(3)]
    draft = posting_at(Status.DRAFT)
    response = admin_client.post(
        "/admin/wizard/jobposting/?queue=all",  # the draft is selectable there
        {"action": "approve_selected", "_selected_action": [str(p.pk) for p in [*ready, draft]]},
        follow=True,
    )
    assert response.status_code == 200
    assert JobPosting.objects.filter(status=Status.PUBLISHED).count() == 3
    assert JobPosting.objects.get(pk=draft.pk).status == Status.DRAFT
    assert len({p.slug for p in JobPosting.objects.published()}) == 3


def test_bulk_reject_asks_for_a_reason_first(
    admin_client, in_review, django_capture_on_commit_callbacks
):
    action = {"action": "reject_selected", "_selected_action": [str(in_review.pk)]}
    page = admin_client.post("/admin/wizard/jobposting/", action)
    assert b"reason" in page.content.lower()
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/wizard/jobposting/", {**action, "confirm": "yes", "reason": "spam"}
        )
    assert JobPosting.objects.get().status == Status.REJECTED
    assert JobPosting.objects.get().rejection_reason == "Spam or scam"
    assert Refund.objects.get().state == "succeeded"


def test_postings_expire_and_leave_the_board(run_tasks, settings):
    now = timezone.now()
    old = posting_at(
        Status.PUBLISHED,
        slug="old",
        published_at=now - timedelta(days=31),
        expires_at=now - timedelta(minutes=1),
    )
    soon = posting_at(
        Status.PUBLISHED,
        slug="soon",
        published_at=now - timedelta(days=28),
        expires_at=now + timedelta(days=2),
    )
    fresh = posting_at(
        Status.PUBLISHED, slug="fresh", published_at=now, expires_at=now + timedelta(days=30)
    )

    assert expire_due_postings() == [old.pk]
    assert expire_due_postings() == []
    assert JobPosting.objects.get(pk=old.pk).status == Status.EXPIRED
    assert set(JobPosting.objects.published().values_list("slug", flat=True)) == {"soon", "fresh"}
    assert TransitionLog.objects.get(posting=old).actor == "system"

    assert warn_expiring_postings() == [soon.pk]
    assert warn_expiring_postings() == []  # warned once
    run_tasks()
    [email] = mail.outbox
    assert "leaves the board" in email.subject and email.to == [soon.contact_email]
    assert fresh.jobs.count() == 0


def test_staff_can_withdraw_a_published_posting(admin_client):
    posting = posting_at(
        Status.PUBLISHED,
        slug="live",
        published_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
    )
    admin_client.post(transition_url(posting, "withdraw"), {"reason": "Filled"})
    posting.refresh_from_db()
    assert posting.status == Status.EXPIRED and posting.expires_at <= timezone.now()
    assert not Refund.objects.exists()


def test_the_employer_withdraws_before_review_for_a_refund(client, in_review):
    page = client.post(f"/post/{in_review.pk}/confirmation/", {"withdraw": "ask"})
    assert b"Yes, withdraw and refund" in page.content
    assert JobPosting.objects.get().status == Status.IN_REVIEW
    client.post(f"/post/{in_review.pk}/confirmation/", {"withdraw": "confirmed"})
    posting = JobPosting.objects.get()
    assert posting.status == Status.REFUNDED
    refund = Refund.objects.get()
    assert (refund.reason, refund.state) == ("withdrawn", "succeeded")
    assert TransitionLog.objects.get(target=Status.REFUNDED).actor == "employer"


def test_the_management_link_in_the_email_opens_the_posting_anywhere(in_review, client, run_tasks):
    from django.test import Client

    from wizard.postings.links import manage_url

    url = manage_url(in_review)
    stranger = Client()
    assert stranger.get(f"/post/{in_review.pk}/confirmation/").status_code == 404
    response = stranger.get(url.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 302
    page = stranger.get(response["Location"])
    assert b"in review" in page.content and b"Withdraw before review" in page.content
    tampered = url.removeprefix("http://127.0.0.1:8000")[:-3] + "xyz/"
    assert stranger.get(tampered).status_code == 400


def test_the_review_service_refuses_staff_without_permission():
    from django.core.exceptions import PermissionDenied

    from wizard.postings.review import approve

    user = User.objects.create_user("nobody", is_staff=True)
    posting = posting_at(Status.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        approve(posting.pk, by=Actor.staff(user))
    assert JobPosting.objects.get().status == Status.IN_REVIEW


def changelist_queries(admin_client):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/wizard/jobposting/")
    assert response.status_code == 200
    return len(queries)


def test_the_admin_list_uses_the_same_number_of_queries_for_10_and_1000_postings(admin_client):
    JobPosting.objects.bulk_create(
        [
            JobPosting(status=Status.IN_REVIEW, title=f"Job {i}", company_name="Acme")
            for i in range(10)
        ]
    )
    at_10 = changelist_queries(admin_client)
    JobPosting.objects.bulk_create(
        [
            JobPosting(status=Status.IN_REVIEW, title=f"Job {i}", company_name="Acme")
            for i in range(990)
        ]
    )
    Job.objects.filter(kind="email").bulk_create(
        [
            Job(
                posting=p,
                kind="email",
                name="confirmation",
                key=f"email:confirmation:{p.pk}",
                state="failed",
            )
            for p in JobPosting.objects.all()[:50]
        ]
    )
    at_1000 = changelist_queries(admin_client)
    assert at_10 == at_1000, (at_10, at_1000)
    assert at_1000 <= 8


def test_a_withdrawal_refund_is_emailed_and_shown_in_the_ledger(client, in_review, run_tasks):
    client.post(f"/post/{in_review.pk}/confirmation/", {"withdraw": "confirmed"})
    mail.outbox.clear()
    run_tasks()
    [email] = [m for m in mail.outbox if "refunded" in m.subject]
    assert email.subject == f'Your payment for "{in_review.title}" has been refunded'
    assert "USD 99.00" in email.body and "refunded in full" in email.body
    page = client.get(f"/post/{in_review.pk}/status/").content.decode()
    assert "Refund of USD 99.00" in page
