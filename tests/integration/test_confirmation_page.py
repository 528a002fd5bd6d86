"""The confirmation page confirms: a panel with the short reference, what happens next,
resend folded under "Didn't get the email?", quiet links to withdraw or get a new link,
and a ledger in the order things happened, in the employer's time zone."""

import re

import pytest
from django.core import mail

from tests.factories import own, posting_at
from tests.integration.test_payment import pay_and_return
from wizard.models import Actor, JobPosting, Status
from wizard.postings import review
from wizard.postings.zones import UTC, zone_for_country

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(client, fakestripe, run_tasks):
    posting = posting_at(Status.READY_TO_PAY, country="DE")
    own(client, posting)
    pay_and_return(client, posting, fakestripe)
    run_tasks()
    mail.outbox.clear()
    return JobPosting.objects.get(pk=posting.pk)


def page(client, posting):
    return client.get(f"/post/{posting.pk}/confirmation/").content.decode()


def ledger_items(html):
    """[(label, state)] of the ledger, in the page's order."""
    return re.findall(
        r'ledger__item--([a-z-]+)">\s*<span class="ledger__mark"[^>]*>[^<]*</span>\s*'
        r'<span class="ledger__label">([^<]+)</span>',
        html,
    )


def test_the_panel_shows_the_short_reference_and_never_the_uuid(client, in_review):
    html = page(client, in_review)
    assert 'class="confirmation-panel"' in html
    assert re.search(r"<h1[^>]*>Your job is in review</h1>", html)
    assert f'confirmation-panel__reference">{in_review.reference}</strong>' in html
    assert in_review.reference.startswith("JW-")
    body = html.replace(f"/post/{in_review.pk}/", "")  # the URLs alone may name the id
    assert str(in_review.pk) not in body


def test_what_happens_next_post_another_and_quiet_actions(client, in_review, settings):
    settings.POSTING_LIFETIME_DAYS = 45  # changed after payment: the page says what it bought
    html = page(client, in_review)
    days = in_review.current_attempt.days
    assert days != 45 and "<h2>What happens next</h2>" in html
    assert f"stays there for {days} days" in html
    assert '<a class="button" href="/post/">Post another job</a>' in html
    details = html[html.index('<details class="resend-details"') :]
    assert details.index("<summary>Didn't get the email?</summary>") < details.index(
        "Send the confirmation again"
    )
    assert '<details class="resend-details">' in html  # folded while nothing went wrong
    assert 'class="link-button link-button--danger" type="submit" name="withdraw"' in html
    assert 'class="link-button" type="submit" name="new_link"' in html
    assert "Step 4 of 4" not in html[html.index('id="posting-status"') :]


def test_the_resend_form_opens_when_the_address_was_wrong(client, in_review):
    response = client.post(f"/post/{in_review.pk}/confirmation/", {"contact_email": "nope"})
    assert response.status_code == 422
    assert '<details class="resend-details" open>' in response.content.decode()


def test_the_ledger_reads_in_order_and_review_comes_before_publication(
    client, in_review, run_tasks
):
    review.approve(in_review.pk, by=Actor.system())
    run_tasks()
    labels = [label for _, label in ledger_items(page(client, in_review))]
    assert labels.index("Payment confirmed") < labels.index("Reviewed")
    assert labels.index("Reviewed") < labels.index("Published on the board")
    assert labels[-2:] == ["Reviewed", "Published on the board"]


def test_after_a_withdrawal_review_and_publication_are_not_needed(client, in_review):
    client.post(f"/post/{in_review.pk}/confirmation/", {"withdraw": "confirmed"})
    html = page(client, in_review)
    items = dict((label, state) for state, label in ledger_items(html))
    assert items["Reviewed"] == "not-needed" and items["Published on the board"] == "not-needed"
    assert "withdrawn before review" in html and "Not needed" in html
    assert [label for _, label in ledger_items(html)][-3:] == [
        f"Refund of {in_review.price_display}",  # what happened first
        "Reviewed",
        "Published on the board",
    ]
    assert "What happens next" not in html
    assert f"Reference: <strong>{in_review.reference}</strong>" in html


def test_after_a_rejection_publication_is_not_needed(client, in_review):
    review.reject(in_review.pk, by=Actor.system(), reason="Not a job")
    items = dict((label, state) for state, label in ledger_items(page(client, in_review)))
    assert items["Reviewed"] == "error" and items["Published on the board"] == "not-needed"


def test_times_are_in_the_posting_s_country_zone_with_the_utc_instant(client, in_review):
    html = page(client, in_review)
    paid = in_review.paid_at
    berlin = paid.astimezone(zone_for_country("DE"))
    stamp = f'datetime="{paid.astimezone(UTC).isoformat(timespec="seconds")}'
    assert stamp.replace("+00:00", "") in html
    assert f"{berlin:%H:%M} {berlin.tzname()}</time>" in html  # CET or CEST


def test_a_country_without_a_known_zone_reads_utc():
    assert zone_for_country("") is UTC and zone_for_country("XX") is UTC
    assert str(zone_for_country("au")) == "Australia/Sydney"  # not zone.tab's first
    assert str(zone_for_country("US")) == "America/New_York"


def test_remote_jobs_use_the_first_applicant_country():
    from wizard.postings.zones import posting_zone

    remote = JobPosting(workplace="remote", applicant_countries=["JP"])
    assert str(posting_zone(remote)) == "Asia/Tokyo"
