"""The "email me a link" form takes any address: the links it sends are limited per
recipient (across drafts) and per client (browser session, IP address), through the
limits every other limit uses (wizard.limits)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_at
from wizard.effects.email import Email
from wizard.jobs.models import Job
from wizard.limits import LimitKey, LimitUse
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db

STRANGER = "stranger@victim.example"


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def browser(ip="127.0.0.1"):
    return Client(REMOTE_ADDR=ip)


def new_draft(client):
    posting = posting_at("logo_ready")
    own(client, posting)
    return posting


def ask(client, posting, email=STRANGER):
    data = {**VALID_DETAILS, "finish_later_link": "1", "contact_email": email}
    return client.post(step_url("details", posting), data)


def sent(response):
    return any("We emailed a link to" in m for m in messages_of(response))


def link_effects():
    return Job.objects.filter(kind="email", name=Email.FINISH_LATER)


def test_five_drafts_send_three_links_to_one_stranger(run_tasks):
    client = browser()
    drafts = [new_draft(client) for _ in range(5)]
    responses = [ask(client, draft) for draft in drafts]

    assert [sent(r) for r in responses] == [True, True, True, False, False]
    refused = responses[3]
    assert refused.status_code == 200
    assert any(
        f"We have already sent several links to {STRANGER} today" in m and "No email was sent." in m
        for m in messages_of(refused)
    )
    assert b"Finish later" in refused.content
    # Nothing saved, nothing queued for the refused drafts.
    for draft in drafts[3:]:
        assert JobPosting.objects.get(pk=draft.pk).contact_email == ""
    assert link_effects().count() == 3
    run_tasks()
    assert len(mail.outbox) == 3


def test_the_recipient_limit_holds_across_browsers_and_addresses(run_tasks):
    results = []
    for n in range(4):
        client = browser(ip=f"192.0.2.{n + 1}")
        results.append(sent(ask(client, new_draft(client), email=STRANGER.upper())))
    assert results == [True, True, True, False]
    # Another recipient is still served.
    client = browser(ip="192.0.2.99")
    assert sent(ask(client, new_draft(client), email="someone@else.example"))
    run_tasks()
    assert len(mail.outbox) == 4


def test_asking_again_for_the_same_draft_counts_too(settings, run_tasks):
    settings.EMAIL_RESEND_COOLDOWN_SECONDS = 0
    client = browser()
    draft = new_draft(client)
    results = []
    for _ in range(4):
        results.append(sent(ask(client, draft)))
        run_tasks()
    assert results == [True, True, True, False]
    assert len(mail.outbox) == 3


def test_one_browser_session_asks_for_five_links_an_hour():
    client = browser()
    results = [
        sent(ask(client, new_draft(client), email=f"person{n}@acme.example")) for n in range(6)
    ]
    assert results == [True] * 5 + [False]
    assert link_effects().count() == 5


def test_one_ip_address_asks_for_five_links_an_hour_whatever_its_sessions():
    results = []
    for n in range(6):
        client = browser(ip="198.51.100.7")  # a new session each time
        results.append(sent(ask(client, new_draft(client), email=f"p{n}@acme.example")))
    assert results == [True] * 5 + [False]
    refused = ask(client, new_draft(client), email="p9@acme.example")
    assert any("many links in the last hour" in m for m in messages_of(refused))
    # Another address is not held back by it.
    other = browser(ip="198.51.100.8")
    assert sent(ask(other, new_draft(other), email="p10@acme.example"))


def test_the_limits_are_settings(settings):
    settings.FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY = 1
    client = browser()
    assert sent(ask(client, new_draft(client)))
    assert not sent(ask(client, new_draft(client)))
    settings.FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR = 2
    assert sent(ask(client, new_draft(client), email="a@acme.example"))
    assert not sent(ask(client, new_draft(client), email="b@acme.example"))


def age(delta):
    """Move every counted use `delta` into the past."""
    for use in LimitUse.objects.all():
        LimitUse.objects.filter(pk=use.pk).update(at=use.at - delta)


def test_the_windows_pass():
    client = browser()
    for n in range(5):
        assert sent(ask(client, new_draft(client), email=f"x{n}@acme.example" if n else STRANGER))
    assert not sent(ask(client, new_draft(client), email="y@acme.example"))
    age(timedelta(minutes=61))
    assert sent(ask(client, new_draft(client), email="y@acme.example"))

    for _ in range(2):
        assert sent(ask(client, new_draft(client)))
    assert not sent(ask(client, new_draft(client)))
    age(timedelta(hours=24, minutes=1))
    assert sent(ask(client, new_draft(client)))


def test_the_limits_keep_no_address_session_key_or_ip():
    client = browser(ip="203.0.113.5")
    assert sent(ask(client, new_draft(client)))
    names = sorted(LimitKey.objects.values_list("name", flat=True))
    assert names == ["finish_later.client", "finish_later.session", "finish_later.to"]
    stored = str(list(LimitKey.objects.values())) + str(list(LimitUse.objects.values()))
    assert STRANGER not in stored and "203.0.113.5" not in stored
    assert client.session.session_key not in stored
    (effect,) = link_effects()
    assert "requests" not in (effect.payload or {})


def test_a_refused_request_counts_for_no_limit(settings):
    settings.FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY = 1
    client = browser()
    assert sent(ask(client, new_draft(client)))
    for _ in range(6):  # refused by the recipient's limit: the client's are not spent
        assert not sent(ask(client, new_draft(client)))
    assert LimitUse.objects.filter(limit_key__name="finish_later.session").count() == 1
    assert sent(ask(client, new_draft(client), email="other@acme.example"))
