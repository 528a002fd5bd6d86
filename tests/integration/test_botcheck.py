"""The bot check before payment (siteverify against fakeproviders): no token, no checkout."""

import re

import pytest

from tests.conftest import step_url, stripe_api
from tests.factories import own, posting_at
from wizard.models import JobPosting, Status
from wizard.providers.siteverify import PROVIDERS, field_name, fresh_test_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting(client):
    posting = posting_at(Status.READY_TO_PAY)
    own(client, posting)
    return posting


def sessions():
    return stripe_api().v1.checkout.sessions.list().data


def pay(client, posting, token=None):
    data = {"reviewed": JobPosting.objects.get(pk=posting.pk).content_digest}
    if token is not None:
        data[field_name()] = token
    return client.post(step_url("payment", posting), data)


def assert_unchanged(posting):
    fresh = JobPosting.objects.get(pk=posting.pk)
    assert fresh.status == Status.READY_TO_PAY
    assert fresh.current_attempt_id == posting.current_attempt_id


def test_the_page_emulates_the_widget_locally(client, posting, fakeproviders):
    page = client.get(step_url("payment", posting)).content.decode()
    assert f'name="{field_name()}"' in page
    assert 'data-botcheck-token="XXXX.DUMMY.TOKEN.XXXX.' in page
    assert "/static/js/botcheck.js" in page
    # Without JavaScript the page says so at once, and Pay waits for the check's token.
    assert "data-needs-javascript" in page and "needs JavaScript" in page
    assert re.search(r'<button[^>]*name="pay"[^>]*\sdisabled[\s>]', page)
    second = client.get(step_url("payment", posting)).content.decode()
    token = page.split('data-botcheck-token="')[1].split('"')[0]
    assert token not in second  # each page brings a fresh token


def test_in_production_the_page_loads_the_real_widget(client, posting, settings):
    settings.BOT_CHECK_SECRET_KEY = "0x-real-secret"
    settings.BOT_CHECK_SITE_KEY = "0x-real-site-key"
    page = client.get(step_url("payment", posting)).content.decode()
    assert PROVIDERS[settings.BOT_CHECK_PROVIDER].script_url in page
    assert 'data-sitekey="0x-real-site-key"' in page
    assert "data-botcheck-token" not in page  # no emulated token: the real widget fills it


def test_a_valid_token_goes_to_checkout(client, posting, fakeproviders, fakestripe, settings):
    response = pay(client, posting, fresh_test_token())
    assert response.status_code == 302
    assert response["Location"].startswith(fakestripe.url + "/checkout/cs_")
    assert len(sessions()) == 1
    (request,) = fakeproviders.requests(settings.BOT_CHECK_PROVIDER)
    assert request["form"]["remoteip"] == "127.0.0.1"


def test_a_missing_token_is_refused(client, posting, fakeproviders, fakestripe):
    response = pay(client, posting)
    assert response.status_code == 422
    assert b"check that you&#x27;re human" in response.content
    assert sessions() == []
    assert_unchanged(posting)


def test_a_failed_token_is_refused(client, posting, fakeproviders, fakestripe):
    response = pay(client, posting, "FAIL.DUMMY.TOKEN")
    assert response.status_code == 422
    assert b"confirm that you&#x27;re human" in response.content
    assert sessions() == []
    assert_unchanged(posting)


def test_a_replayed_token_is_refused(client, posting, fakeproviders, fakestripe):
    token = fresh_test_token()
    assert pay(client, posting, token).status_code == 302
    response = pay(client, posting, token)
    assert response.status_code == 422
    assert b"already used" in response.content
    assert len(sessions()) == 1


def test_an_unavailable_provider_refuses_by_default(
    client, posting, fakeproviders, fakestripe, settings
):
    settings.BOT_CHECK_FAIL_OPEN = False
    fakeproviders.add_fault("500", path="siteverify")
    response = pay(client, posting, fresh_test_token())
    assert response.status_code == 503
    assert b"We couldn&#x27;t check that you&#x27;re human just now" in response.content
    assert sessions() == []
    assert_unchanged(posting)


def test_an_unavailable_provider_lets_payment_through_when_failing_open(
    client, posting, fakeproviders, fakestripe, settings, caplog
):
    settings.BOT_CHECK_FAIL_OPEN = True
    fakeproviders.add_fault("500", path="siteverify")
    response = pay(client, posting, fresh_test_token())
    assert response.status_code == 302
    assert response["Location"].startswith(fakestripe.url + "/checkout/cs_")
    assert len(sessions()) == 1
    assert "letting the request through" in caplog.text


def test_a_refusal_over_htmx_redraws_the_panel_with_a_new_token(
    client, posting, fakeproviders, fakestripe
):
    response = client.post(
        step_url("payment", posting),
        {field_name(): "FAIL.DUMMY.TOKEN", "reviewed": posting.content_digest},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert b'id="step-panel"' in response.content
    assert b'data-botcheck-token="XXXX.DUMMY.TOKEN.XXXX.' in response.content
    assert sessions() == []
