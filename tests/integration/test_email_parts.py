"""Every email is sent as HTML with a text part made from it: a button for its main link,
the short reference, the amount in the currency's format, the payment date in the
posting's zone, the country by name, short links; no template left unrendered and no
line of text hard-wrapped mid sentence."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction

from tests.factories import posting_at
from wizard.effects.email import UNPROVEN_ADDRESS, Email, compose, queue_email
from wizard.effects.email_text import html_to_text
from wizard.models import Status
from wizard.postings import links

pytestmark = pytest.mark.django_db

PAID_AT = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 10:30 in Berlin, summer time
MAIN_LINK = {
    Email.CONFIRMATION: "manage",
    Email.FINISH_LATER: "finish-later",
    Email.APPROVED: "jobs",
    Email.REJECTED: "manage",
    Email.EXPIRING: "renew",  # the one-click renew link (its board address follows)
    Email.REFUNDED: "manage",
    Email.MANAGE_LINK: "manage",
    Email.PAYMENT_FAILED: "manage",
    Email.REVISION_APPROVED: "jobs",
    Email.REVISION_REJECTED: "edit",
}


@pytest.fixture
def posting():
    return posting_at(
        Status.PUBLISHED,
        title="Backend engineer",
        company_name="Acme",
        slug="backend-engineer",
        city="Berlin",
        country="DE",
        workplace="hybrid",
        rejection_reason="The salary is missing.",
        finish_later_nonce="n" * 22,
        paid_at=PAID_AT,
        published_at=PAID_AT,
        expires_at=PAID_AT + timedelta(days=30),
    )


def composed(posting, email):
    with transaction.atomic():
        effect = queue_email(posting, email)
    message = compose(effect)
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return message, html


@pytest.mark.parametrize("email", list(Email))
def test_every_email_is_html_with_a_button_and_a_text_part_made_from_it(posting, email):
    message, html = composed(posting, email)
    text = message.body
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert text == html_to_text(html)
    for part in (html, text, message.subject):
        assert "{{" not in part and "{%" not in part
    (button,) = re.findall(r'<a data-button href="([^"]+)"', html)
    assert f"/{MAIN_LINK[email]}/" in button
    assert re.search(rf"^[^:\n]+: {re.escape(button)}$", text, re.MULTILINE)  # its own line
    if email in UNPROVEN_ADDRESS:
        assert posting.reference not in html
    else:
        assert f"Reference: {posting.reference}" in text
        assert str(posting.pk) not in text.replace(button, "")


@pytest.mark.parametrize("email", list(Email))
def test_sentences_are_not_hard_wrapped(posting, email):
    """Each paragraph is one line: a line that ends without a full stop, colon or link
    is followed by a blank line or a line of the same block (a list, a table row)."""
    text = composed(posting, email)[0].body
    paragraphs = [block for block in text.split("\n\n") if block]
    for paragraph in paragraphs:
        lines = paragraph.splitlines()
        sentence_broken = [
            line for line in lines[:-1] if re.search(r"\b(the|a|of|and|to|your)$", line)
        ]
        assert not sentence_broken, paragraph


def test_the_receipt_has_the_amount_the_date_in_the_zone_and_the_country_by_name(posting):
    message, html = composed(posting, Email.CONFIRMATION)
    text = message.body
    assert f"Amount paid: {posting.price_display}" in text
    assert re.search(r"Amount paid: [A-Z]{3} \d[\d,]*(\.\d+)?$", text, re.MULTILINE)
    assert "Paid on: 1 July 2026, 10:30 CEST" in text
    assert "Location: Berlin, Germany · Hybrid" in text
    assert ", DE" not in text
    assert "Keep this email as your receipt." in text
    assert '<th scope="row"' in html


def test_a_remote_job_names_its_countries(posting):
    posting.workplace, posting.city, posting.country = "remote", "", ""
    posting.applicant_countries = ["FR", "DE"]
    posting.save()
    text = composed(posting, Email.CONFIRMATION)[0].body
    assert "Location: Remote (France, Germany)" in text or "Remote (Germany, France)" in text


def test_links_in_emails_are_the_short_ones(posting):
    text = composed(posting, Email.CONFIRMATION)[0].body
    assert links.manage_url(posting) in text
    longest = max(len(word) for word in text.split())
    assert longest <= 110


def test_typed_text_is_escaped_in_html_and_as_typed_in_text(posting):
    posting.title = "R&D <Lead>"
    posting.save()
    message, html = composed(posting, Email.APPROVED)
    assert "R&amp;D &lt;Lead&gt;" in html and "<Lead>" not in html
    assert "R&D <Lead>" in message.body


def test_the_sent_email_is_multipart(posting, run_tasks):
    mail.outbox.clear()
    with transaction.atomic():
        queue_email(posting, Email.CONFIRMATION)
    run_tasks()
    (message,) = mail.outbox
    raw = message.message()
    assert raw.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in raw.get_payload()] == ["text/plain", "text/html"]
    assert message.extra_headers["X-Jobwizard-Email"].endswith("/1")


def test_the_text_maker_keeps_paragraphs_lists_rows_and_links():
    html = (
        "<head><title>T</title></head><h1>Hi &amp; bye</h1><p>Some\n  text with "
        '<a href="https://x.example/y">a link</a>.</p><ul><li>one</li><li>two</li></ul>'
        "<table><tr><th>Job</th><td>R&amp;D</td></tr><tr><th>Paid</th><td>USD 9.00</td>"
        '</tr></table><p><a data-button href="https://x.example/b/">Open</a></p>'
    )
    assert html_to_text(html) == (
        "Hi & bye\n\nSome text with a link (https://x.example/y).\n\n- one\n- two\n\n"
        "Job: R&D\nPaid: USD 9.00\n\nOpen: https://x.example/b/\n"
    )
