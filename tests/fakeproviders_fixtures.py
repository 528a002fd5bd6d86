"""pytest plugin: the fakeproviders emulator, and the app's settings pointed at it.

Enable with ``pytest_plugins = ["tests.fakeproviders_fixtures"]`` in tests/conftest.py.
"""

import pytest

from tests.fakeproviders_process import FakeProvidersProcess


@pytest.fixture(scope="session")
def fakeproviders_server():
    server = FakeProvidersProcess()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fakeproviders(fakeproviders_server, settings):
    """A clean fakeproviders, with every provider setting pointing at it (test keys)."""
    from wizard.providers.siteverify import PROVIDERS

    fakeproviders_server.reset()
    url = fakeproviders_server.url
    bot_check = PROVIDERS[settings.BOT_CHECK_PROVIDER]
    settings.BOT_CHECK_SITE_KEY = bot_check.test_site_key
    settings.BOT_CHECK_SECRET_KEY = bot_check.test_secret
    settings.BOT_CHECK_VERIFY_URL = url + bot_check.emulator_path
    settings.TWILIO_API_BASE = url
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "jobwizard-dev-twilio-token"
    settings.TWILIO_VERIFY_SERVICE_SID = "VA" + "0" * 32
    settings.GOOGLE_INDEXING_CREDENTIALS = ""
    settings.GOOGLE_INDEXING_API_BASE = url
    settings.GOOGLE_INDEXING_TOKEN_URI = url + "/token"
    settings.INDEXNOW_ENDPOINT = url + "/indexnow"
    settings.INDEXNOW_KEY = "jobwizard-dev-indexnow-key"
    settings.VIES_URL = url + "/taxation_customs/vies/rest-api"
    settings.HMRC_VAT_URL = url
    settings.HMRC_CLIENT_ID = "jobwizard-dev-hmrc-client"
    settings.HMRC_CLIENT_SECRET = "jobwizard-dev-hmrc-secret"
    return fakeproviders_server
