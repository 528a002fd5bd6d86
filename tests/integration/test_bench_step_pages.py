"""The benchmark finds every page of every step by asking the flow (bench/seed.py), so a
step split into sub-pages is measured page by page without the bench naming them."""

import pytest

from bench.seed import step_pages
from tests.factories import posting_at, posting_reaching
from wizard.flow.order import FLOW
from wizard.models import Status

pytestmark = pytest.mark.django_db


def test_each_step_of_the_flow_is_a_page_for_the_posting_waiting_at_it():
    ready = posting_at(Status.READY_TO_PAY)
    details = posting_reaching("details")
    pages = step_pages({"details": details}, ready=ready)

    assert [(page["step"], page["page"]) for page in pages] == [
        (step.name, "") for step in FLOW.applicable(ready)
    ]
    by_step = {page["step"]: page["path"] for page in pages}
    assert by_step["details"] == f"/post/{details.pk}/details/"
    assert by_step["payment"] == f"/post/{ready.pk}/payment/"


def test_a_step_of_sub_pages_is_measured_once_per_sub_page(monkeypatch):
    """Each answer's Change link (Step.change_url) goes to the sub-page that asks it."""
    sub_page = {"company_name": "about", "title": "about", "workplace": "where", "country": "where"}

    def change_url(posting, field):
        page = sub_page.get(field, "pay")
        return f"{FLOW['details'].url(posting)}?page={page}&change=1#id_{field}"

    monkeypatch.setattr(FLOW["details"], "change_url", change_url, raising=False)
    ready = posting_at(Status.READY_TO_PAY)
    pages = [page for page in step_pages({}, ready=ready) if page["step"] == "details"]

    assert [page["page"] for page in pages] == ["", "?page=about", "?page=where", "?page=pay"]
    assert pages[2]["path"] == f"/post/{ready.pk}/details/?page=where"
