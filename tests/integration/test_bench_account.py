"""`make bench`'s returning employer (bench/seed.py `account`): a session signed in to an
employer whose postings cover every group of "Your postings", shown within its budget."""

import pytest
from django.conf import settings
from django.urls import reverse

from bench.seed import ACCOUNT_STATUSES, account
from tests.integration.test_query_budget import data_queries
from wizard.account import states
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db


def test_the_seeded_employer_sees_every_group_within_six_queries(client):
    seeded = account(2 * len(ACCOUNT_STATUSES))
    client.cookies[settings.SESSION_COOKIE_NAME] = seeded["session_key"]
    groups = {
        states.group_of(status) for status in JobPosting.objects.values_list("status", flat=True)
    }
    assert groups == set(states.GROUPS)
    with data_queries() as queries:
        response = client.get(reverse("wizard:account_postings"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 1 + 2 * len(ACCOUNT_STATUSES)
    assert len(queries) <= 6, queries
