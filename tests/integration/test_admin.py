"""Staff see every posting in the admin; status and payment data are read-only there."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.attempts import attempt_for
from tests.factories import posting_at
from wizard.models import Actor, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_posting():
    posting = posting_at(Status.AWAITING_PAYMENT)
    attempt_for(posting, session_id="cs_test_admin", payment_intent_id="pi_admin")
    with transaction.atomic():
        posting.mark_paid(by=Actor.system(), why="Webhook")
        posting.save()
    return posting


def test_the_list_filters_by_status_and_searches(admin_client, paid_posting):
    posting_at(Status.DRAFT, title="Draft only")
    response = admin_client.get("/admin/wizard/jobposting/", {"status__exact": "in_review"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [paid_posting]
    response = admin_client.get("/admin/wizard/jobposting/", {"q": "acme.example"})
    assert list(response.context["cl"].result_list) == [paid_posting]


def test_the_change_page_shows_the_transition_log_and_keeps_status_read_only(
    admin_client, paid_posting
):
    url = f"/admin/wizard/jobposting/{paid_posting.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"Webhook" in response.content  # the log's reason, inline
    assert "status" not in response.context["adminform"].form.fields
    assert "current_attempt" not in response.context["adminform"].form.fields
    assert b"cs_test_admin" in response.content and b"pi_admin" in response.content

    other = attempt_for(posting_at(Status.AWAITING_PAYMENT), session_id="cs_evil")
    data = change_form_data(response)
    data.update({"title": "Edited by staff", "status": "draft", "current_attempt": other.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    paid_posting.refresh_from_db()
    assert paid_posting.title == "Edited by staff"
    assert (paid_posting.status, paid_posting.current_attempt.session_id) == (
        Status.IN_REVIEW,
        "cs_test_admin",
    )


def change_form_data(response):
    """What the browser would post back from an admin change page, inlines included."""
    form = response.context["adminform"].form
    # A multiple select with nothing chosen sends nothing (the test client posts a list
    # as repeated keys, an empty list as none).
    data = {
        name: value if isinstance(value := form[name].value(), list) else value or ""
        for name in form.fields
    }
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-{key}": value
                for key, value in formset.management_form.initial.items()
            }
        )
        for child in formset.forms:
            data.update(
                {
                    child.add_prefix(name): child[name].value() or ""
                    for name in ("id", formset.fk.name)
                }
            )
    return data


def test_stripe_events_are_listed(admin_client):
    assert admin_client.get("/admin/wizard/stripeevent/").status_code == 200


def failed_effect(posting):
    from wizard.jobs.models import Job

    # The confirmation email that payment queued, given up on after its attempts.
    effects = Job.objects.filter(posting=posting, kind="email", name="confirmation")
    effects.update(state="failed", attempts=10, last_error="AnymailAPIError: ESP answered 422")
    return effects.get()


def test_a_failed_side_effect_needs_attention_and_staff_can_run_it_again(
    admin_client, paid_posting
):
    from django_tasks_db.models import DBTaskResult

    effect = failed_effect(paid_posting)
    needing = admin_client.get("/admin/wizard/jobposting/", {"attention": "effect"})
    assert list(needing.context["cl"].result_list) == [paid_posting]

    admin_client.post(
        "/admin/wizard/jobposting/?attention=effect",
        {"action": "retry_failed_effects", "_selected_action": [str(paid_posting.pk)]},
    )
    effect.refresh_from_db()
    assert (effect.state, effect.last_error) == ("queued", "")
    # One task from the payment, one from the retry.
    assert DBTaskResult.objects.filter(task_path="wizard.jobs.runner.run_job").count() == 2
    calm = admin_client.get("/admin/wizard/jobposting/", {"attention": "effect"})
    assert list(calm.context["cl"].result_list) == []


def test_view_only_staff_cannot_run_side_effects_again(client, paid_posting):
    from django.contrib.auth.models import Permission, User

    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_jobposting", "view_job"])
    )
    client.force_login(viewer)
    effect = failed_effect(paid_posting)
    for url, action, selected in [
        ("/admin/wizard/job/", "retry", effect.pk),
        ("/admin/wizard/jobposting/?queue=all", "retry_failed_effects", paid_posting.pk),
    ]:
        assert f'<option value="{action}"'.encode() not in client.get(url).content
        client.post(url, {"action": action, "_selected_action": [str(selected)]})
    effect.refresh_from_db()
    assert effect.state == "failed"


def test_only_postings_that_need_attention_are_marked_with_their_reasons(
    admin_client, paid_posting
):
    from wizard.jobs.models import Job

    healthy = posting_at(Status.DRAFT, title="Healthy draft")
    Job.objects.filter(posting=paid_posting).update(state="failed")
    response = admin_client.get("/admin/wizard/jobposting/", {"queue": "all"})
    rows = {str(p.pk): p for p in response.context["cl"].result_list}
    admin_view = response.context["cl"].model_admin
    assert admin_view.attention(rows[str(healthy.pk)]) == ""
    assert "A side effect failed" in admin_view.attention(rows[str(paid_posting.pk)])
    assert b"icon-no.svg" not in response.content


def test_the_change_page_previews_the_logo(admin_client, client):
    from io import BytesIO

    from tests.conftest import image_bytes
    from tests.factories import own

    posting = posting_at()
    own(client, posting)
    logo = BytesIO(image_bytes("PNG"))
    logo.name = "logo.png"
    client.post(f"/post/{posting.pk}/logo/", {"logo": logo})
    posting.refresh_from_db()
    page = admin_client.get(f"/admin/wizard/jobposting/{posting.pk}/change/").content.decode()
    assert f'<img src="{posting.logo.url}" alt="Logo of the company"' in page


def test_the_list_opens_on_the_review_queue_longest_waiting_first(admin_client):
    now = timezone.now()
    later = posting_at(Status.IN_REVIEW, title="Paid later", paid_at=now)
    earlier = posting_at(Status.IN_REVIEW, title="Paid earlier", paid_at=now - timedelta(hours=3))
    posting_at(Status.PUBLISHED, title="Already live", paid_at=now - timedelta(days=2))
    posting_at(Status.DRAFT, title="Still a draft")

    response = admin_client.get("/admin/wizard/jobposting/")
    assert response.context["title"] == "Postings to review"
    assert list(response.context["cl"].result_list) == [earlier, later]

    every = admin_client.get("/admin/wizard/jobposting/", {"queue": "all"})
    assert every.context["cl"].result_count == 4
    assert b"Postings to review" not in every.content


def test_a_search_or_another_filter_looks_beyond_the_queue(admin_client):
    posting_at(Status.IN_REVIEW, title="Waiting")
    live = posting_at(Status.PUBLISHED, title="Already live")
    searched = admin_client.get("/admin/wizard/jobposting/", {"q": "Already live"})
    assert list(searched.context["cl"].result_list) == [live]
    filtered = admin_client.get("/admin/wizard/jobposting/", {"status__exact": "published"})
    assert list(filtered.context["cl"].result_list) == [live]
