"""Signing in by email: a code or a link, each working once, for SIGN_IN_CODE_MINUTES; a
link opened by GET signs no one in (only its page's POST does); SIGN_IN_WRONG_CODE_LIMIT
wrong codes kill a request; signing out, here or everywhere."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.accounts import employer, sign_in_as
from tests.sign_in import ask_code, enter_code, last_sign_in_email, signed_in_email
from wizard.effects.sign_in_email import KIND
from wizard.employers.models import Employer
from wizard.employers.sign_in import SignInRequest, prune
from wizard.jobs.models import Job

pytestmark = pytest.mark.django_db

ADDRESS = "Boss@Example.com"


def later(settings, extra=timedelta(seconds=1)):
    """Patched time, just past a code's life."""
    moved = timezone.now() + timedelta(minutes=settings.SIGN_IN_CODE_MINUTES) + extra
    return mock.patch("django.utils.timezone.now", return_value=moved)


def test_asking_shows_the_code_page_and_emails_a_code_and_a_link(client, run_tasks):
    response = ask_code(client, ADDRESS)
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/code/"
    page = client.get(response["Location"])
    assert b"Check your email" in page.content
    assert b"boss@example.com" in page.content  # to its asker only, in their own page

    emailed = last_sign_in_email(run_tasks)
    assert emailed.message.to == ["boss@example.com"]
    assert emailed.code in emailed.message.subject
    # Unproven address: the email repeats nothing the visitor typed, not even the address.
    html = emailed.message.alternatives[0][0]
    assert "boss@example.com" not in emailed.message.body.lower() + html.lower()
    # No account until the address is proven.
    assert not Employer.objects.exists()


def test_only_hashes_of_the_code_and_link_are_stored(client, run_tasks):
    ask_code(client, ADDRESS)
    emailed = last_sign_in_email(run_tasks)
    secret = emailed.link.rstrip("/").rsplit("/", 1)[1].split(":")[0].split(".")[1]
    stored = SignInRequest.objects.get()
    row = " ".join(str(getattr(stored, f.attname)) for f in SignInRequest._meta.fields)
    assert emailed.code not in row and secret not in row
    job = Job.objects.get(kind=KIND)
    assert emailed.code not in str(job.payload) and secret not in str(job.payload)


def test_the_code_signs_in_and_makes_the_account(client, run_tasks):
    ask_code(client, ADDRESS)
    code = last_sign_in_email(run_tasks).code
    response = enter_code(client, code)
    assert response.status_code == 302
    assert response["Location"] == "/account/postings/"
    account = Employer.objects.get()
    assert account.email == "boss@example.com"
    assert account.last_signed_in_at is not None
    assert signed_in_email(client) == "boss@example.com"
    # The sign-in email is now the account's job.
    assert Job.objects.get(kind=KIND).employer == account


def test_a_returning_employers_email_is_their_accounts_job(client, run_tasks):
    account = employer("boss@example.com")
    ask_code(client, ADDRESS)
    assert Job.objects.get(kind=KIND).employer == account
    enter_code(client, last_sign_in_email(run_tasks).code)
    assert Employer.objects.count() == 1
    assert signed_in_email(client) == account.email


def test_a_used_code_fails(client, run_tasks):
    ask_code(client, ADDRESS)
    code = last_sign_in_email(run_tasks).code
    enter_code(client, code)
    other = Client()
    ask_session = other.session
    ask_session["sign_in_email"] = "boss@example.com"
    ask_session.save()
    response = enter_code(other, code)
    assert response.status_code == 422
    assert b"This code was already used" in response.content
    assert signed_in_email(other) is None


def test_an_expired_code_fails(client, run_tasks, settings):
    ask_code(client, ADDRESS)
    code = last_sign_in_email(run_tasks).code
    with later(settings):
        response = enter_code(client, code)
    assert response.status_code == 422
    assert b"This code has expired" in response.content
    assert signed_in_email(client) is None
    assert not Employer.objects.exists()


def test_a_code_works_until_its_last_minute(client, run_tasks, settings):
    ask_code(client, ADDRESS)
    code = last_sign_in_email(run_tasks).code
    with later(settings, extra=timedelta(seconds=-5)):
        assert enter_code(client, code).status_code == 302


def test_wrong_codes_kill_the_request_at_the_limit(client, run_tasks, settings):
    ask_code(client, ADDRESS)
    code = last_sign_in_email(run_tasks).code
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.SIGN_IN_WRONG_CODE_LIMIT - 1):
        response = enter_code(client, wrong)
        assert b"The code is not right" in response.content
    response = enter_code(client, wrong)
    assert b"You entered a wrong code too many times" in response.content
    assert b"Ask for a new code" in response.content
    # Dead: even the right code fails now.
    response = enter_code(client, code)
    assert response.status_code == 422
    assert b"too many times" in response.content
    assert signed_in_email(client) is None


def test_a_malformed_code_is_an_error_that_counts_nothing(client, run_tasks):
    ask_code(client, ADDRESS)
    response = enter_code(client, "12ab")
    assert response.status_code == 422
    assert b"Enter the 6-digit code" in response.content
    assert SignInRequest.objects.get().wrong_codes == 0


def test_a_new_code_ends_the_one_before(client, run_tasks):
    ask_code(client, ADDRESS)
    first = last_sign_in_email(run_tasks)
    ask_code(client, ADDRESS)
    second = last_sign_in_email(run_tasks)
    # The page checks codes against the newest request: the old one is a wrong code.
    assert b"The code is not right" in enter_code(client, first.code).content
    assert Client().get(first.link).status_code == 410
    assert enter_code(client, second.code).status_code == 302


