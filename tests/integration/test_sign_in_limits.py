"""Codes asked for are limited per address (SIGN_IN_CODES_PER_ADDRESS_PER_HOUR) and per
client address (…_PER_CLIENT_PER_HOUR). Over the address's limit the answer is the very
page an accepted request gets, for an address with an account or without, and nothing is
sent: the form never tells whether an address has an account."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.accounts import employer
from tests.sign_in import ask_code, enter_code, last_sign_in_email, signed_in_email
from wizard.effects.sign_in_email import KIND
from wizard.employers.sign_in import SignInRequest
from wizard.jobs.models import Job
from wizard.limits import LimitUse

pytestmark = pytest.mark.django_db

MEMBER = "member@example.com"  # has an account
STRANGER = "nobody@example.com"  # has none


def answer(client, email):
    """What a visitor sees for asking: the status, where it sends them, and that page with
    the address they typed (theirs to see), the CSRF token and the CSP nonce (each page's
    own) blanked."""
    response = ask_code(client, email)
    page = client.get(response["Location"])
    text = page.content.decode().replace(email, "ADDRESS")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
    text = re.sub(r'nonce="[^"]+"', "", text)
    return response.status_code, response["Location"], page.status_code, text


def test_the_11th_code_for_one_address_is_refused_like_an_accepted_request(run_tasks, settings):
    employer(MEMBER)
    assert settings.SIGN_IN_CODES_PER_ADDRESS_PER_HOUR == 10
    for n in range(10):  # from different networks, so no client limit is near
        assert ask_code(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), MEMBER).status_code == 302
    tenth = last_sign_in_email(run_tasks)
    sent = len(mail.outbox)
    jobs = Job.objects.filter(kind=KIND).count()

    refused = answer(Client(REMOTE_ADDR="198.51.100.1"), MEMBER)
    accepted = answer(Client(REMOTE_ADDR="198.51.100.2"), STRANGER)

    assert refused == accepted
    assert refused[:3] == (302, "/account/sign-in/code/", 200)
    # Nothing was queued or stored for the refused one; the stranger's was.
    assert Job.objects.filter(kind=KIND).count() == jobs + 1
    assert SignInRequest.objects.filter(email=MEMBER).count() == 10
    run_tasks()
    assert [m.to for m in mail.outbox[sent:]] == [[STRANGER]]
    # The member's newest code (the 10th) still signs in.
    browser = Client()
    session = browser.session
    session["sign_in_email"] = MEMBER
    session.save()
    assert enter_code(browser, tenth.code).status_code == 302
    assert signed_in_email(browser) == MEMBER


def test_the_address_limit_counts_any_case_of_the_address(settings):
    settings.SIGN_IN_CODES_PER_ADDRESS_PER_HOUR = 2
    for email in (MEMBER, MEMBER.upper(), " Member@Example.COM "):
        ask_code(Client(), email)
    assert SignInRequest.objects.filter(email=MEMBER).count() == 2


def test_one_client_address_is_limited_whatever_the_addresses(run_tasks, settings):
    assert settings.SIGN_IN_CODES_PER_CLIENT_PER_HOUR == 30
    office = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(30):
        assert ask_code(office, f"person{n}@example.com").status_code == 302
    refused = ask_code(office, "person30@example.com")
    assert refused.status_code == 429
    assert b"Too many sign-in codes for now" in refused.content
    # Refused: nothing counted for the address, nothing stored or queued.
    assert not SignInRequest.objects.filter(email="person30@example.com").exists()
    assert Job.objects.filter(kind=KIND).count() == 30
    assert LimitUse.objects.filter(limit_key__name="sign_in.to").count() == 30
    # Another network is still served, for that same address.
    assert ask_code(Client(REMOTE_ADDR="203.0.113.8"), "person30@example.com").status_code == 302


def test_a_malformed_address_is_an_error_and_counts_nothing(client):
    response = ask_code(client, "not an address")
    assert response.status_code == 422
    assert b"Enter an email address in the correct format" in response.content
    assert b'href="#id_email"' in response.content  # the error summary links to the field
    assert not LimitUse.objects.exists() and not SignInRequest.objects.exists()
