"""Returning employers: they come back to a posting of theirs once it is on the board.

"renews": pays for a posting, which staff approve (done here through the review service, as
the admin's Approve does), then opens the one-click renew link of the expiry warning email
(the link made as the email makes it: the soak does not wait the weeks before an expiry),
which a mail scanner opened first (that GET must start nothing), presses Pay, pays on
Stripe's page and comes back: the posting must be published with its expiry moved on.

"duplicates": signs in with the code of the email (soak/account.py), makes a posting
(with a logo, two times in three), pays, staff approve it; then finds it on Your postings,
presses Duplicate on its page and goes through the copy's steps (keeping the copied logo)
and pays for the copy: the copy must end in review like any first payment, the original
stay published, each with its own logo file and its own payment
(soak/returning_checks.py).

"edits_live": signed in the same way, with a live posting of theirs, edits it twice on
/account/postings/<id>/edit/ (the second save replaces the pending revision); staff
approve the revision (wizard.postings.revising, as the admin's Approve), or reject it one
time in three; the board's page must then show the new title, or still the old one.

"upgrades": signed in, with a live posting of a standard plan, presses "Feature this
posting" on /account/postings/<id>/feature/, pays (perhaps with a promotion code) and
comes back: the posting must be featured (soak/plan_checks.py).

The Django calls run in the employer's thread, after the soak's django.setup().
"""

import re

from soak import account, choices  # modules: soak.account and soak.employer import each other
from soak.employer import (
    UUID,
    Unexpected,
    details_fields,
    expect,
    form_value,
    location,
    path_of,
    pay_and_return,
    through_details,
)

PROFILES = {"renews": 3, "duplicates": 3, "edits_live": 3, "upgrades": 4}
APPROVE_TRIES = 20
REJECTED_EDITS = 1 / 3  # the share of live edits staff reject


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
    visit.outcome.expected = "published"
    pay_later_payment(
        visit, path, "renew", visit.outcome.renewal_sessions, "Your posting is renewed"
    )


def pay_later_payment(visit, path, what, sessions, done):
    """Press Pay on a later payment's page (renew, feature), pay on Stripe's page, note its
    session in `sessions`, and come back until the page says `done` (the webhook or the
    reconciler may confirm it a little later)."""
    checkout = press_renew(visit, path, what=what)
    visit.open_checkout(checkout)
    visit.b.think()
    success = visit.pay_on_stripe(checkout)
    if success is None:
        raise Unexpected(f"the card was refused ({what})")
    sessions.append(checkout.rstrip("/").rsplit("/", 1)[-1])
    visit.outcome.stage = f"{what}: paid"
    for _ in range(3):
        page = expect(visit.b.get(success), 200, what=f"{what}: the return")
        if done in page.text:
            return
        visit.b.retry_pause()  # not confirmed yet: the webhook or the reconciler will


def press_renew(visit, path, what="renew"):
    """Press the later payment's Pay button (renew, feature); the checkout it opens."""
    for _ in range(8):
        page = expect(visit.b.get(path), 200, what=f"{what} page")
        response = visit.b.post(
            path, {"csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken")}
        )
        if response.status_code == 302:
            target = location(response)
            if not target.startswith(visit.fakestripe.url + "/checkout/"):
                raise Unexpected(f"{what} led to {target}")
            return target
        if response.status_code == 503:  # Stripe down: a friendly page, try again
            visit.b.retry_pause()
            continue
        raise Unexpected(f"{what} answered {response.status_code}")
    raise Unexpected(f"{what} never opened a checkout")


def live_posting_signed_in(visit, logo=False):
    """Signs in, makes a posting (theirs), pays; staff approve it. True once it is live."""
    account.sign_in(visit)
    visit.start()
    visit.b.think()
    if logo:
        account.upload_logo(visit)
    else:
        visit.skip_logo()
    visit.b.think()
    visit.details()
    visit.b.think()
    pay_and_return(visit, watch=False)
    if not visit.outcome.paid:
        return False
    visit.outcome.stage = "staff approve"
    approve_when_in_review(visit)
    visit.outcome.expected = "published"
    return True


