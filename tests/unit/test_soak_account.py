"""How the soak's returning employers read their sign-in code (soak/account.py): from the
email the soak's mailer accepted for their address, the newest one; never another
address's, nor a send that failed."""

import json
from types import SimpleNamespace

import pytest

from soak import account
from soak.employer import Unexpected
from wizard.effects.email import render_plain_text

ADDRESS = "employer7@soak.example"


class Visit:
    def __init__(self):
        self.pauses = 0
        self.outcome = SimpleNamespace(stage="")
        self.b = SimpleNamespace(think=self.think)

    def think(self, low, high):
        self.pauses += 1


def subject(code):
    return render_plain_text("emails/sign_in_subject.txt", {"code": code})


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    monkeypatch.setenv("SOAK_MAIL_DIR", str(tmp_path))
    accepted = []

    def deliver(outcome, to, subject):
        accepted.append(None)
        entry = {"outcome": outcome, "to": [to], "subject": subject, "effect": "1"}
        name = f"{len(accepted):06d}-test.{outcome}.json"  # in the order accepted
        (tmp_path / name).write_text(json.dumps(entry))

    return deliver


def test_the_newest_sign_in_code_sent_to_the_address_is_read(inbox):
    inbox("sent", ADDRESS, subject("111111"))
    inbox("sent", "employer8@soak.example", subject("222222"))
    inbox("sent", ADDRESS, subject("333333"))
    inbox("failed", ADDRESS, subject("444444"))
    inbox("sent", ADDRESS, "Your posting is in review: Reliability Engineer #7 (JW-123456)")
    assert account.read_code(Visit(), ADDRESS) == "333333"


def test_the_app_s_sign_in_subject_carries_the_code():
    assert account.CODE_SUBJECT.search(subject("012345"))[1] == "012345"


def test_no_email_is_a_visit_that_went_wrong_after_checking_the_inbox_a_while(inbox):
    inbox("sent", "employer8@soak.example", subject("222222"))
    visit = Visit()
    with pytest.raises(Unexpected, match="never arrived"):
        account.read_code(visit, ADDRESS)
    assert visit.pauses == account.INBOX_CHECKS
