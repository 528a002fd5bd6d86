"""The "finish later" email goes to any address a visitor types, so it relays none of
their words: no title, no company, nothing typed; "your draft" and the link."""

import re

import pytest
from django.core import mail

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.effects import email as emails

pytestmark = pytest.mark.django_db

SPAM_TITLE = "URGENT call +1-900-555-0199 to claim"
SPAM_COMPANY = "Prize Desk, reply at once"
LINK = re.compile(r"http://\S+/post/finish-later/[^/\s]+/")


@pytest.fixture
def draft(client):
    # Saved earlier: what a visitor typed is on the posting itself.
    posting = posting_at("logo_ready", title=SPAM_TITLE, company_name=SPAM_COMPANY)
    own(client, posting)
    return posting


def test_the_email_to_an_unproven_address_relays_no_typed_text(client, draft, run_tasks):
    response = client.post(
        step_url("details", draft),
        {
            **VALID_DETAILS,
            "finish_later_link": "1",
            "title": SPAM_TITLE,
            "company_name": SPAM_COMPANY,
            "description": "Call +1-900-555-0199 now to claim your prize today!",
            "contact_email": "stranger@victim.example",
        },
    )
    assert response.status_code == 200
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["stranger@victim.example"]
    assert message.subject == "Your link to finish your draft job posting"
    assert "your draft job posting" in message.body
    assert LINK.search(message.body)
    # The link itself is random (a UUID and a signature, which may hold "900"): the rest of
    # the email is what must relay nothing typed.
    words = LINK.sub("<link>", message.body)
    for typed in (SPAM_TITLE, SPAM_COMPANY, "900-555", "prize", "Acme"):
        assert typed not in message.subject
        assert typed not in words


def test_no_unproven_template_can_quote_the_posting(draft):
    assert emails.Email.FINISH_LATER in emails.UNPROVEN_ADDRESS
    draft.finish_later_nonce = "nonce"
    draft.contact_email = "stranger@victim.example"

    class Effect:
        pk, attempts, name, posting = 1, 1, emails.Email.FINISH_LATER, draft

    message = emails.compose(Effect)
    assert SPAM_TITLE not in message.subject + message.body
    assert message.to == [draft.contact_email]
