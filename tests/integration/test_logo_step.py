"""The logo step (issue 19, item 9): optional, and it says so; going on without a logo is
its own action; an upload with no file says what to do; the CSP lets the page preview the
chosen file (a blob: URL) before it is uploaded."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import image_bytes, step_url
from tests.factories import own, posting_at
from wizard.flow.order import FLOW
from wizard.models import JobPosting, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting(client):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    return posting


def test_the_page_says_the_logo_is_optional(client, posting):
    page = client.get(step_url("logo", posting)).content.decode()
    assert "<h1>Company logo (optional)</h1>" in page
    assert '<label for="id_logo">Choose your company logo</label>' in page
    assert 'class="dropzone" data-dropzone' in page
    assert re.search(
        r'<button class="button" type="submit" name="skip"[^>]*>\s*Continue without a logo', page
    )


def test_upload_without_a_file_says_what_to_do(client, posting):
    response = client.post(step_url("logo", posting), {"upload": ""})
    page = response.content.decode()
    assert response.status_code == 422
    assert "Choose a logo to upload, or continue without a logo" in page
    assert "This field is required" not in page
    posting.refresh_from_db()
    assert posting.status == Status.DRAFT and not posting.logo
    assert not FLOW["logo"].is_complete(posting)


def test_continuing_without_a_logo_completes_the_step_with_none(client, posting):
    response = client.post(step_url("logo", posting), {"skip": "1"})
    assert response.status_code == 302
    assert response["Location"] == step_url("details", posting)
    posting = JobPosting.objects.get(pk=posting.pk)
    assert FLOW["logo"].is_complete(posting) and not posting.logo
    assert FLOW["logo"].ledger_note(posting) == "skipped"


def test_an_upload_after_continuing_without_is_the_logo_kept(client, posting):
    client.post(step_url("logo", posting), {"skip": "1"})
    upload = SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png")
    assert client.post(step_url("logo", posting), {"logo": upload}).status_code == 302
    posting = JobPosting.objects.get(pk=posting.pk)
    assert posting.logo and FLOW["logo"].ledger_note(posting) == "uploaded"
    page = client.get(step_url("logo", posting)).content.decode()
    assert "Keep this logo and continue" in page


def test_the_csp_lets_images_come_from_blob_urls_and_nothing_else(client, posting):
    policy = client.get(step_url("logo", posting))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "blob:" in directives["img-src"].split()
    assert [name for name, sources in directives.items() if "blob:" in sources] == ["img-src"]
