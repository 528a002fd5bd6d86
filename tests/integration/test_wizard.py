"""The wizard through Django's test client: ordering, ownership, logo and details."""

from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import VALID_DETAILS, image_bytes, step_after, step_counter, step_url
from tests.factories import own, posting_at
from wizard.flow.order import FLOW
from wizard.models import JobPosting, Status, TransitionLog

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def snapshot(posting):
    """Every column of the row, to prove a refused request changed nothing."""
    posting = JobPosting.objects.get(pk=posting.pk)
    return {f.attname: getattr(posting, f.attname) for f in JobPosting._meta.concrete_fields}


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


# --- Start -------------------------------------------------------------------


def test_the_start_page_creates_nothing(client):
    response = client.get("/post/")
    assert response.status_code == 200
    assert b"Start my posting" in response.content
    assert not JobPosting.objects.exists()


def test_starting_creates_a_draft_and_opens_its_first_step(client):
    response = client.post("/post/")
    posting = JobPosting.objects.get()
    assert posting.status == Status.DRAFT
    assert response.status_code == 302
    assert response["Location"] == step_url("logo", posting)
    assert client.get(response["Location"]).status_code == 200


def test_the_home_page_leads_to_the_wizard(client):
    assert reverse("wizard:start").encode() in client.get("/").content


# --- Ordering ------------------------------------------------------------------

SKIPS = [
    (Status.DRAFT, "details", "logo"),
    (Status.DRAFT, "payment", "logo"),
    (Status.DRAFT, "confirmation", "logo"),
    ("logo_ready", "payment", "details"),
    ("logo_ready", "confirmation", "details"),
    (Status.READY_TO_PAY, "confirmation", "payment"),
    (Status.AWAITING_PAYMENT, "confirmation", "payment"),
]


