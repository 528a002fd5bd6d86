"""The bot check before payment: card testers must not use our checkout to try cards.

The payment form carries the bot-check provider's one-time token (`field_name()`);
`verify(request)` asks the provider about it and raises BotCheckFailed when the request
must be refused. Locally (the provider's test secret, i.e. the emulator) the widget is
emulated by static/js/botcheck.js, which fills the field with a fresh test token the
server rendered into the page (each token can be verified once).
"""

import logging

from django.conf import settings

from wizard.providers import siteverify
from wizard.providers.errors import ProviderRefused, ProviderUnavailable
from wizard.web.client import client_address

logger = logging.getLogger(__name__)

MISSING = (
    "Please complete the check that you're human before paying (it needs JavaScript), "
    "then press Pay again."
)
FAILED = "We couldn't confirm that you're human. Please try again."
SPENT = "That human check has expired or was already used. Please try again."
UNAVAILABLE = "We couldn't check that you're human just now; please try again in a moment."


class BotCheckFailed(Exception):
    """The request must be refused: `message` for the visitor, `status` for the page."""

    def __init__(self, message, status=422):
        super().__init__(message)
        self.message = message
        self.status = status


def emulated():
    """Whether the widget is emulated: the provider's test secret means the emulator."""
    provider = siteverify.provider()
    return settings.BOT_CHECK_SECRET_KEY == provider.test_secret


def widget_context():
    """What the payment template needs to show the widget (or its local emulation)."""
    provider = siteverify.provider()
    is_emulated = emulated()
    return {
        "botcheck": {
            "provider": provider.name,
            "field_name": provider.field_name,
            "site_key": settings.BOT_CHECK_SITE_KEY,
            "script_url": provider.script_url,
            "emulated": is_emulated,
            "test_token": siteverify.fresh_test_token() if is_emulated else "",
        }
    }


def verify(request):
    """Refuse (BotCheckFailed) unless the request carries a genuine, unspent token."""
    token = request.POST.get(siteverify.field_name(), "").strip()
    if not token:
        raise BotCheckFailed(MISSING)
    try:
        verdict = siteverify.verify(token, client_address(request))
    except ProviderUnavailable as error:
        if settings.BOT_CHECK_FAIL_OPEN:
            logger.warning("Bot check unavailable, letting the request through: %s", error)
            return None
        logger.warning("Bot check unavailable, refusing the request: %s", error)
        raise BotCheckFailed(UNAVAILABLE, status=503) from error
    except ProviderRefused as error:
        # Our configuration is wrong (a bad secret, say): not the visitor's fault.
        logger.error("Bot check refused our request: %s", error)
        raise BotCheckFailed(UNAVAILABLE, status=503) from error
    if not verdict.success:
        if "missing-input-response" in verdict.error_codes:
            raise BotCheckFailed(MISSING)
        if "timeout-or-duplicate" in verdict.error_codes:
            raise BotCheckFailed(SPENT)
        raise BotCheckFailed(FAILED)
    return verdict
