"""Returning employers: they come back to a posting of theirs once it is on the board.

"renews": pays for a posting, which staff approve (done here through the review service, as
the admin's Approve does), then opens the one-click renew link of the expiry warning email
(the link made as the email makes it: the soak does not wait the weeks before an expiry),
which a mail scanner opened first (that GET must start nothing), presses Pay, pays on
Stripe's page and comes back: the posting must be published with its expiry moved on.

Still to come here, as their features land: "duplicates" (signs in by code, duplicates
a live posting and pays for the copy: needs the sign-in pages, wizard:sign_in) and
"edits live" (the revisions: edits a live posting, staff approve the revision).

The Django calls run in the employer's thread, after the soak's django.setup().
"""

from soak.employer import Unexpected, expect, form_value, location, pay_and_return, through_details

PROFILES = {"renews": 3}
APPROVE_TRIES = 20


def renews(visit):
    through_details(visit)
    pay_and_return(visit, watch=False)
    if not visit.outcome.paid:
        return
    visit.outcome.stage = "staff approve"
    approve_when_in_review(visit)
    renew_from_the_email(visit)


def approve_when_in_review(visit):
    """Approve the posting as staff would, once it is in review (its payment may still be
    on its way through a dropped webhook and the reconciler)."""
    from django.db import close_old_connections
    from django_fsm import TransitionNotAllowed

    from wizard.postings import review
    from wizard.postings.models import Actor

    try:
        for _ in range(APPROVE_TRIES):
            try:
                review.approve(visit.outcome.posting_id, by=Actor.system())
                return
            except TransitionNotAllowed:
                visit.b.think(1.0, 2.0)
        raise Unexpected("the posting never reached review to be approved")
    finally:
        close_old_connections()


def renew_from_the_email(visit):
    from django.db import close_old_connections

    from wizard.models import JobPosting, PaymentAttempt
    from wizard.postings import links

    try:
        posting = JobPosting.objects.get(pk=visit.outcome.posting_id)
        path = links.renew_url(posting).split("://", 1)[-1].split("/", 1)[-1]
        path = "/" + path
        before = PaymentAttempt.objects.filter(posting=posting).count()
        visit.outcome.stage = "renew link (a mail scanner)"
        expect(visit.b.get(path), 200, what="renew page")
        if PaymentAttempt.objects.filter(posting=posting).count() != before:
            raise Unexpected("opening the renew link started a payment")
    finally:
        close_old_connections()
    visit.outcome.stage = "renew"
    checkout = press_renew(visit, path)
    visit.open_checkout(checkout)
    visit.b.think()
    success = visit.pay_on_stripe(checkout)
    if success is None:
        raise Unexpected("the card was refused for the renewal")
    visit.outcome.renewal_sessions.append(checkout.rstrip("/").rsplit("/", 1)[-1])
    visit.outcome.expected = "published"
    visit.outcome.stage = "renewed"
    for _ in range(3):
        page = expect(visit.b.get(success), 200, what="renewal's return")
        if "Your posting is renewed" in page.text:
            return
        visit.b.retry_pause()  # not confirmed yet: the webhook or the reconciler will


def press_renew(visit, path):
    for _ in range(8):
        page = expect(visit.b.get(path), 200, what="renew page")
        response = visit.b.post(
            path, {"csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken")}
        )
        if response.status_code == 302:
            target = location(response)
            if not target.startswith(visit.fakestripe.url + "/checkout/"):
                raise Unexpected(f"renew led to {target}")
            return target
        if response.status_code == 503:  # Stripe down: a friendly page, try again
            visit.b.retry_pause()
            continue
        raise Unexpected(f"renew answered {response.status_code}")
    raise Unexpected("renew never opened a checkout")


RUN = {"renews": renews}
