"""The bot check refuses a genuine token solved on another site, or for another form: the
verdict's hostname is compared with ours, and Turnstile's action with the payment form's."""

import pytest

from tests.conftest import step_url, stripe_api
from tests.factories import own, posting_at
from wizard.flow import botcheck
from wizard.models import JobPosting, Status
from wizard.providers.siteverify import PROVIDERS, Verdict, field_name, fresh_test_token

pytestmark = pytest.mark.django_db

REFUSED = b"confirm that you&#x27;re human"


@pytest.fixture
def posting(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def pay(client, posting, token):
    data = {"reviewed": JobPosting.objects.get(pk=posting.pk).content_digest, field_name(): token}
    return client.post(step_url("payment", posting), data)


def sessions():
    return stripe_api().v1.checkout.sessions.list().data


def test_the_pages_token_is_solved_here_for_payment_and_goes_to_checkout(
    client, posting, fakeproviders, fakestripe, settings
):
    page = client.get(step_url("payment", posting)).content.decode()
    token = page.split('data-botcheck-token="')[1].split('"')[0]
    assert token.endswith(";hostname=testserver;action=pay")
    response = pay(client, posting, token)
    assert response.status_code == 302
    assert response["Location"].startswith(fakestripe.url + "/checkout/cs_")
    (request,) = fakeproviders.requests(settings.BOT_CHECK_PROVIDER)
    assert request["status"] == 200


def test_a_token_solved_on_another_site_is_refused(
    client, posting, fakeproviders, fakestripe, caplog
):
    response = pay(client, posting, fresh_test_token(hostname="evil.example", action="pay"))
    assert response.status_code == 422
    assert REFUSED in response.content
    assert sessions() == []
    assert JobPosting.objects.get(pk=posting.pk).status == Status.READY_TO_PAY
    assert "a token solved on 'evil.example' refused" in caplog.text


def test_a_verdict_naming_another_site_is_refused(client, posting, fakeproviders, fakestripe):
    fakeproviders.configure(siteverify_hostname="evil.example")
    response = pay(client, posting, fresh_test_token())
    assert response.status_code == 422
    assert REFUSED in response.content
    assert sessions() == []


def test_a_token_solved_for_another_form_is_refused(client, posting, fakeproviders, fakestripe):
    response = pay(client, posting, fresh_test_token(hostname="testserver", action="signin"))
    assert response.status_code == 422
    assert REFUSED in response.content
    assert sessions() == []


def test_allowed_hosts_star_lets_no_other_site_in(
    client, posting, fakeproviders, fakestripe, settings
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://jobs.example"
    refused = pay(client, posting, fresh_test_token(hostname="evil.example", action="pay"))
    assert refused.status_code == 422
    passed = pay(client, posting, fresh_test_token(hostname="jobs.example", action="pay"))
    assert passed.status_code == 302


def test_the_hostnames_can_be_set(client, posting, fakeproviders, fakestripe, settings):
    settings.BOT_CHECK_HOSTNAMES = [".jobs.example"]
    assert pay(client, posting, fresh_test_token("testserver", "pay")).status_code == 422
    assert pay(client, posting, fresh_test_token("www.jobs.example", "pay")).status_code == 302


def test_the_real_turnstile_widget_is_solved_for_the_payment_action(client, posting, settings):
    settings.BOT_CHECK_PROVIDER = "turnstile"
    settings.BOT_CHECK_SECRET_KEY = "0x-real-secret"
    page = client.get(step_url("payment", posting)).content.decode()
    assert 'class="cf-turnstile"' in page
    assert 'data-action="pay"' in page


def verdict(hostname, action):
    return Verdict(True, hostname=hostname, action=action)


def test_with_live_keys_turnstile_must_report_our_action_and_host(settings):
    settings.BOT_CHECK_PROVIDER = "turnstile"
    settings.BOT_CHECK_SECRET_KEY = "0x-real-secret"
    settings.SITE_URL = "https://jobs.example"
    assert botcheck.solved_here(verdict("jobs.example", "pay"))
    assert botcheck.solved_here(verdict("JOBS.example.", "pay"))
    assert not botcheck.solved_here(verdict("jobs.example", ""))
    assert not botcheck.solved_here(verdict("jobs.example", None))
    assert not botcheck.solved_here(verdict("example.com", "pay"))  # the test keys' host
    assert not botcheck.solved_here(verdict("", "pay"))
    assert not botcheck.solved_here(verdict(None, "pay"))


def test_with_the_test_secret_the_providers_dummy_answers_pass(settings):
    # The real services answer their documented test keys with a host of their own and
    # no action; those keys pass every token anyway.
    for name, provider in PROVIDERS.items():
        settings.BOT_CHECK_PROVIDER = name
        settings.BOT_CHECK_SECRET_KEY = provider.test_secret
        assert botcheck.solved_here(verdict("example.com", ""))
        assert botcheck.solved_here(verdict("dummy-key-pass", None))
        assert not botcheck.solved_here(verdict("evil.example", ""))


def test_providers_without_an_action_are_not_asked_for_one(settings):
    settings.SITE_URL = "https://jobs.example"
    for name in ("hcaptcha", "recaptcha"):
        settings.BOT_CHECK_PROVIDER = name
        settings.BOT_CHECK_SECRET_KEY = "0x-real-secret"
        assert botcheck.solved_here(verdict("jobs.example", None))
        assert not botcheck.solved_here(verdict("evil.example", None))