def test_opening_the_link_by_get_signs_no_one_in(client, run_tasks):
    ask_code(client, ADDRESS)
    link = last_sign_in_email(run_tasks).link
    scanner = Client()
    for _ in range(3):
        response = scanner.get(link)
        assert response.status_code == 200
        assert b'<form method="post"' in response.content
        assert b">Sign in</button>" in response.content
    assert signed_in_email(scanner) is None
    assert not Employer.objects.exists()
    assert SignInRequest.objects.get().used_at is None


def test_the_links_post_signs_in_whichever_browser_presses_it(client, run_tasks):
    ask_code(client, ADDRESS)
    link = last_sign_in_email(run_tasks).link
    phone = Client(enforce_csrf_checks=True)
    page = phone.get(link)
    token = page.context["csrf_token"]
    response = phone.post(link, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert signed_in_email(phone) == "boss@example.com"
    assert signed_in_email(client) is None  # the asking browser is not signed in by it


def test_the_links_post_needs_the_csrf_token(client, run_tasks):
    ask_code(client, ADDRESS)
    link = last_sign_in_email(run_tasks).link
    forged = Client(enforce_csrf_checks=True)
    assert forged.post(link).status_code == 403
    assert signed_in_email(forged) is None


def test_a_used_link_fails(client, run_tasks):
    ask_code(client, ADDRESS)
    link = last_sign_in_email(run_tasks).link
    assert Client().post(link).status_code == 302
    again = Client()
    response = again.post(link)
    assert response.status_code == 410
    assert b"This link was already used" in response.content
    assert signed_in_email(again) is None
    assert again.get(link).status_code == 410


def test_the_code_fails_once_the_link_was_used(client, run_tasks):
    ask_code(client, ADDRESS)
    emailed = last_sign_in_email(run_tasks)
    Client().post(emailed.link)
    assert b"already used" in enter_code(client, emailed.code).content


def test_an_expired_link_fails(client, run_tasks, settings):
    ask_code(client, ADDRESS)
    link = last_sign_in_email(run_tasks).link
    browser = Client()
    with later(settings):
        assert browser.get(link).status_code == 410
        response = browser.post(link)
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert signed_in_email(browser) is None


def test_a_tampered_link_is_not_valid(client, run_tasks):
    ask_code(client, ADDRESS)
    link = last_sign_in_email(run_tasks).link
    request_id = str(SignInRequest.objects.get().pk)
    for bad in (link.replace(f"/{request_id}.", f"/{int(request_id) + 1}."), link[:-6] + "/"):
        response = Client().post(bad)
        assert response.status_code == 400
        assert b"This link is not valid" in response.content
    assert Client().post(link).status_code == 302  # the real one still works


def test_no_email_goes_for_a_request_that_was_used_before_the_worker_came(client, run_tasks):
    ask_code(client, ADDRESS)
    ask_code(client, ADDRESS)  # ends the first before either is sent
    run_tasks()
    assert len([m for m in mail.outbox if "sign-in code" in m.subject]) == 1
    first, second = Job.objects.filter(kind=KIND).order_by("pk")
    assert first.payload["outcome"] == {"not_sent": "the sign-in request can no longer be used"}
    assert second.provider_id or second.state == Job.State.SENT


def test_after_sign_in_the_browser_goes_to_next(client, run_tasks):
    ask_code(client, ADDRESS, next="/post/")
    response = enter_code(client, last_sign_in_email(run_tasks).code, next="/post/")
    assert response["Location"] == "/post/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/path", "/\\evil.example", "javascript:x"]
)
def test_an_open_redirect_through_next_is_refused(client, run_tasks, next_url):
    ask_code(client, ADDRESS, next=next_url)
    response = enter_code(client, last_sign_in_email(run_tasks).code, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/account/postings/"


def test_a_signed_in_visitor_is_sent_on_from_the_sign_in_page(client):
    sign_in_as(client, employer())
    response = client.get("/account/sign-in/?next=https://evil.example/")
    assert response["Location"] == "/account/postings/"


def test_sign_out(client):
    sign_in_as(client, employer())
    response = client.post("/account/sign-out/")
    assert response.status_code == 302
    assert signed_in_email(client) is None
    assert b"You have signed out" in client.get(response["Location"]).content


def test_sign_out_everywhere_signs_out_another_browser(client):
    account = employer()
    laptop, phone = sign_in_as(Client(), account), sign_in_as(Client(), account)
    assert signed_in_email(phone) == account.email
    assert laptop.post("/account/sign-out/everywhere/").status_code == 302
    assert signed_in_email(phone) is None
    assert signed_in_email(laptop) is None
    # Another account's browsers are untouched.
    other = sign_in_as(Client(), employer("other@example.com"))
    assert signed_in_email(other) == "other@example.com"


def test_sign_out_everywhere_needs_a_post_and_a_signed_in_browser(client):
    account = employer()
    sign_in_as(client, account)
    assert client.get("/account/sign-out/everywhere/").status_code == 405
    assert Client().post("/account/sign-out/everywhere/").status_code == 302
    assert Employer.objects.get().session_nonce == account.session_nonce


def test_requests_are_deleted_a_day_after_they_ran_out(client, settings):
    ask_code(client, ADDRESS)
    ask_code(client, "other@example.com")
    SignInRequest.objects.filter(email="other@example.com").update(
        expires_at=timezone.now() - timedelta(days=1, seconds=1)
    )
    assert prune() == 1
    assert list(SignInRequest.objects.values_list("email", flat=True)) == [ADDRESS.lower()]
