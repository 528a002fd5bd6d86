"""The CSV export of an employer's postings (issue 20, item 7): one row each with its
state in words, dates, numbers and what was paid; streamed; nobody else's; and no cell a
spreadsheet would run as a formula."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from tests.accounts import employer, sign_in_as
from tests.attempts import attempt_for
from tests.factories import posting_at
from tests.integration.test_query_budget import data_queries
from wizard.account.export import HEADER, safe_cell
from wizard.models import DailyNumbers, Status

pytestmark = pytest.mark.django_db

EXPORT = reverse("wizard:account_export")


@pytest.fixture
def boss(client):
    account = employer()
    sign_in_as(client, account)
    return account


def exported(client):
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="jobwizard-postings-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_one_row_per_posting_with_its_numbers_and_payment(client, boss):
    posting = posting_at(Status.IN_REVIEW, employer=boss, title="Engineer")
    attempt_for(posting, session_id="cs_1", payment_intent_id="pi_1", amount=12345)
    DailyNumbers.objects.create(posting=posting, day=date(2026, 12, 1), views=9, apply_clicks=4)
    posting_at(Status.DRAFT, employer=boss, title="Draft")
    posting_at(Status.DRAFT, employer=employer("rival@example.com"), title="Rival")
    rows = exported(client)
    assert [row["Title"] for row in rows] == ["Draft", "Engineer"]
    row = rows[1]
    assert list(row) == HEADER
    assert row["Reference"] == posting.reference
    assert row["State"] == "In review"
    assert row["Created"].startswith(posting.created_at.strftime("%Y-%m-"))
    assert row["Published"] == "" and row["Expires"] == ""
    assert (row["Views"], row["Apply clicks"]) == ("9", "4")
    assert (row["Amount paid"], row["Amount paid (minor units)"], row["Currency"]) == (
        "USD 123.45",
        "12345",
        "USD",
    )
    assert rows[0]["Amount paid"] == "" and rows[0]["Views"] == "0"


def test_a_renewal_adds_to_what_was_paid_and_unpaid_attempts_do_not(client, boss):
    posting = posting_at(Status.PUBLISHED, employer=boss, title="Renewed")
    attempt_for(posting, session_id="cs_a", payment_intent_id="pi_a", amount=9900)
    attempt_for(posting, session_id="cs_b", payment_intent_id="pi_b", amount=4900)
    attempt_for(posting, session_id="cs_c", amount=4900)  # opened, never paid
    (row,) = exported(client)
    assert row["Amount paid (minor units)"] == "14800" and row["Amount paid"] == "USD 148.00"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_start_a_formula_is_made_text(client, boss, start):
    posting_at(Status.DRAFT, employer=boss, title=f'{start}HYPERLINK("http://evil")')
    (row,) = exported(client)
    assert row["Title"] == f'\'{start}HYPERLINK("http://evil")'


def test_ordinary_cells_are_left_as_they_are():
    assert safe_cell("Senior engineer") == "Senior engineer"
    assert safe_cell(12) == "12" and safe_cell(None) == ""
    assert safe_cell("a=b") == "a=b"


def test_the_export_costs_a_fixed_number_of_queries(client, boss):
    for n in range(40):
        posting = posting_at(Status.IN_REVIEW, employer=boss, title=f"Job {n}")
        attempt_for(posting, session_id=f"cs_{n}", payment_intent_id=f"pi_{n}")
    with data_queries() as queries:
        assert len(exported(client)) == 40
    assert len(queries) <= 4, "\n".join(queries)
