"""Ten presses of the feature page's Pay at once open one upgrade checkout, and its
fulfilments at once apply it once (PostgreSQL row locks)."""

import pytest

from tests.accounts import employer, sign_in_as
from tests.integration.test_concurrency import postgresql_only, run_at_once  # noqa: F401
from tests.integration.test_upgrade import (
    feature_url,
    live_posting,
    sold_plans,  # noqa: F401
    start,
    upgrades,
)
from wizard.models import Actor, JobPosting
from wizard.payments.fulfilment import FulfilOutcome, fulfil

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_presses_of_pay_at_once_open_one_upgrade_checkout(fakestripe, sold_plans):  # noqa: F811
    from django.test import Client

    owner = employer("owner@example.com")
    posting = live_posting(owner)
    browsers = [sign_in_as(Client(), owner) for _ in range(10)]
    pressed = iter(browsers)

    def press():
        return next(pressed).post(feature_url(posting))["Location"]

    urls = run_at_once(10, press)

    assert len(set(urls)) == 1
    assert upgrades(posting).filter(state="open").count() == 1
    assert upgrades(posting).count() == 1


def test_eight_fulfils_of_one_upgrade_at_once_apply_it_once(client, fakestripe, sold_plans):  # noqa: F811
    owner = employer("owner@example.com")
    sign_in_as(client, owner)
    posting = live_posting(owner)
    session_id = start(client, posting)
    fakestripe.pay(session_id)

    outcomes = run_at_once(8, lambda: fulfil(session_id, by=Actor.system()))

    assert outcomes.count(FulfilOutcome.PAID) == 1
    assert outcomes.count(FulfilOutcome.ALREADY_PAID) == 7
    assert JobPosting.objects.get(pk=posting.pk).featured
    assert upgrades(posting).get().state == "paid"
