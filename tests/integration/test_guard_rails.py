"""Guard rails of a deployment (issue 16, item 11): only the configured ESP's tracking
webhook is served; DEBUG defaults to off; without DEBUG the settings refuse a missing or
development STRIPE_WEBHOOK_SECRET; `check --deploy` names every setting that still points
at a local emulator."""

import base64
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.integration.test_robustness import check_deploy
from tests.unit.test_settings_env import fresh_settings
from wizard.ops import checks as deploy_checks

pytestmark = pytest.mark.django_db

# --- The ESP's tracking webhook, and no other of anymail's ------------------------------

ANYMAIL_PATHS = [
    "/anymail/postmark/tracking/",
    "/anymail/postmark/inbound/",
    "/anymail/mailgun/tracking/",
    "/anymail/mailgun/inbound_mime/",
    "/anymail/mandrill/",
    "/anymail/mandrill/tracking/",
    "/anymail/mailersend/tracking/",
    "/anymail/postal/tracking/",
    "/anymail/unisender_go/tracking/",
    "/anymail/amazon_ses/tracking/",
    "/anymail/sendgrid/tracking/",
    "/anymail/",
    "/anymail/nope/",
]


def post(client, path, auth=None):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(path, json.dumps({"RecordType": "Delivery"}), "application/json", **headers)


@pytest.mark.parametrize("path", ANYMAIL_PATHS)
def test_without_an_esp_every_anymail_path_is_a_404(client, settings, path):
    settings.EMAIL_TRACKING_ESP = None
    assert post(client, path).status_code == 404


def test_mail_backend_names_the_esp_whose_webhook_is_served(monkeypatch):
    monkeypatch.setenv("MAIL_BACKEND", "mailgun")
    assert fresh_settings().EMAIL_TRACKING_ESP == "mailgun"
    monkeypatch.setenv("MAIL_BACKEND", "anymail.backends.amazon_ses.EmailBackend")
    assert fresh_settings().EMAIL_TRACKING_ESP == "amazon_ses"
    for other in ("file", "console", "django.core.mail.backends.smtp.EmailBackend"):
        monkeypatch.setenv("MAIL_BACKEND", other)
        assert fresh_settings().EMAIL_TRACKING_ESP is None


@pytest.mark.parametrize(
    "esp, served, esp_settings",
    [
        ("postmark", {"/anymail/postmark/tracking/"}, {}),
        ("mailgun", {"/anymail/mailgun/tracking/"}, {"MAILGUN_WEBHOOK_SIGNING_KEY": "k"}),
        (
            "mandrill",
            {"/anymail/mandrill/", "/anymail/mandrill/tracking/"},
            {"MANDRILL_WEBHOOK_KEY": "k"},
        ),
        ("amazon_ses", {"/anymail/amazon_ses/tracking/"}, {}),
    ],
)
def test_only_the_configured_esps_tracking_webhook_is_served(
    client, settings, esp, served, esp_settings
):
    """No other ESP's webhook answers 500 (or anything) to a scanner's POST: 404."""
    settings.EMAIL_TRACKING_ESP = esp
    settings.ANYMAIL = {**settings.ANYMAIL, **esp_settings}
    client.raise_request_exception = False
    for path in ANYMAIL_PATHS:
        status = post(client, path).status_code
        if path in served:
            assert status not in (404, 500), (path, status)  # anymail's auth refuses it
        else:
            assert status == 404, (path, status)


def test_the_served_webhook_still_takes_an_authenticated_report(client, settings):
    settings.EMAIL_TRACKING_ESP = "postmark"
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "user:pass"}
    assert post(client, "/anymail/postmark/tracking/", auth="user:wrong").status_code == 400
    assert post(client, "/anymail/postmark/tracking/", auth="user:pass").status_code == 200


# --- DEBUG off by default; the Stripe webhook secret required without it -------------------

PRODUCTION_SECRETS = {
    "SECRET_KEY": "x" * 50,
    "ANYMAIL_WEBHOOK_SECRET": "a:b",
    "STRIPE_WEBHOOK_SECRET": "whsec_from_the_dashboard",
}


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    for name, value in PRODUCTION_SECRETS.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_debug_defaults_to_off(production_env):
    settings = fresh_settings()
    assert settings.DEBUG is False
    assert settings.STRIPE_WEBHOOK_SECRET == "whsec_from_the_dashboard"


@pytest.mark.parametrize("value", [None, "", "whsec_jobwizard_development_only"])
def test_without_debug_the_stripe_webhook_secret_must_be_set_and_not_the_development_one(
    production_env, value
):
    if value is None:
        production_env.delenv("STRIPE_WEBHOOK_SECRET")
    else:
        production_env.setenv("STRIPE_WEBHOOK_SECRET", value)
    with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET"):
        fresh_settings()
    production_env.setenv("DEBUG", "false")
    with pytest.raises(ImproperlyConfigured, match="STRIPE_WEBHOOK_SECRET"):
        fresh_settings()


