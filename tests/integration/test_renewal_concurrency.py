"""A renewal's fulfilments at once extend the posting once (PostgreSQL row locks), and two
presses of a renew page's Pay at once each get a checkout they can pay."""

import pytest

from tests.accounts import employer, sign_in_as
from tests.integration.test_concurrency import postgresql_only, run_at_once  # noqa: F401
from tests.integration.test_renewal import DAY, live_posting, renew_url, renewals, start
from wizard.models import Actor, JobPosting
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_fulfils_of_one_renewal_at_once_extend_it_once(client, fakestripe):
    owner = employer("owner@example.com")
    sign_in_as(client, owner)
    posting = live_posting(owner)
    session_id = start(client, renew_url(posting))
    fakestripe.pay(session_id)

    outcomes = run_at_once(8, lambda: fulfil(session_id, by=Actor.system()))

    assert outcomes.count(FulfilOutcome.PAID) == 1
    assert outcomes.count(FulfilOutcome.ALREADY_PAID) == 7
    assert JobPosting.objects.get(pk=posting.pk).expires_at == posting.expires_at + 30 * DAY
    assert renewals(posting).get().state == "paid"


def test_ten_presses_of_pay_at_once_open_one_renewal_checkout(client, fakestripe):
    from django.test import Client

    owner = employer("owner@example.com")
    posting = live_posting(owner)
    browsers = [sign_in_as(Client(), owner) for _ in range(10)]
    pressed = iter(browsers)

    def press():
        return next(pressed).post(renew_url(posting))["Location"]

    urls = run_at_once(10, press)

    assert len(set(urls)) == 1
    assert renewals(posting).filter(state="open").count() == 1