@pytest.mark.parametrize("status,requested,expected", SKIPS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_skipping_ahead_redirects_to_the_first_incomplete_step_and_changes_nothing(
    client, status, requested, expected, method
):
    posting = posting_at(status)
    own(client, posting)
    before = snapshot(posting)
    data = VALID_DETAILS if method == "post" else None
    response = getattr(client, method)(step_url(requested, posting), data)
    assert response.status_code == 302
    assert response["Location"] == step_url(expected, posting)
    assert any("Please complete" in m for m in messages_of(response))
    assert snapshot(posting) == before
    assert not TransitionLog.objects.exists()


def test_skipping_ahead_with_htmx_gets_an_hx_redirect(client):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    response = client.post(step_url("payment", posting), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == step_url("logo", posting)
    assert JobPosting.objects.get().status == Status.DRAFT


@pytest.mark.parametrize("status", [Status.PAID, Status.CONFIRMED])
@pytest.mark.parametrize("requested", ["logo", "details", "payment"])
def test_paid_postings_send_editing_steps_to_the_confirmation(client, status, requested):
    posting = posting_at(status)
    own(client, posting)
    before = snapshot(posting)
    response = client.post(step_url(requested, posting), VALID_DETAILS | {"skip": "1"})
    assert response["Location"] == step_url("confirmation", posting)
    assert snapshot(posting) == before


def test_reachable_steps_render(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    for step in [*FLOW.before_payment(posting), FLOW.payment]:
        response = client.get(step_url(step.name, posting))
        assert response.status_code == 200, step.name
        assert step_counter(step.name, posting).encode() in response.content


def test_htmx_requests_get_the_panel_only(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.get(step_url("details", posting), **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="step-panel"' in response.content
    assert step_counter("details", posting).encode() in response.content


# --- Ownership -----------------------------------------------------------------

OWNED_URLS = ["logo", "details", "payment", "confirmation", "status", "payment_return"]


@pytest.mark.parametrize("name", OWNED_URLS)
def test_another_browser_session_gets_a_404(client, name):
    posting = posting_at(Status.PAID)
    before = snapshot(posting)
    response = client.get(reverse(f"wizard:{name}", args=[posting.pk]))
    assert response.status_code == 404
    response = client.post(reverse(f"wizard:{name}", args=[posting.pk]), VALID_DETAILS)
    assert response.status_code in (404, 405)
    assert snapshot(posting) == before


def test_owning_one_draft_does_not_open_another(client):
    mine, theirs = posting_at(Status.DRAFT), posting_at(Status.DRAFT)
    own(client, mine)
    assert client.get(step_url("logo", mine)).status_code == 200
    assert client.get(step_url("logo", theirs)).status_code == 404


def test_an_unknown_posting_gets_a_404(client):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    url = step_url("logo", posting)
    posting.delete()
    assert client.get(url).status_code == 404


# --- Logo ----------------------------------------------------------------------


def logo_upload(fmt="PNG", name="logo.png"):
    return SimpleUploadedFile(name, image_bytes(fmt), content_type=f"image/{fmt.lower()}")


def test_uploading_a_logo_stores_it_under_a_server_key_and_advances(client):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    response = client.post(step_url("logo", posting), {"logo": logo_upload(name="../../evil.png")})
    assert response["Location"] == step_url("details", posting)
    posting.refresh_from_db()
    assert posting.status == "logo_ready"
    assert posting.logo.name.startswith(f"logos/{posting.pk}/")
    assert "evil" not in posting.logo.name
    assert default_storage.exists(posting.logo.name)
    entry = TransitionLog.objects.get()
    assert (entry.actor, entry.reason) == ("employer", "Logo uploaded")


def test_skipping_the_logo_advances_without_a_file(client):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    response = client.post(step_url("logo", posting), {"skip": "1"})
    assert response["Location"] == step_url("details", posting)
    posting.refresh_from_db()
    assert (posting.status, posting.logo.name) == ("logo_ready", "")


def test_replacing_a_logo_deletes_the_old_file_after_commit(
    client, django_capture_on_commit_callbacks
):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    client.post(step_url("logo", posting), {"logo": logo_upload()})
    posting.refresh_from_db()
    old = posting.logo.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(step_url("logo", posting), {"logo": logo_upload("JPEG", "new.jpg")})
    assert default_storage.exists(old), "deleted before the commit"
    for callback in callbacks:
        callback()
    posting.refresh_from_db()
    assert posting.logo.name != old
    assert default_storage.exists(posting.logo.name)
    assert not default_storage.exists(old)
    assert posting.status == "logo_ready"


def test_a_rejected_logo_shows_the_error_and_changes_nothing(client, media_root):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    before = snapshot(posting)
    svg = SimpleUploadedFile(
        "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
    )
    response = client.post(step_url("logo", posting), {"logo": svg})
    assert response.status_code == 422
    assert b"PNG, JPEG or WebP" in response.content
    assert b'aria-invalid="true"' in response.content
    assert snapshot(posting) == before
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_a_storage_failure_leaves_the_row_unchanged(client, media_root):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    before = snapshot(posting)
    with mock.patch.object(default_storage, "save", side_effect=OSError("disk full")):
        response = client.post(step_url("logo", posting), {"logo": logo_upload()})
    assert response.status_code == 503
    assert b"could not store your logo" in response.content
    assert snapshot(posting) == before
    assert not TransitionLog.objects.exists()


def test_a_failed_database_write_removes_the_new_file(client, media_root):
    posting = posting_at(Status.DRAFT)
    own(client, posting)
    with mock.patch.object(JobPosting, "save", side_effect=RuntimeError("database gone")):
        with pytest.raises(RuntimeError):
            client.post(step_url("logo", posting), {"logo": logo_upload()})
    assert not any(path.is_file() for path in media_root.rglob("*"))
    assert JobPosting.objects.get().status == Status.DRAFT


# --- Details ---------------------------------------------------------------------


def post_details(client, posting, **changes):
    data = {**VALID_DETAILS, **changes}
    return client.post(
        step_url("details", posting), {k: v for k, v in data.items() if v is not None}
    )


def test_valid_details_are_saved_and_lead_to_payment(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = post_details(client, posting)
    assert response["Location"] == step_url(step_after("details", posting), posting)
    posting.refresh_from_db()
    assert FLOW["details"].is_complete(posting)
    assert posting.status == FLOW.status_before_payment(posting) != "logo_ready"
    assert (posting.title, posting.salary_min, posting.salary_currency) == (
        "Senior Django Engineer",
        70000,
        "eur",
    )
    assert (posting.workplace, posting.city, posting.region, posting.country.code) == (
        "hybrid",
        "Berlin",
        "",
        "DE",
    )
    assert not posting.applicant_countries


INVALID_DETAILS = [
    (
        {"salary_min": "90000", "salary_max": "70000"},
        "salary_max",
        "Enter a highest salary that is the same as or more",
    ),
    ({"apply_url": "", "apply_email": ""}, "apply_url", "Enter a web address or an email address"),
    (
        {"apply_url": "javascript:alert(1)"},
        "apply_url",
        "Enter a web address starting with https://",
    ),
    (
        {"apply_url": "ftp://acme.example/jobs"},
        "apply_url",
        "Enter a web address starting with https://",
    ),
    ({"title": "x" * 121}, "title", "at most 120 characters"),
    ({"description": "x" * 10_001}, "description", "at most 10000 characters"),
    ({"description": "x"}, "description", "at least 30 characters"),
    ({"description": " " * 40 + "short"}, "description", "at least 30 characters"),
    # Counted as readers see it: Markdown's marks are not text.
    ({"description": "**" + "x" * 28 + "**"}, "description", "at least 30 characters"),
    ({"description": "*" * 40}, "description", "at least 30 characters"),
    ({"title": ""}, "title", "Enter the job title"),
    (
        {"contact_email": "not-an-email"},
        "contact_email",
        "Enter an email address in the correct format, like name@example.com",
    ),
    (
        {"employment_type": "forever"},
        "employment_type",
        "Choose the type of employment from the list",
    ),
    ({"salary_min": "-5"}, "salary_min", "Enter a lowest salary of 0 or more"),
    ({"salary_currency": ""}, "salary_currency", "Choose the salary"),
    # Where the job is: an office's city and country, or a remote job's countries.
    ({"workplace": None}, "workplace", "Choose where the work is done"),
    ({"workplace": "somewhere"}, "workplace", "Choose where the work is done from the list"),
    ({"city": "  "}, "city", "Enter the city where the office is"),
    ({"country": ""}, "country", "Choose the country where the office is"),
    ({"country": "Germany"}, "country", "Choose the country from the list"),
    ({"workplace": "on_site", "city": ""}, "city", "Enter the city where the office is"),
    ({"workplace": "remote"}, "applicant_countries", "at least one country"),
    (
        {"workplace": "remote", "applicant_countries": ["DE", "XX"]},
        "applicant_countries",
        "Choose countries from the list",
    ),
    ({"region": "x" * 101}, "region", "at most 100 characters"),
]


@pytest.mark.parametrize("changes,field,message", INVALID_DETAILS)
def test_invalid_details_get_a_field_error_and_are_kept_only_as_typed(
    client, changes, field, message
):
    posting = posting_at("logo_ready")
    own(client, posting)
    before = saved_details(posting)
    response = post_details(client, posting, **changes)
    assert response.status_code == 422
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert saved_details(posting) == before
    # The page is drawn again from what was typed, over what is saved.
    answers = FLOW["details"].values(JobPosting.objects.get(pk=posting.pk))
    assert {name: answers[name] for name in changes} == {
        name: value or ("" if value is None else value) for name, value in changes.items()
    }


def saved_details(posting):
    """Every column but the step data (where typed drafts are kept) and its timestamp."""
    saved = snapshot(posting)
    del saved["step_data"], saved["updated_at"]
    return saved


def test_apply_by_email_alone_is_enough(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = post_details(client, posting, apply_url="", apply_email="jobs@acme.example")
    assert response.status_code == 302
    assert JobPosting.objects.get().apply_email == "jobs@acme.example"


def test_details_errors_come_back_as_a_panel_for_htmx(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.post(step_url("details", posting), {**VALID_DETAILS, "title": ""}, **HTMX)
    assert response.status_code == 422
    assert b"<html" not in response.content
    assert b"Enter the job title" in response.content


def test_htmx_success_renders_the_next_step_and_pushes_its_url(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    response = client.post(step_url("details", posting), VALID_DETAILS, **HTMX)
    assert response.status_code == 200
    following = step_after("details", posting)
    assert response["HX-Push-Url"] == step_url(following, posting)
    assert step_counter(following, posting).encode() in response.content
    assert FLOW[following].title.encode() in response.content


def test_editing_saved_details_keeps_the_status(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    response = post_details(client, posting, title="Staff Engineer")
    assert response["Location"] == step_url("payment", posting)
    posting.refresh_from_db()
    assert (posting.status, posting.title) == (Status.READY_TO_PAY, "Staff Engineer")
    assert not TransitionLog.objects.exists()
