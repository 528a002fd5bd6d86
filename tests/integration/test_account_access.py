"""Every account URL that names a posting or a payment, with every method it answers:
another employer gets a 404 and changes nothing; a signed-out visitor is sent to sign in
(and back to the page afterwards). The signed-in owner reaches each one (a control)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.factories import posting_at
from wizard.models import JobPosting, PaymentAttempt, PostingRevision, Status

pytestmark = pytest.mark.django_db

# (URL name, method, takes the attempt instead of the posting)
OWN_URLS = [
    ("wizard:account_posting", "get", False),
    ("wizard:edit_live", "get", False),
    ("wizard:edit_live", "post", False),
    ("wizard:withdraw_edit", "post", False),
    ("wizard:renew", "get", False),
    ("wizard:renew", "post", False),
    ("wizard:duplicate", "post", False),
    ("wizard:account_profile_from_posting", "post", False),
    ("wizard:receipt", "get", True),
]


@pytest.fixture
def live():
    owner = employer("owner@example.com")
    posting = posting_at(
        Status.PUBLISHED,
        employer=owner,
        title="The owner's job",
        published_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=20),
        slug="the-owners-job",
    )
    attempt_for(posting, session_id="cs_owner", payment_intent_id="pi_owner")
    return JobPosting.objects.get(pk=posting.pk)


def data(method, **fields):
    return fields if method == "post" else {}


def url_of(name, takes_attempt, posting):
    return reverse(name, args=[posting.current_attempt_id if takes_attempt else posting.pk])


def snapshot(posting):
    """What any of these requests could change."""
    return (
        JobPosting.objects.count(),
        PaymentAttempt.objects.count(),
        PostingRevision.objects.count(),
        JobPosting.objects.filter(pk=posting.pk).values_list("title", "expires_at").get(),
        posting.employer.__class__.objects.get(pk=posting.employer_id).company_name,
    )


@pytest.mark.parametrize(("name", "method", "takes_attempt"), OWN_URLS)
def test_another_employer_gets_a_404_and_changes_nothing(live, name, method, takes_attempt):
    stranger = sign_in_as(Client(), employer("stranger@example.com"))
    before = snapshot(live)
    response = getattr(stranger, method)(
        url_of(name, takes_attempt, live), data(method, title="Mine")
    )
    assert response.status_code == 404
    assert snapshot(live) == before


@pytest.mark.parametrize(("name", "method", "takes_attempt"), OWN_URLS)
def test_a_signed_out_visitor_is_sent_to_sign_in(live, name, method, takes_attempt):
    url = url_of(name, takes_attempt, live)
    before = snapshot(live)
    response = getattr(Client(), method)(url, data(method, title="Mine"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('wizard:sign_in')}?next={url.replace('/', '%2F')}"
    assert snapshot(live) == before


@pytest.mark.parametrize(("name", "method", "takes_attempt"), OWN_URLS)
def test_the_owner_reaches_each(live, fakestripe, name, method, takes_attempt):
    owner = sign_in_as(Client(), live.employer)
    response = getattr(owner, method)(url_of(name, takes_attempt, live), data(method, revision="0"))
    assert response.status_code in (200, 302, 409, 422), response.status_code