def test_with_debug_the_development_secret_is_the_default(production_env):
    production_env.setenv("DEBUG", "true")
    production_env.delenv("STRIPE_WEBHOOK_SECRET")
    assert fresh_settings().STRIPE_WEBHOOK_SECRET == "whsec_jobwizard_development_only"


def test_a_deployment_without_the_secret_does_not_start():
    """manage.py (the release step, as any process) fails before doing anything."""
    result = check_deploy(without=["STRIPE_WEBHOOK_SECRET", "DATABASE_URL"])
    assert result.returncode == 1
    assert "Set STRIPE_WEBHOOK_SECRET" in result.stderr


# --- check --deploy names the emulators -------------------------------------------------


@pytest.fixture
def production(settings):
    """The test settings with every third party real and DEBUG off."""
    settings.DEBUG = False
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    settings.STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
    settings.BOT_CHECK_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    settings.PHONE_VERIFICATION_ENABLED = True
    settings.TWILIO_API_BASE = "https://verify.twilio.com"
    settings.SEARCH_INDEXING_ENABLED = True
    settings.GOOGLE_INDEXING_CREDENTIALS = "/etc/google.json"
    settings.GOOGLE_INDEXING_API_BASE = "https://indexing.googleapis.com"
    settings.INDEXNOW_ENDPOINT = "https://api.indexnow.org/indexnow"
    return settings


def found_ids():
    return [message.id for message in deploy_checks.emulators(None)]


def test_real_providers_raise_nothing(production):
    assert found_ids() == []
    production.DEBUG = True
    production.STRIPE_API_BASE = production.FAKESTRIPE_URL
    assert found_ids() == []  # development: the emulators are the point


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("STRIPE_API_BASE", "http://127.0.0.1:12111", "jobwizard.E020"),
        ("STRIPE_API_BASE", "http://localhost:12111", "jobwizard.E020"),
        ("STRIPE_SECRET_KEY", "sk_test_jobwizard_fakestripe", "jobwizard.E020"),
        ("STRIPE_CHECKOUT_ORIGIN", "http://127.0.0.1:12111", "jobwizard.E020"),
        (
            "BOT_CHECK_VERIFY_URL",
            "http://127.0.0.1:12112/turnstile/v0/siteverify",
            "jobwizard.E021",
        ),
        ("TWILIO_API_BASE", "http://[::1]:12112", "jobwizard.E022"),
        ("GOOGLE_INDEXING_API_BASE", "http://127.0.0.1:12112", "jobwizard.W023"),
        ("INDEXNOW_ENDPOINT", "http://fake.localhost/indexnow", "jobwizard.W023"),
    ],
)
def test_each_setting_left_on_an_emulator_is_named(production, name, value, expected):
    setattr(production, name, value)
    messages = deploy_checks.emulators(None)
    assert [m.id for m in messages] == [expected]
    assert messages[0].hint


def test_the_emulators_own_urls_are_recognised_wherever_they_listen(production):
    production.FAKESTRIPE_URL = "http://fakestripe.internal:9000"
    production.STRIPE_API_BASE = "http://fakestripe.internal:9000"
    assert found_ids() == ["jobwizard.E020"]


def test_switched_off_providers_may_keep_their_emulator(production):
    production.PHONE_VERIFICATION_ENABLED = False
    production.TWILIO_API_BASE = "http://127.0.0.1:12112"
    production.SEARCH_INDEXING_ENABLED = False
    production.GOOGLE_INDEXING_API_BASE = "http://127.0.0.1:12112"
    assert found_ids() == []


def test_check_deploy_fails_on_the_stripe_emulator(production):
    production.STRIPE_API_BASE = production.FAKESTRIPE_URL
    with pytest.raises(SystemCheckError, match="jobwizard.E020"):
        call_command("check", deploy=True, tags=["jobwizard"])


def test_a_deployment_without_a_stripe_key_fails_its_release_check():
    """The settings' development default (fakestripe) in a real process: check --deploy,
    which the release step runs, exits non-zero and names it."""
    result = check_deploy(without=["STRIPE_SECRET_KEY", "DATABASE_URL", "INDEXNOW_KEY"])
    assert result.returncode == 1
    assert "jobwizard.E020" in result.stderr and "Stripe emulator" in result.stderr
    assert "jobwizard.W023" in result.stderr and "INDEXNOW_ENDPOINT" in result.stderr
