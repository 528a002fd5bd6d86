"""The "Finish later" button and the link it sends."""

import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.effects.email import Email
from wizard.jobs.models import Job
from wizard.models import JobPosting, Status, TransitionLog
from wizard.postings import links

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LINK = re.compile(r"http://\S+/post/finish-later/[^/\s]+/")


def snapshot(posting):
    posting = JobPosting.objects.get(pk=posting.pk)
    return {f.attname: getattr(posting, f.attname) for f in JobPosting._meta.concrete_fields}


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def ask_for_link(client, posting, **changes):
    data = {**VALID_DETAILS, "finish_later_link": "1", **changes}
    return client.post(step_url("details", posting), data)


@pytest.fixture
def draft(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    return posting


def open_link(browser, path):
    """What a person does: open the link (GET), then press "Continue your draft" (POST)."""
    page = browser.get(path)
    assert page.status_code == 200, page.status_code
    assert b"Continue your draft" in page.content
    return browser.post(path)


def emailed_link(run_tasks):
    run_tasks()
    assert len(mail.outbox) == 1
    (url,) = LINK.findall(mail.outbox[0].body)
    return url.removeprefix(re.match(r"http://[^/]+", url).group(0))


# --- Asking for the link ----------------------------------------------------------


def test_asking_saves_the_contact_email_keeps_what_was_typed_and_emails_a_link(
    client, draft, run_tasks
):
    before = snapshot(draft)
    response = ask_for_link(client, draft, title="", contact_email="later@acme.example")

    assert response.status_code == 200
    assert b"Finish later" in response.content
    assert any(
        "We emailed a link to later@acme.example. It works for 7 days and opens your draft" in m
        for m in messages_of(response)
    )
    after = snapshot(draft)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"contact_email", "finish_later_nonce", "step_data", "updated_at"}
    assert after["contact_email"] == "later@acme.example"
    typed = after["step_data"]["details"]["typed"]
    assert typed["company_name"] == VALID_DETAILS["company_name"]
    assert "contact_email" not in typed  # saved, so not kept as typed
    assert after["status"] == "logo_ready"
    assert not TransitionLog.objects.exists()
    (record,) = Job.objects.filter(kind="email").all()
    assert (record.posting_id, record.name) == (draft.pk, Email.FINISH_LATER)

    path = emailed_link(run_tasks)
    email = mail.outbox[0]
    assert email.to == ["later@acme.example"]
    assert "finish" in email.subject
    assert path.startswith("/post/finish-later/")
    assert Job.objects.filter(kind="email").get().state == Job.State.SENT
    # The draft stays a draft: the email does not move the posting.
    assert JobPosting.objects.get(pk=draft.pk).status == "logo_ready"


def test_the_typed_details_stay_in_the_form_kept_as_typed(client, draft):
    response = ask_for_link(client, draft, title="Typed but not saved")
    assert b"Typed but not saved" in response.content
    posting = JobPosting.objects.get(pk=draft.pk)
    assert posting.title == ""
    assert posting.step_data["details"]["typed"]["title"] == "Typed but not saved"
    # A second visit shows it again.
    assert b"Typed but not saved" in client.get(step_url("details", draft)).content


