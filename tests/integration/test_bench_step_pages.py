"""The benchmark finds every page of every step by asking the flow (bench/seed.py), so a
step split into sub-pages is measured page by page without the bench naming them."""

import pytest

from bench.seed import step_pages
from tests.factories import posting_at, posting_reaching
from wizard.flow.order import FLOW
from wizard.models import Status

pytestmark = pytest.mark.django_db


def test_each_step_and_each_of_its_pages_is_measured_once():
    """Each answer's Change link (Step.change_url) goes to the page that asks it."""
    ready = posting_at(Status.READY_TO_PAY)
    details = posting_reaching("details")
    pages = step_pages({"details": details}, ready=ready)

    firsts = [(page["step"], page["page"]) for page in pages if page["page"] == ""]
    assert firsts == [(step.name, "") for step in FLOW.applicable(ready)]
    by_step = {page["step"]: page["path"] for page in pages if page["page"] == ""}
    assert by_step["details"] == f"/post/{details.pk}/details/"
    assert by_step["payment"] == f"/post/{ready.pk}/payment/"
    sub_pages = [page["page"] for page in pages if page["step"] == "details"]
    assert sub_pages == ["", "?page=job", "?page=where", "?page=apply"]
    where = next(page for page in pages if page["page"] == "?page=where")
    assert where["path"] == f"/post/{ready.pk}/details/?page=where"
