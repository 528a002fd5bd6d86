"""The company profile (issue 20, item 8): a name, a website and a logo kept on the account
and offered to each new posting, so a returning employer's logo step is already done. A
storage failure changes nothing on the profile, and does not stop a draft."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.accounts import employer, sign_in_as
from tests.conftest import image_bytes, step_after
from tests.factories import posting_at
from wizard.account.profile import CompanyProfileForm
from wizard.employers.models import Employer
from wizard.flow.order import FLOW
from wizard.maintenance import sweepers
from wizard.models import JobPosting, Status
from wizard.postings import logos

pytestmark = pytest.mark.django_db

PROFILE = reverse("wizard:account_profile")
START = reverse("wizard:start")


@pytest.fixture
def boss(client):
    account = employer()
    sign_in_as(client, account)
    return account


def upload(data=None):
    return SimpleUploadedFile("logo.png", data or image_bytes(), content_type="image/png")


def saved(client, **answers):
    data = {"company_name": "Acme Corp", "company_website": "https://acme.example", **answers}
    return client.post(PROFILE, data)


def test_the_profile_is_saved_with_a_reencoded_logo(client, boss):
    response = saved(client, logo=upload(image_bytes("JPEG")))
    assert response.status_code == 302 and response["Location"] == PROFILE
    account = Employer.objects.get(pk=boss.pk)
    assert account.company_name == "Acme Corp"
    assert account.company_website == "https://acme.example"
    assert account.company_logo.name.startswith(f"{logos.COMPANY_LOGO_PREFIX}/{boss.pk}/")
    with default_storage.open(account.company_logo.name) as stored:
        assert Image.open(stored).format == "PNG"
    page = client.get(PROFILE).content.decode()
    assert "Company profile saved." in page and 'value="Acme Corp"' in page


def test_bad_input_says_what_to_do_and_changes_nothing(client, boss):
    response = saved(client, company_website="not a site", logo=upload(b"not an image"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in page
    assert (
        page.count("Enter the website&#x27;s address, like https://example.com") == 2
    )  # summary, field
    assert "Please upload a PNG, JPEG or WebP image" in page
    assert Employer.objects.get(pk=boss.pk).company_name == ""


def test_a_website_is_a_web_address():
    form = CompanyProfileForm({"company_website": "ftp://acme.example"})
    assert not form.is_valid() and list(form.errors) == ["company_website"]
    assert CompanyProfileForm({"company_website": "acme.example"}).is_valid()


def test_a_storage_failure_changes_nothing(client, boss):
    saved(client, logo=upload())
    before = Employer.objects.get(pk=boss.pk).company_logo.name
    with mock.patch.object(default_storage, "save", side_effect=OSError("S3 is down")):
        response = saved(client, company_name="New name", logo=upload())
    assert response.status_code == 503
    assert "We could not store your logo just now" in response.content.decode()
    account = Employer.objects.get(pk=boss.pk)
    assert account.company_name == "Acme Corp" and account.company_logo.name == before


def test_a_new_logo_replaces_the_old_file_and_remove_deletes_it(
    client, boss, django_capture_on_commit_callbacks
):
    saved(client, logo=upload())
    first = Employer.objects.get(pk=boss.pk).company_logo.name
    with django_capture_on_commit_callbacks(execute=True):
        saved(client, logo=upload(image_bytes(color=(200, 0, 0))))
    second = Employer.objects.get(pk=boss.pk).company_logo.name
    assert second != first and not default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        saved(client, remove_logo="on")
    assert not Employer.objects.get(pk=boss.pk).company_logo
    assert not default_storage.exists(second)


def test_the_orphan_logo_sweeper_leaves_company_logos_alone(client, boss, settings):
    saved(client, logo=upload())
    name = Employer.objects.get(pk=boss.pk).company_logo.name
    settings.ORPHAN_LOGO_GRACE_HOURS = 0
    with mock.patch.object(timezone, "now", return_value=timezone.now() + timedelta(hours=1)):
        sweepers.sweep_orphan_logos()
    assert default_storage.exists(name)


def new_draft(client):
    response = client.post(START)
    assert response.status_code == 302
    return JobPosting.objects.latest("created_at")


def test_a_new_draft_starts_from_the_profile_with_its_logo_step_done(client, boss):
    saved(client, logo=upload())
    account = Employer.objects.get(pk=boss.pk)
    draft = new_draft(client)
    assert draft.employer_id == boss.pk
    assert draft.company_name == "Acme Corp"
    assert draft.logo.name.startswith(f"{logos.LOGO_PREFIX}/{draft.pk}/")
    assert draft.logo.name != account.company_logo.name  # its own file
    with default_storage.open(draft.logo.name) as copy, account.company_logo.open() as kept:
        assert copy.read() == kept.read()
    assert FLOW["logo"].is_complete(draft)
    assert "completed_at" in FLOW["logo"].data(draft)
    assert draft.status == FLOW["logo"].reached_status
    assert FLOW.first_incomplete(draft).name == step_after("logo", draft)


def test_a_logo_that_cannot_be_copied_leaves_the_logo_step_to_do(client, boss):
    saved(client, logo=upload())
    with mock.patch.object(default_storage, "open", side_effect=OSError("S3 is down")):
        draft = new_draft(client)
    assert draft.company_name == "Acme Corp"
    assert not draft.logo and not FLOW["logo"].is_complete(draft)
    assert FLOW.first_incomplete(draft).name == "logo"


def test_without_a_profile_a_draft_starts_empty(client, boss):
    draft = new_draft(client)
    assert draft.employer_id == boss.pk and not draft.company_name and not draft.logo


def test_an_anonymous_draft_takes_nobodys_profile(client):
    employer(company_name="Someone else's company")
    draft = new_draft(client)
    assert draft.employer_id is None and not draft.company_name


def test_a_posting_can_become_the_company_profile(client, boss):
    posting = posting_at(Status.IN_REVIEW, employer=boss, company_name="Globex")
    posting.logo.name = logos.store_logo(posting.pk, image_bytes())
    posting.save()
    page_url = reverse("wizard:account_posting", args=[posting.pk])
    save_url = reverse("wizard:account_profile_from_posting", args=[posting.pk])
    page = client.get(page_url).content.decode()
    assert f'<form method="post" action="{save_url}">' in page
    assert "Save as my company profile" in page

    response = client.post(save_url)
    assert response.status_code == 302 and response["Location"] == page_url
    account = Employer.objects.get(pk=boss.pk)
    assert account.company_name == "Globex"
    assert account.company_logo.name.startswith(f"{logos.COMPANY_LOGO_PREFIX}/{boss.pk}/")
    with account.company_logo.open() as kept, default_storage.open(posting.logo.name) as own:
        assert kept.read() == own.read()
    assert "Save as my company profile" not in client.get(page_url).content.decode()


def test_another_employers_posting_cannot_become_the_profile(client, boss):
    rival = posting_at(
        Status.IN_REVIEW, employer=employer("rival@example.com"), company_name="Rival"
    )
    response = client.post(reverse("wizard:account_profile_from_posting", args=[rival.pk]))
    assert response.status_code == 404
    assert Employer.objects.get(pk=boss.pk).company_name == ""
    assert (
        client.get(reverse("wizard:account_profile_from_posting", args=[rival.pk])).status_code
        == 405
    )


def test_replacing_the_profile_logo_never_deletes_a_postings_logo(
    client, boss, django_capture_on_commit_callbacks
):
    """The posting it came from and the draft it went to each keep a file of their own."""
    posting = posting_at(Status.IN_REVIEW, employer=boss, company_name="Globex")
    posting.logo.name = logos.store_logo(posting.pk, image_bytes())
    posting.save()
    client.post(reverse("wizard:account_profile_from_posting", args=[posting.pk]))
    draft = new_draft(client)  # started from the profile
    assert draft.logo.name not in ("", posting.logo.name)

    with django_capture_on_commit_callbacks(execute=True):
        saved(client, logo=upload(image_bytes(color=(0, 0, 200))))
    with django_capture_on_commit_callbacks(execute=True):
        saved(client, remove_logo="on")

    assert default_storage.exists(posting.logo.name)
    assert default_storage.exists(draft.logo.name)


def test_a_postings_logo_missing_from_storage_changes_no_profile(client, boss):
    posting = posting_at(Status.IN_REVIEW, employer=boss, company_name="Globex")
    posting.logo.name = logos.store_logo(posting.pk, image_bytes())
    posting.save()
    default_storage.delete(posting.logo.name)

    response = client.post(reverse("wizard:account_profile_from_posting", args=[posting.pk]))

    assert response.status_code == 302
    account = Employer.objects.get(pk=boss.pk)
    assert (account.company_name, account.company_logo.name) == ("", "")
    assert "We could not store your logo" in client.get(response["Location"]).content.decode()