def duplicates(visit):
    if not live_posting_signed_in(visit, logo=visit.b.rng.random() < 2 / 3):
        return
    original = visit.outcome.posting_id
    visit.b.think()
    account.your_postings_lists(visit, original)
    visit.outcome.stage = "duplicate"
    response = account.press_action(visit, original, f"/account/postings/{original}/duplicate/")
    expect(response, 302, what="duplicate")
    found = re.fullmatch(rf"/post/({UUID})/[a-z_-]+/", path_of(location(response)))
    if not found or found[1] == original:
        raise Unexpected(f"Duplicate led to {location(response)}")
    # From here on the visit is the copy's: it must end as any first payment does.
    outcome = visit.outcome
    outcome.original_id, outcome.posting_id = original, found[1]
    outcome.original_sessions, outcome.paid_sessions = outcome.paid_sessions, []
    outcome.expected = ""
    visit.b.think()
    visit.skip_logo()  # "Continue": keeps the copied logo, if any
    visit.b.think()
    visit.details(title=f"Reliability Engineer #{visit.number}, again")
    visit.b.think()
    pay_and_return(visit)


def edits_live(visit):
    if not live_posting_signed_in(visit):
        return
    old_title = f"Reliability Engineer #{visit.number}"
    new_title = f"Site Reliability Lead #{visit.number}"
    visit.outcome.board_title = old_title
    board_shows(visit, old_title, not_shown=new_title)
    edit_live(visit, f"Platform Engineer #{visit.number}")
    visit.b.think()
    edit_live(visit, new_title)  # a second save: the one pending revision holds it now
    approve = visit.b.rng.random() >= REJECTED_EDITS
    staff_decide(visit, new_title, approve)
    visit.outcome.edit_decision = "approved" if approve else "rejected"
    visit.outcome.board_title = new_title if approve else old_title
    visit.b.think()
    if approve:
        board_shows(visit, new_title, not_shown=old_title)
    else:
        board_shows(visit, old_title, not_shown=new_title)


def edit_live(visit, title):
    visit.outcome.stage = "edit live"
    path = f"/account/postings/{visit.outcome.posting_id}/edit/"
    page = expect(visit.b.get(path), 200, what="edit page")
    form = {
        "csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"),
        **details_fields(visit.number, title, description=f"{title}: keep things running."),
    }
    response = expect(visit.b.post(path, form), 302, what="save the edit")
    if path_of(location(response)) != path:
        raise Unexpected(f"saving the edit led to {location(response)}")


def staff_decide(visit, title, approve):
    """Staff approve or reject the pending revision (as the admin's buttons do)."""
    from django.db import close_old_connections

    from wizard.postings import revising
    from wizard.postings.models import Actor
    from wizard.postings.revisions import PostingRevision

    visit.outcome.stage = "staff decide the edit"
    try:
        pending = list(PostingRevision.objects.pending().filter(posting=visit.outcome.posting_id))
        if len(pending) != 1 or pending[0].values["title"] != title:
            raise Unexpected(f"pending revisions {[r.values['title'] for r in pending]}")
        if approve:
            revising.approve(pending[0].pk, by=Actor.system())
        else:
            revising.reject(pending[0].pk, by=Actor.system(), reason="Please keep the title.")
    finally:
        close_old_connections()


def board_shows(visit, title, not_shown):
    """The posting's page on the board shows `title`, and not `not_shown`."""
    from django.db import close_old_connections

    from wizard.models import JobPosting
    from wizard.postings import links

    try:
        posting = JobPosting.objects.get(pk=visit.outcome.posting_id)
        path = "/" + links.public_url(posting).split("://", 1)[-1].split("/", 1)[-1]
    finally:
        close_old_connections()
    visit.outcome.stage = f"the board shows {title!r}"
    page = expect(visit.b.get(path), 200, what="the board's page").text
    if not re.search(rf"{re.escape(title)}(?!\d)", page):
        raise Unexpected(f"the board's page does not show {title!r}")
    if re.search(rf"{re.escape(not_shown)}(?!\d)", page):
        raise Unexpected(f"the board's page still shows {not_shown!r}")


def upgrades(visit):
    choices.of(visit.outcome).plan = "Standard"  # a standard posting, to feature
    if not live_posting_signed_in(visit):
        return
    visit.outcome.code_typed = ""  # the upgrade's checkout may take a code of its own
    path = f"/account/postings/{visit.outcome.posting_id}/feature/"
    visit.b.think()
    pay_later_payment(
        visit, path, "feature", visit.outcome.upgrade_sessions, "Your posting is now featured"
    )


RUN = {"renews": renews, "duplicates": duplicates, "edits_live": edits_live, "upgrades": upgrades}
