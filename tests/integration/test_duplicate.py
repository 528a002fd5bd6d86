"""Duplicate: a signed-in employer's posting copied into a new draft of theirs, its logo
a file of its own, nothing of the original's payment, life or checks carried over."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from tests.accounts import employer, sign_in_as
from tests.conftest import image_bytes
from tests.factories import own as own_browser
from tests.factories import posting_at
from wizard.account.actions import offered
from wizard.flow.order import FLOW
from wizard.maintenance.sweepers import _abandon
from wizard.models import JobPosting, Status
from wizard.postings import logos

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client):
    account = employer("owner@example.com")
    sign_in_as(client, account)
    return account


def stored_logo(posting):
    name = default_storage.save(f"logos/{posting.pk}/original.png", ContentFile(image_bytes()))
    JobPosting.objects.filter(pk=posting.pk).update(logo=name)
    return JobPosting.objects.get(pk=posting.pk)


def live_with_logo(account, **fields):
    posting = posting_at(
        Status.PUBLISHED,
        employer=account,
        slug="baker-acme-abc123",
        salary_min=40_000,
        salary_max=50_000,
        salary_currency="eur",
        **fields,
    )
    return stored_logo(posting)


def press_duplicate(client, posting):
    return client.post(reverse("wizard:duplicate", args=[posting.pk]))


def the_copy(account, source):
    return account.postings.exclude(pk=source.pk).get()


def test_a_copy_is_a_new_draft_with_everything_the_employer_wrote(client, owner):
    source = live_with_logo(owner, step_data={"phone": {"verified": "+4915112345678"}})
    source = JobPosting.objects.get(pk=source.pk)

    response = press_duplicate(client, source)

    copy = the_copy(owner, source)
    first_step = FLOW.applicable(copy)[0]
    assert response.status_code == 302 and response["Location"] == first_step.url(copy)
    for field in JobPosting.DETAILS_FIELDS:
        assert getattr(copy, field) == getattr(source, field), field
    assert copy.employer == owner
    assert copy.is_before_payment and copy.status != Status.PUBLISHED
    assert (copy.slug, copy.expires_at, copy.published_at, copy.paid_at) == (None, None, None, None)
    assert copy.current_attempt_id is None and not copy.payment_attempts.exists()
    assert copy.manage_nonce != source.manage_nonce
    assert "verified" not in copy.step_data.get("phone", {})  # a check is made again

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"This is a copy of “{source.title}”. Check each step" in page.content.decode()


def test_the_copys_logo_is_a_file_of_its_own_with_the_same_bytes(client, owner):
    source = live_with_logo(owner)
    press_duplicate(client, source)
    copy = the_copy(owner, source)

    assert copy.logo.name and copy.logo.name != source.logo.name
    assert copy.logo.name.startswith(f"logos/{copy.pk}/")
    with (
        default_storage.open(copy.logo.name) as theirs,
        default_storage.open(source.logo.name) as ours,
    ):
        assert theirs.read() == ours.read()

    # Deleting (or abandoning) one deletes only its own file.
    logos.delete_logo(source.logo.name)
    assert default_storage.exists(copy.logo.name)


def test_abandoning_the_copy_leaves_the_originals_logo(
    client, owner, django_capture_on_commit_callbacks
):
    source = live_with_logo(owner)
    press_duplicate(client, source)
    copy = the_copy(owner, source)
    copied = copy.logo.name

    with django_capture_on_commit_callbacks(execute=True):
        assert _abandon(copy.pk, timezone.now() + timedelta(days=1), "Untouched for too long")
    assert not default_storage.exists(copied)
    assert default_storage.exists(source.logo.name)


def test_a_logo_that_cannot_be_copied_leaves_the_logo_step_to_do(client, owner):
    source = live_with_logo(owner)
    with mock.patch.object(default_storage, "save", side_effect=OSError("storage down")):
        response = press_duplicate(client, source)

    copy = the_copy(owner, source)
    assert copy.logo.name == ""
    assert not FLOW["logo"].is_complete(copy)
    assert response["Location"] == FLOW["logo"].url(copy)
    assert copy.title == source.title


def test_a_skipped_logo_stays_skipped_in_the_copy(client, owner):
    source = posting_at(Status.EXPIRED, employer=owner)  # the factory's walk skips the logo
    press_duplicate(client, source)
    assert FLOW["logo"].is_complete(the_copy(owner, source))


def test_a_copy_counts_against_the_draft_limits(client, owner, settings):
    settings.DRAFTS_PER_SESSION_PER_HOUR = 1
    source = live_with_logo(owner)
    assert press_duplicate(client, source).status_code == 302
    assert press_duplicate(client, source).status_code == 429
    assert owner.postings.count() == 2


def test_another_employers_posting_cannot_be_duplicated(client, owner):
    theirs = live_with_logo(employer("other@example.com"))
    assert press_duplicate(client, theirs).status_code == 404
    assert JobPosting.objects.count() == 1


def test_a_get_duplicates_nothing(client, owner):
    source = live_with_logo(owner)
    assert client.get(reverse("wizard:duplicate", args=[source.pk])).status_code == 405
    assert JobPosting.objects.count() == 1


def test_duplicate_is_offered_as_a_button(owner):
    [found] = [each for each in offered(posting_at(Status.PUBLISHED)) if each.label == "Duplicate"]
    assert found.method == "post"


def test_the_postings_own_page_copies_it_for_the_browser_that_may_open_it(client):
    source = stored_logo(posting_at(Status.IN_REVIEW, paid_at=timezone.now()))
    own_browser(client, source)
    page = client.get(FLOW["confirmation"].url(source))
    copy_url = reverse("wizard:copy_posting", args=[source.pk])
    assert copy_url in page.content.decode()

    response = client.post(copy_url)

    copy = JobPosting.objects.exclude(pk=source.pk).get()
    assert response["Location"] == FLOW.applicable(copy)[0].url(copy)
    assert copy.title == source.title and copy.employer is None
    assert copy.logo.name != source.logo.name
    assert client.get(response["Location"]).status_code == 200  # this browser owns the copy


def test_a_stranger_cannot_copy_a_posting(client):
    source = posting_at(Status.IN_REVIEW, paid_at=timezone.now())
    assert client.post(reverse("wizard:copy_posting", args=[source.pk])).status_code == 404
    assert JobPosting.objects.count() == 1


def test_a_logo_missing_from_storage_leaves_the_copy_without_one(client, owner):
    source = live_with_logo(owner)
    default_storage.delete(source.logo.name)  # lost from storage; the row still names it

    response = press_duplicate(client, source)

    copy = the_copy(owner, source)
    assert copy.logo.name == ""
    assert response["Location"] == FLOW["logo"].url(copy)
    assert JobPosting.objects.get(pk=source.pk).logo.name == source.logo.name
