"""Signing in under real concurrency (PostgreSQL's row locks): simultaneous requests for
one address get exactly its limit and leave one live request; one link or code pressed in
several browsers at once signs in exactly one of them, and makes one account."""

import pytest
from django.test import Client

from tests.integration.test_concurrency import run_at_once
from tests.integration.test_limits import postgresql  # noqa: F401  (a fixture)
from tests.sign_in import ask_code, enter_code, last_sign_in_email, signed_in_email
from wizard.effects.sign_in_email import KIND
from wizard.employers.models import Employer
from wizard.employers.sign_in import SignInRequest
from wizard.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "boss@example.com"


def test_simultaneous_requests_for_one_address_get_its_limit_and_one_live_code(
    postgresql,  # noqa: F811
    settings,
):
    settings.SIGN_IN_CODES_PER_ADDRESS_PER_HOUR = 3
    browsers = iter([Client(REMOTE_ADDR=f"192.0.2.{n + 1}") for n in range(10)])
    statuses = run_at_once(10, lambda: ask_code(next(browsers), ADDRESS).status_code)
    assert statuses == [302] * 10  # the refused ones are answered alike
    assert SignInRequest.objects.count() == 3
    assert SignInRequest.objects.live().count() == 1
    assert Job.objects.filter(kind=KIND).count() == 3


def test_one_link_pressed_in_five_browsers_at_once_signs_in_one(postgresql, run_tasks):  # noqa: F811
    ask_code(Client(), ADDRESS)
    link = last_sign_in_email(run_tasks).link
    browsers = [Client() for _ in range(5)]
    pending = iter(browsers)
    statuses = run_at_once(5, lambda: next(pending).post(link).status_code)
    assert sorted(statuses) == [302] + [410] * 4
    assert [signed_in_email(b) for b in browsers].count(ADDRESS) == 1
    assert Employer.objects.count() == 1


def test_one_code_entered_in_five_browsers_at_once_signs_in_one(postgresql, run_tasks):  # noqa: F811
    ask_code(Client(), ADDRESS)
    code = last_sign_in_email(run_tasks).code
    browsers = []
    for _ in range(5):
        browser = Client()
        session = browser.session
        session["sign_in_email"] = ADDRESS
        session.save()
        browsers.append(browser)
    pending = iter(browsers)
    statuses = run_at_once(5, lambda: enter_code(next(pending), code).status_code)
    assert sorted(statuses) == [302] + [422] * 4
    assert [signed_in_email(b) for b in browsers].count(ADDRESS) == 1
    assert Employer.objects.count() == 1
