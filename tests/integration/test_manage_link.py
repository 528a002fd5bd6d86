"""The lasting "manage your posting" link: signed over a nonce the employer can replace."""

import re

import pytest
from django.core import mail
from django.core.signing import Signer
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from tests.conftest import step_url
from tests.factories import own, posting_at
from wizard.effects.email import Email
from wizard.jobs.models import Job
from wizard.models import JobPosting, Status
from wizard.postings import links

pytestmark = pytest.mark.django_db

MANAGE_LINK = re.compile(r"http://\S+(/post/manage/[^/\s]+/)")


def path_of(url):
    return MANAGE_LINK.match(url).group(1)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def paid(client):
    posting = posting_at(Status.IN_REVIEW, contact_email="hiring@acme.example")
    own(client, posting)
    return posting


def ask_for_new_link(client, posting):
    return client.post(step_url("confirmation", posting), {"new_link": "1"})


def test_every_posting_gets_its_own_nonce_and_the_link_carries_it(paid):
    other = posting_at(Status.IN_REVIEW)
    assert paid.manage_nonce and other.manage_nonce and paid.manage_nonce != other.manage_nonce
    posting_id, nonce = links.read_manage_token(links.make_manage_token(paid))
    assert (posting_id, nonce) == (paid.pk, paid.manage_nonce)


def test_a_link_signed_over_the_id_alone_does_not_open_a_posting_with_a_nonce(paid):
    token = Signer(salt=links.MANAGE_SALT).sign(str(paid.pk))
    browser = Client()
    response = browser.get(f"/post/manage/{token}/")
    assert response.status_code == 410
    assert browser.get(step_url("confirmation", paid)).status_code == 404


def test_the_confirmation_page_offers_a_new_link(client, paid):
    page = client.get(step_url("confirmation", paid))
    assert b"Send me a new link" in page.content


def test_a_new_link_revokes_the_old_ones_and_is_emailed(client, paid, run_tasks):
    old = path_of(links.manage_url(paid))
    assert Client().get(old).status_code == 302

    response = ask_for_new_link(client, paid)
    assert response.status_code == 200
    assert any(
        "We are emailing a new link to hiring@acme.example" in m
        and "earlier emails no longer work" in m
        for m in messages_of(response)
    )
    posting = JobPosting.objects.get(pk=paid.pk)
    assert posting.manage_nonce != paid.manage_nonce
    assert posting.status == Status.IN_REVIEW
    (effect,) = Job.objects.filter(kind="email", name=Email.MANAGE_LINK)
    assert effect.posting_id == paid.pk

    run_tasks()
    (email,) = mail.outbox
    assert email.to == ["hiring@acme.example"]
    assert email.subject == f'Your new link to manage your job posting "{paid.title}"'
    (new,) = MANAGE_LINK.findall(email.body)
    assert new != old

    stranger = Client()
    refused = stranger.get(old)
    assert refused.status_code == 410
    assert b"This link was replaced" in refused.content
    assert stranger.get(step_url("confirmation", paid)).status_code == 404

    employer = Client()
    response = employer.get(new)
    assert response.status_code == 302
    assert response["Location"] == step_url("confirmation", paid)
    assert employer.get(response["Location"]).status_code == 200


def test_asking_twice_within_the_cooldown_keeps_the_links(client, paid, run_tasks):
    ask_for_new_link(client, paid)
    nonce = JobPosting.objects.get(pk=paid.pk).manage_nonce
    response = ask_for_new_link(client, paid)
    assert any("We just sent you a new link" in m for m in messages_of(response))
    assert JobPosting.objects.get(pk=paid.pk).manage_nonce == nonce
    run_tasks()
    assert len(mail.outbox) == 1


def test_asking_again_after_the_cooldown_revokes_the_previous_new_link(
    client, paid, run_tasks, settings
):
    settings.EMAIL_RESEND_COOLDOWN_SECONDS = 0
    ask_for_new_link(client, paid)
    run_tasks()
    ask_for_new_link(client, paid)
    run_tasks()
    first, second = (MANAGE_LINK.search(m.body).group(1) for m in mail.outbox)
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 302


def test_a_stranger_cannot_ask_for_a_new_link(paid):
    assert ask_for_new_link(Client(), paid).status_code == 404
    assert JobPosting.objects.get(pk=paid.pk).manage_nonce == paid.manage_nonce
    assert not Job.objects.filter(name=Email.MANAGE_LINK).exists()


def test_a_draft_has_no_link_to_replace(client):
    draft = posting_at(Status.READY_TO_PAY)
    own(client, draft)
    ask_for_new_link(client, draft)
    assert JobPosting.objects.get(pk=draft.pk).manage_nonce == draft.manage_nonce
    assert not Job.objects.filter(name=Email.MANAGE_LINK).exists()


def test_links_sent_before_nonces_work_until_the_first_new_link(client, run_tasks):
    legacy = posting_at(Status.IN_REVIEW, contact_email="hiring@acme.example", manage_nonce="")
    own(client, legacy)
    old = f"/post/manage/{Signer(salt=links.MANAGE_SALT).sign(str(legacy.pk))}/"
    meanwhile = path_of(links.manage_url(legacy))  # compact, still without a nonce
    assert Client().get(old).status_code == 302
    assert Client().get(meanwhile).status_code == 302

    ask_for_new_link(client, legacy)
    run_tasks()
    assert Client().get(old).status_code == 410
    assert Client().get(meanwhile).status_code == 410
    (new,) = MANAGE_LINK.findall(mail.outbox[0].body)
    assert Client().get(new).status_code == 302


def test_a_tampered_link_is_not_valid(paid):
    token = links.make_manage_token(paid)
    assert Client().get(f"/post/manage/{token[:-3]}xyz/").status_code == 400
    forged = f"{paid.pk}:{'x' * 22}:{token.rsplit(':', 1)[1]}"
    assert Client().get(f"/post/manage/{forged}/").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_existing_postings_without_a_nonce():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("wizard", "0009_refund_stripe_status")])
        old_apps = executor.loader.project_state([("wizard", "0009_refund_stripe_status")]).apps
        before = old_apps.get_model("wizard", "JobPosting").objects.create(title="Before")

        executor = MigrationExecutor(connection)
        executor.migrate([("wizard", "0010_manage_nonce")])
        then = executor.loader.project_state([("wizard", "0010_manage_nonce")]).apps
        assert then.get_model("wizard", "JobPosting").objects.get(pk=before.pk).manage_nonce == ""
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert JobPosting.objects.create(title="After").manage_nonce
