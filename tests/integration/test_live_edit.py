"""Edits to a live posting: the employer's changes wait as a revision while the board keeps
the live text; staff see them as a diff and approve (the board, the search engines and
the employer hear of it) or reject (nothing live changes). Only the owner reaches them."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.accounts import employer, sign_in_as
from tests.factories import posting_at
from tests.integration.test_board_cache import served_from_cache
from wizard.account.actions import offered
from wizard.jobs.models import Job
from wizard.models import Actor, JobPosting, PostingRevision, Status, TransitionLog
from wizard.postings import links, review, revising
from wizard.postings.revisions import values_of
from wizard.postings.transitions import locked_posting

pytestmark = pytest.mark.django_db

OLD_TITLE = "Senior Django Engineer"
NEW_TITLE = "Lead Django Engineer"
DESCRIPTION = "Build reliable things with Django.\nShip every week.\nWork with a kind team."


@pytest.fixture
def owner():
    return employer("boss@acme.example")


@pytest.fixture
def live(owner):
    posting = posting_at(Status.IN_REVIEW, employer=owner, description=DESCRIPTION)
    return review.approve(posting.pk, by=Actor.system())


@pytest.fixture
def browser(client, owner):
    return sign_in_as(client, owner)


def edit_url(posting):
    return f"/account/postings/{posting.pk}/edit/"


def change_page(posting):
    return f"/admin/wizard/jobposting/{posting.pk}/change/"


def decision_url(revision, decision):
    return f"/admin/wizard/jobposting/{revision.posting_id}/revision/{revision.pk}/{decision}/"


def form_data(posting, **changes):
    """What the edit page posts: the live values, with `changes`."""
    data = {name: value for name, value in values_of(posting).items() if value is not None}
    return {**data, **changes}


def propose(browser, posting, **changes):
    response = browser.post(edit_url(posting), form_data(posting, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return browser.get(edit_url(posting))


def pending(posting):
    return PostingRevision.objects.pending().get(posting=posting)


def job_page(posting):
    return f"/jobs/{posting.slug}/"


# --- The employer's side -----------------------------------------------------------------


def test_the_edit_page_is_prefilled_from_the_live_posting(browser, live):
    page = browser.get(edit_url(live)).content.decode()
    assert f'value="{OLD_TITLE}"' in page
    assert "Ship every week." in page
    assert "waiting for review" not in page


def test_saving_keeps_a_pending_revision_and_leaves_the_live_posting_as_it_was(browser, live):
    page = propose(browser, live, title=NEW_TITLE).content.decode()
    assert (
        "Your changes are waiting for review; the live posting stays as it was until then" in page
    )
    assert f'value="{NEW_TITLE}"' in page  # the form shows the pending changes
    assert JobPosting.objects.get(pk=live.pk).title == OLD_TITLE
    revision = pending(live)
    assert revision.values["title"] == NEW_TITLE and revision.employer.email == "boss@acme.example"


def test_a_second_edit_updates_the_pending_revision(browser, live):
    propose(browser, live, title=NEW_TITLE)
    propose(browser, live, title="Principal Django Engineer")
    (revision,) = PostingRevision.objects.filter(posting=live)
    assert revision.values["title"] == "Principal Django Engineer"


def test_only_what_the_employer_changed_is_kept_and_applied(browser, live):
    """Staff correct the company while the edit waits: approving the employer's new title
    must not put their old company name back."""
    propose(browser, live, title=NEW_TITLE)
    assert set(pending(live).values) == {"title"}
    JobPosting.objects.filter(pk=live.pk).update(company_name="Acme GmbH")

    revising.approve(pending(live).pk, by=Actor.system())

    posting = JobPosting.objects.get(pk=live.pk)
    assert (posting.title, posting.company_name) == (NEW_TITLE, "Acme GmbH")


def test_nothing_changed_makes_no_revision(browser, live):
    page = propose(browser, live).content.decode()
    assert "You have not changed anything." in page
    assert not PostingRevision.objects.exists()


def test_going_back_to_the_live_values_withdraws_the_pending_changes(browser, live):
    propose(browser, live, title=NEW_TITLE)
    page = propose(browser, live, title=OLD_TITLE).content.decode()
    assert "nothing to review" in page
    assert PostingRevision.objects.get(posting=live).state == "withdrawn"


def test_the_wizards_rules_refuse_bad_input_and_keep_nothing(browser, live):
    response = browser.post(
        edit_url(live),
        form_data(live, title="", description="Short", salary_min="9", salary_max="1"),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_title">Enter the job title' in page
    assert "Describe the job in at least 30 characters" in page
    assert "Enter a highest salary that is the same as or more than the lowest" in page
    assert not PostingRevision.objects.exists()


def test_the_location_rule_empties_what_a_remote_job_does_not_use(browser, live):
    propose(browser, live, workplace="remote", applicant_countries=["FR", "DE"])
    values = pending(live).values
    assert (values["workplace"], values["city"], values["country"]) == ("remote", "", "")
    assert values["applicant_countries"] == ["DE", "FR"]


def test_the_employer_withdraws_pending_changes(browser, live):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    response = browser.post(f"{edit_url(live)}withdraw/", {"revision": revision.pk})
    assert response.status_code == 302
    assert PostingRevision.objects.get(pk=revision.pk).state == "withdrawn"
    assert "You withdrew your changes" in browser.get(edit_url(live)).content.decode()


def test_a_withdrawal_from_a_page_shown_before_a_newer_edit_withdraws_nothing(browser, live):
    propose(browser, live, title=NEW_TITLE)
    shown = pending(live)
    revising.approve(shown.pk, by=Actor.system())
    propose(browser, JobPosting.objects.get(pk=live.pk), title="Principal Django Engineer")
    browser.post(f"{edit_url(live)}withdraw/", {"revision": shown.pk})
    assert "no changes waiting to withdraw" in browser.get(edit_url(live)).content.decode()
    assert pending(live).values["title"] == "Principal Django Engineer"


def test_a_posting_no_longer_live_cannot_be_edited(browser, live):
    review.withdraw(live.pk, by=Actor.system(), reason="test")
    response = browser.post(edit_url(live), form_data(live, title=NEW_TITLE))
    assert response.status_code == 409
    assert "only while it is on the board" in response.content.decode()
    assert not PostingRevision.objects.exists()


def test_changes_waiting_when_the_posting_left_the_board_may_still_be_withdrawn(browser, live):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    with locked_posting(live.pk) as posting:
        posting.withdraw(by=Actor.system(), why="Taken down")
        posting.save()

    page = browser.get(edit_url(live))
    assert page.status_code == 409 and "Withdraw your changes" in page.content.decode()
    browser.post(f"{edit_url(live)}withdraw/", {"revision": revision.pk})
    assert PostingRevision.objects.get(pk=revision.pk).state == "withdrawn"


def test_someone_signed_out_is_sent_to_sign_in(client, live):
    try:
        reverse("wizard:sign_in")
    except NoReverseMatch:
        pytest.skip("the sign-in page is another branch's (wizard.account.access names it)")
    response = client.get(edit_url(live))
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]


# --- Attacks: another employer -------------------------------------------------------------


def test_another_employers_edit_page_is_a_404(live):
    stranger = sign_in_as(Client(), employer("rival@example.com"))
    assert stranger.get(edit_url(live)).status_code == 404
    assert stranger.post(edit_url(live), form_data(live, title="Hacked")).status_code == 404
    assert not PostingRevision.objects.exists()


def test_another_employers_revision_cannot_be_withdrawn(browser, live):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    rival = employer("rival@example.com")
    stranger = sign_in_as(Client(), rival)
    theirs = posting_at(Status.PUBLISHED, employer=rival, slug="their-job")
    withdraw = {"revision": revision.pk}
    assert stranger.post(f"{edit_url(live)}withdraw/", withdraw).status_code == 404
    # Through their own posting's URL, the revision of another is none of theirs.
    assert stranger.post(f"{edit_url(theirs)}withdraw/", withdraw).status_code == 302
    assert pending(live).pk == revision.pk


# --- The board while pending, and after the decision ----------------------------------------


def test_the_board_shows_the_old_text_while_pending_and_the_new_at_once_after_approval(
    browser, live, admin_client
):
    board = Client()
    for url in ("/", job_page(live)):
        board.get(url)
        served_from_cache(board, url)  # cached with the old text
    propose(browser, live, title=NEW_TITLE, description=DESCRIPTION + "\nNew: four-day week.")
    for url in ("/", job_page(live)):
        page = served_from_cache(board, url).content.decode()  # the edit changed nothing live
        assert OLD_TITLE in page and NEW_TITLE not in page

    revision = pending(live)
    assert admin_client.post(decision_url(revision, "approve")).status_code == 302

    for url in ("/", job_page(live)):
        response = board.get(url)
        assert response["X-Board-Cache"] == "miss"
        assert NEW_TITLE in response.content.decode()
    assert "four-day week" in board.get(job_page(live)).content.decode()
    posting = JobPosting.objects.get(pk=live.pk)
    assert posting.status == Status.PUBLISHED and posting.expires_at == live.expires_at
    log = TransitionLog.objects.filter(posting=live, transition="apply_revision").get()
    assert (log.source, log.target, log.actor) == ("published", "published", "staff")
    assert "title" in log.reason and "description" in log.reason


def test_approval_queues_a_search_engine_notice_and_the_changes_are_live_email(
    browser, live, admin_client, run_tasks, fakeproviders
):
    run_tasks()  # the publication's own notice and email
    mail.outbox.clear()
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    admin_client.post(decision_url(revision, "approve"))
    notice = Job.objects.get(kind="indexing", name=f"URL_UPDATED:revision:{revision.pk}")
    assert notice.state == "queued"
    assert notice.payload == {"url": links.public_url(live), "type": "URL_UPDATED"}
    run_tasks()
    assert Job.objects.get(pk=notice.pk).state == "sent"
    (email,) = mail.outbox
    assert email.subject == f'Your changes to "{NEW_TITLE}" are live on Jobwizard'
    assert email.to == [live.contact_email]


def test_rejection_leaves_the_live_posting_untouched_and_emails_the_reason(
    browser, live, admin_client, run_tasks
):
    run_tasks()
    mail.outbox.clear()
    before = Job.objects.filter(kind="indexing").count()
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    form = admin_client.get(decision_url(revision, "reject")).content.decode()
    assert "Why the changes cannot go live" in form
    response = admin_client.post(decision_url(revision, "reject"), {"reason": "Salary <missing>"})
    assert response.status_code == 302
    revision = PostingRevision.objects.get(pk=revision.pk)
    assert (revision.state, revision.reason) == ("rejected", "Salary <missing>")
    assert revision.decided_by.username == "admin" and revision.decided_at
    assert JobPosting.objects.get(pk=live.pk).title == OLD_TITLE
    assert OLD_TITLE in Client().get(job_page(live)).content.decode()
    assert Job.objects.filter(kind="indexing").count() == before  # no notice
    run_tasks()
    (email,) = mail.outbox
    assert "were not approved" in email.subject
    assert "Salary <missing>" in email.body
    assert f"/account/postings/{live.pk}/edit/" in email.body


def test_a_reject_without_a_reason_is_refused(browser, live, admin_client):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    response = admin_client.post(decision_url(revision, "reject"), {"reason": " "})
    assert response.status_code == 200
    assert "Say why the changes cannot go live" in response.content.decode()
    assert pending(live).pk == revision.pk


def test_a_revision_of_a_posting_no_longer_live_cannot_be_approved(browser, live, admin_client):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    review.withdraw(live.pk, by=Actor.system(), reason="test")
    response = admin_client.post(decision_url(revision, "approve"), follow=True)
    page = response.content.decode()
    assert "not on the board, so its content cannot be put live" in page
    assert pending(live).pk == revision.pk
    assert JobPosting.objects.get(pk=live.pk).title == OLD_TITLE
    with pytest.raises(revising.NotLive):
        revising.approve(revision.pk, by=Actor.system())


def test_a_decided_revision_is_not_decided_again(browser, live, admin_client):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    admin_client.post(decision_url(revision, "approve"))
    response = admin_client.post(decision_url(revision, "reject"), {"reason": "late"}, follow=True)
    assert "decided already" in response.content.decode()
    assert PostingRevision.objects.get(pk=revision.pk).state == "approved"
    with pytest.raises(revising.AlreadyDecided):
        revising.approve(revision.pk, by=Actor.system())
    assert TransitionLog.objects.filter(transition="apply_revision").count() == 1


# --- Staff's view -------------------------------------------------------------------------


def test_staff_see_the_edit_as_a_diff_with_the_description_line_by_line(
    browser, live, admin_client
):
    propose(
        browser,
        live,
        title=NEW_TITLE,
        description=DESCRIPTION.replace("Ship every week.", "Ship <script>alert(1)</script>"),
    )
    page = admin_client.get(change_page(live)).content.decode()
    diff = page[page.index('id="jw-revision-heading"') : page.index('id="jw-review-heading"')]
    assert "Edit waiting for review" in diff and "boss@acme.example" in diff
    assert f"{OLD_TITLE}</del>" in diff and f"{NEW_TITLE}</ins>" in diff
    assert "Removed: </span>Ship every week.</del>" in diff
    assert "Added: </span>Ship &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in diff
    assert "<script>alert" not in page
    assert "Build reliable things with Django." in diff  # context around the change
    assert "Approve the changes" in diff and "Reject the changes" in diff


def test_postings_with_an_edit_waiting_are_listed_by_their_own_filter(browser, live, admin_client):
    other = posting_at(Status.IN_REVIEW)
    review.approve(other.pk, by=Actor.system())
    propose(browser, live, title=NEW_TITLE)
    page = admin_client.get("/admin/wizard/jobposting/?attention=revision").content.decode()
    assert "Edit waiting for review" in page
    assert live.reference in page and other.reference not in page


def test_staff_without_the_review_permission_cannot_approve(browser, live):
    propose(browser, live, title=NEW_TITLE)
    revision = pending(live)
    clerk = User.objects.create_user("clerk", password="x", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="change_jobposting"))
    staff = Client()
    staff.force_login(clerk)
    assert "Approve the changes" not in staff.get(change_page(live)).content.decode()
    assert staff.post(decision_url(revision, "approve")).status_code == 403
    assert staff.post(decision_url(revision, "reject"), {"reason": "no"}).status_code == 403
    assert pending(live).pk == revision.pk
    assert JobPosting.objects.get(pk=live.pk).title == OLD_TITLE
    with pytest.raises(PermissionDenied):
        revising.approve(revision.pk, by=Actor.staff(clerk))
    assert pending(live).pk == revision.pk


def test_the_account_pages_offer_edit_on_a_live_posting_only(live):
    assert [(a.label, a.url) for a in offered(live) if a.label == "Edit"] == [
        ("Edit", edit_url(live))
    ]
    review.withdraw(live.pk, by=Actor.system(), reason="test")
    assert "Edit" not in [a.label for a in offered(JobPosting.objects.get(pk=live.pk))]


def test_the_posting_page_keeps_the_history_of_edits_and_the_dashboard_counts_one_waiting(
    browser, live, admin_client
):
    propose(browser, live, title=NEW_TITLE)
    revising.reject(pending(live).pk, by=Actor.system(), reason="Keep the old title")
    propose(browser, live, title="Principal Django Engineer")
    page = admin_client.get(change_page(live)).content.decode()
    assert "Edits by the employer" in page and "Keep the old title" in page
    assert "Waiting for review" in page and "Rejected" in page
    dashboard = admin_client.get("/admin/dashboard/").content.decode()
    tile = r'Postings needing attention</span>\s*<span class="jw-tile-value">(\d+)</span>'
    assert re.search(tile, dashboard)[1] == "1"


def test_the_edit_page_costs_four_queries_with_or_without_an_edit_waiting(
    browser, live, django_assert_num_queries
):
    """The session, the employer, the posting (theirs), its pending revision."""
    for _ in range(2):
        with django_assert_num_queries(4):
            assert browser.get(edit_url(live)).status_code == 200
        propose(browser, live, title=NEW_TITLE)


def test_values_that_break_the_postings_rules_are_refused_at_approval(live, admin_client):
    """A revision is checked again as it goes live (the model's rules, the location's
    included): one that no longer passes stays pending and nothing live changes."""
    values = {**values_of(live), "title": NEW_TITLE, "workplace": "on_site", "city": ""}
    revision = PostingRevision.objects.create(posting=live, values=values)
    response = admin_client.post(decision_url(revision, "approve"), follow=True)
    assert "break the posting&#x27;s rules: Enter the city where the office is" in (
        response.content.decode()
    )
    assert pending(live).pk == revision.pk
    assert JobPosting.objects.get(pk=live.pk).title == OLD_TITLE
    assert not TransitionLog.objects.filter(transition="apply_revision").exists()


def test_the_edit_page_speaks_the_employers_words_and_zone(browser, live):
    JobPosting.objects.filter(pk=live.pk).update(country="NZ", city="Auckland", workplace="on_site")
    propose(browser, JobPosting.objects.get(pk=live.pk), title=NEW_TITLE)
    sent = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # 2 March, 12:30 in Auckland
    PostingRevision.objects.update(updated_at=sent)
    page = browser.get(edit_url(live)).content.decode()
    assert "You sent them on 2 March 2027, 12:30 NZDT." in page

    with locked_posting(live.pk) as posting:
        posting.take_down_for_dispute(by=Actor.system(), why="Chargeback")
        posting.save()
    page = browser.get(edit_url(live))
    assert page.status_code == 409
    assert "is off the board: payment disputed, so it cannot be changed" in page.content.decode()
    assert reverse("wizard:account_posting", args=[live.pk]) in page.content.decode()