def test_htmx_gets_the_panel_with_the_message(client, draft):
    response = client.post(
        step_url("details", draft),
        {"finish_later_link": "1", "contact_email": "a@b.example"},
        **HTMX,
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"We emailed a link to a@b.example" in response.content
    assert Job.objects.filter(kind="email").filter(name=Email.FINISH_LATER).count() == 1


@pytest.mark.parametrize("email", ["", "not-an-email", "a@"])
def test_an_invalid_contact_email_gets_a_field_error_and_changes_nothing(client, draft, email):
    before = snapshot(draft)
    response = ask_for_link(client, draft, contact_email=email)
    assert response.status_code == 422
    assert "contact_email" in response.context["form"].errors
    # Only the contact email is checked: the other fields may be empty or wrong.
    assert set(response.context["form"].errors) == {"contact_email"}
    after = snapshot(draft)
    assert {k: v for k, v in after.items() if k not in ("step_data", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("step_data", "updated_at")
    }
    assert not Job.objects.filter(kind="email").exists()


def test_other_fields_need_not_be_valid(client, draft):
    response = client.post(
        step_url("details", draft),
        {"finish_later_link": "1", "contact_email": "x@acme.example", "apply_url": "ftp://nope"},
    )
    assert response.status_code == 200
    assert JobPosting.objects.get(pk=draft.pk).contact_email == "x@acme.example"


def test_asking_twice_within_the_cooldown_sends_one_email(client, draft, run_tasks):
    ask_for_link(client, draft)
    response = ask_for_link(client, draft, contact_email="other@acme.example")

    assert response.status_code == 200
    assert any("please wait a few minutes" in m for m in messages_of(response))
    # Refused as a whole: the second address is not saved either.
    assert JobPosting.objects.get(pk=draft.pk).contact_email == VALID_DETAILS["contact_email"]
    run_tasks()
    assert len(mail.outbox) == 1
    assert Job.objects.filter(kind="email").get().attempts == 1


def test_asking_again_after_the_cooldown_sends_a_second_email(client, draft, run_tasks, settings):
    settings.EMAIL_RESEND_COOLDOWN_SECONDS = 0
    ask_for_link(client, draft)
    run_tasks()
    ask_for_link(client, draft)
    run_tasks()
    assert len(mail.outbox) == 2
    # Both links open the same draft with the same nonce until one is used (their signing
    # timestamps may differ by a second, so compare what they sign).
    first, second = (LINK.search(message.body).group(0) for message in mail.outbox)
    assert links.read_finish_later_token(
        first.rstrip("/").rsplit("/", 1)[-1]
    ) == links.read_finish_later_token(second.rstrip("/").rsplit("/", 1)[-1])


@pytest.mark.parametrize("status", [Status.PAID, Status.CONFIRMED])
def test_a_paid_posting_cannot_ask(client, status):
    posting = posting_at(status)
    own(client, posting)
    before = snapshot(posting)
    response = ask_for_link(client, posting, contact_email="new@acme.example")
    assert response.status_code == 302
    assert response["Location"] == step_url("confirmation", posting)
    assert snapshot(posting) == before
    assert not Job.objects.filter(kind="email").exists()


def test_another_session_cannot_ask(client):
    posting = posting_at("logo_ready")
    assert ask_for_link(client, posting).status_code == 404
    assert not Job.objects.filter(kind="email").exists()


# --- Opening the link ---------------------------------------------------------------


def test_the_link_opens_the_draft_in_another_browser(client, draft, run_tasks):
    other = Client()
    assert other.get(step_url("details", draft)).status_code == 404

    ask_for_link(client, draft)
    path = emailed_link(run_tasks)
    response = open_link(other, path)

    assert response.status_code == 302
    assert response["Location"] == step_url("details", draft)
    page = other.get(response["Location"])
    assert page.status_code == 200
    assert b"Welcome back. Your draft is as you left it." in page.content
    assert page.context["form"]["contact_email"].value() == "hiring@acme.example"
    # The first browser keeps its access.
    assert client.get(step_url("details", draft)).status_code == 200


def test_the_link_leads_to_the_first_incomplete_step(client):
    posting = posting_at(Status.READY_TO_PAY, finish_later_nonce="n" * 22)
    response = open_link(Client(), f"/post/finish-later/{links.make_finish_later_token(posting)}/")
    assert response.status_code == 302
    assert response["Location"] == step_url("payment", posting)


@pytest.mark.parametrize("status", [Status.PAID, Status.CONFIRMED])
def test_a_paid_posting_opens_on_its_confirmation(status):
    posting = posting_at(status, finish_later_nonce="n" * 22)
    browser = Client()
    response = open_link(browser, f"/post/finish-later/{links.make_finish_later_token(posting)}/")
    assert response.status_code == 302
    assert response["Location"] == step_url("confirmation", posting)
    assert browser.get(response["Location"]).status_code == 200


def test_links_emailed_before_the_rename_still_open_the_draft(client, draft, run_tasks):
    ask_for_link(client, draft)
    path = emailed_link(run_tasks)
    old_path = path.replace("/post/finish-later/", "/post/resume/")
    response = open_link(Client(), old_path)
    assert response.status_code == 302
    assert response["Location"] == step_url("details", draft)


def test_the_buttons_former_name_still_asks_for_a_link(client, draft):
    """A details page drawn before the button was renamed posts `resume_link`."""
    data = {**VALID_DETAILS, "resume_link": "1", "title": "", "contact_email": "a@b.example"}
    response = client.post(step_url("details", draft), data)
    assert response.status_code == 200
    assert Job.objects.filter(kind="email").filter(name=Email.FINISH_LATER).count() == 1


def test_a_link_works_once(client, draft, run_tasks):
    ask_for_link(client, draft)
    path = emailed_link(run_tasks)
    assert open_link(Client(), path).status_code == 302

    late = Client()
    for response in (late.get(path), late.post(path)):
        assert response.status_code == 410
        assert b"This link was already used" in response.content
        assert b"Start a new posting" in response.content
    assert late.get(step_url("details", draft)).status_code == 404


def test_a_new_link_works_after_the_first_was_used(client, draft, run_tasks, settings):
    settings.EMAIL_RESEND_COOLDOWN_SECONDS = 0
    ask_for_link(client, draft)
    first = emailed_link(run_tasks)
    assert open_link(Client(), first).status_code == 302
    mail.outbox.clear()

    ask_for_link(client, draft)
    second = emailed_link(run_tasks)
    assert second != first
    assert open_link(Client(), second).status_code == 302


def test_an_expired_link_gets_410(client, draft, run_tasks):
    ask_for_link(client, draft)
    posting = JobPosting.objects.get(pk=draft.pk)
    eight_days_ago = time.time() - 8 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        token = links.make_finish_later_token(posting)

    browser = Client()
    response = browser.get(f"/post/finish-later/{token}/")
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert b"Start a new posting" in response.content
    assert browser.get(step_url("details", draft)).status_code == 404
    # An expired link spends nothing.
    assert JobPosting.objects.get(pk=draft.pk).finish_later_nonce == posting.finish_later_nonce


def test_the_max_age_is_a_setting(client, draft, settings):
    ask_for_link(client, draft)
    token = links.make_finish_later_token(JobPosting.objects.get(pk=draft.pk))
    settings.FINISH_LATER_LINK_MAX_AGE_DAYS = 1
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 2 * 24 * 3600):
        response = Client().get(f"/post/finish-later/{token}/")
    assert response.status_code == 410
    assert b"This link has expired" in response.content


def tampered(token):
    """The token with one character of the signed value changed."""
    index = token.index(":") - 1  # the last character of the posting id
    swapped = "0" if token[index] != "0" else "1"
    return token[:index] + swapped + token[index + 1 :]


@pytest.mark.parametrize(
    "mangle",
    [
        tampered,
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: token.rsplit(":", 1)[0],  # no signature
        lambda token: "garbage",
        lambda token: "a:b:c:d",
    ],
)
def test_a_tampered_or_garbage_link_gets_400(client, draft, mangle):
    ask_for_link(client, draft)
    posting = JobPosting.objects.get(pk=draft.pk)
    token = mangle(links.make_finish_later_token(posting))

    browser = Client()
    response = browser.get(f"/post/finish-later/{token}/")
    assert response.status_code == 400
    assert b"This link is not valid" in response.content
    assert browser.get(step_url("details", draft)).status_code == 404
    assert JobPosting.objects.get(pk=draft.pk).finish_later_nonce == posting.finish_later_nonce


def test_a_link_to_a_deleted_posting_is_not_valid():
    posting = posting_at("logo_ready", finish_later_nonce="n" * 22)
    token = links.make_finish_later_token(posting)
    posting.delete()
    assert Client().get(f"/post/finish-later/{token}/").status_code == 400


def test_a_link_to_an_abandoned_draft_shows_it_closed():
    posting = posting_at(Status.ABANDONED, finish_later_nonce="n" * 22)
    browser = Client()
    response = browser.get(f"/post/finish-later/{links.make_finish_later_token(posting)}/")
    assert response.status_code == 410
    assert b"This draft was closed" in response.content
    assert browser.get(step_url("details", posting)).status_code == 404


def test_a_token_for_another_salt_is_not_valid():
    from django.core.signing import TimestampSigner

    posting = posting_at("logo_ready", finish_later_nonce="n" * 22)
    token = TimestampSigner(salt="something.else").sign(
        f"{posting.pk}:{posting.finish_later_nonce}"
    )
    assert Client().get(f"/post/finish-later/{token}/").status_code == 400


def test_opening_the_link_spends_nothing_so_a_mail_scanner_cannot_use_it_up(
    client, draft, run_tasks
):
    ask_for_link(client, draft)
    path = emailed_link(run_tasks)
    nonce = JobPosting.objects.get(pk=draft.pk).finish_later_nonce

    scanner = Client()  # Outlook Safe Links and the like open every link first
    for _ in range(3):
        page = scanner.get(path)
        assert page.status_code == 200
        assert b"Continue your draft" in page.content
        assert b'method="post"' in page.content
    assert page["Cache-Control"].startswith("max-age=0")
    assert JobPosting.objects.get(pk=draft.pk).finish_later_nonce == nonce
    assert scanner.get(step_url("details", draft)).status_code == 404
    assert not TransitionLog.objects.exists()

    person = Client()
    response = open_link(person, path)
    assert response.status_code == 302
    assert person.get(step_url("details", draft)).status_code == 200
    assert JobPosting.objects.get(pk=draft.pk).finish_later_nonce != nonce


def test_continuing_needs_the_csrf_token_of_the_page(client, draft, run_tasks):
    ask_for_link(client, draft)
    path = emailed_link(run_tasks)
    nonce = JobPosting.objects.get(pk=draft.pk).finish_later_nonce
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(path)
    assert browser.post(path).status_code == 403
    assert JobPosting.objects.get(pk=draft.pk).finish_later_nonce == nonce

    (token,) = re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    response = browser.post(path, {"csrfmiddlewaretoken": token.decode()})
    assert response.status_code == 302
    assert response["Location"] == step_url("details", draft)
    assert browser.get(step_url("details", draft)).status_code == 200


@pytest.mark.parametrize("method", ["put", "delete"])
def test_only_get_and_post_are_allowed(method):
    posting = posting_at("logo_ready", finish_later_nonce="n" * 22)
    path = f"/post/finish-later/{links.make_finish_later_token(posting)}/"
    assert getattr(Client(), method)(path).status_code == 405
    assert JobPosting.objects.get(pk=posting.pk).finish_later_nonce == "n" * 22


def test_a_bad_or_closed_link_is_refused_on_post_too():
    posting = posting_at(Status.ABANDONED, finish_later_nonce="n" * 22)
    token = links.make_finish_later_token(posting)
    assert Client().post(f"/post/finish-later/{token}/").status_code == 410
    assert Client().post(f"/post/finish-later/{tampered(token)}/").status_code == 400
