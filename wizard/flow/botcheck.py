"""The bot check before payment: card testers must not use our checkout to try cards.

The payment form carries the bot-check provider's one-time token (`field_name()`);
`verify(request)` asks the provider about it and raises BotCheckFailed when the request
must be refused. Locally (the provider's test secret, i.e. the emulator) the widget is
emulated by static/js/botcheck.js, which fills the field with a fresh test token the
server rendered into the page (each token can be verified once).

A genuine token is not enough: it must have been solved on our site (the verdict's
`hostname`, compared with `allowed_hostnames()`), and, where the provider's widget takes
an action (Turnstile), for this form (`ACTION`). A token solved on another site that
uses the same provider, or for another of our forms, is refused.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from wizard.providers import siteverify
from wizard.providers.errors import ProviderRefused, ProviderUnavailable
from wizard.web.client import client_address

logger = logging.getLogger(__name__)

MISSING = (
    "Your payment was not started: the check that you're human did not run. It needs "
    "JavaScript, so turn JavaScript on in your browser, then reload this page to pay."
)
FAILED = "We couldn't confirm that you're human. Please try again."
SPENT = "That human check has expired or was already used. Please try again."
UNAVAILABLE = "We couldn't check that you're human just now; please try again in a moment."

# What each form's widget is solved for (Turnstile's data-action): a token solved for one
# form does not open the other.
ACTION = "pay"
SMS_ACTION = "sms"
# The hostnames the providers' real services report for their documented test keys
# (which pass every token anyway): accepted only with the test secret.
TEST_KEY_HOSTNAMES = frozenset(
    {"example.com", "dummy-key-pass", "dummy-key-pass.cloudflare.com", "testkey.google.com"}
)


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


def widget_context(request, action=ACTION):
    """What a form's template needs to show the widget (or its local emulation)."""
    provider = siteverify.provider()
    is_emulated = emulated()
    action = action if provider.has_action else ""
    test_token = ""
    if is_emulated:  # solved here, for this form, as the real widget's token would be
        hostname, _port = split_domain_port(request.get_host())
        test_token = siteverify.fresh_test_token(hostname=hostname, action=action or None)
    return {
        "botcheck": {
            "provider": provider.name,
            "field_name": provider.field_name,
            "site_key": settings.BOT_CHECK_SITE_KEY,
            "script_url": provider.script_url,
            "action": action,
            "emulated": is_emulated,
            "test_token": test_token,
        }
    }


def allowed_hostnames():
    """The hostnames a token may have been solved on: BOT_CHECK_HOSTNAMES, or else SITE_URL's
    host and ALLOWED_HOSTS (without "*", which would let any site's token in)."""
    if settings.BOT_CHECK_HOSTNAMES:
        return list(settings.BOT_CHECK_HOSTNAMES)
    site = (urlsplit(settings.SITE_URL).hostname or "").lower()
    return [host for host in [site, *settings.ALLOWED_HOSTS] if host and host != "*"]


def solved_here(verdict, action=ACTION):
    """Whether a successful verdict was solved on our site, for this form."""
    test_keys = emulated()
    hostname = (verdict.hostname or "").lower().rstrip(".")
    if not hostname or not validate_host(hostname, allowed_hostnames()):
        if not (test_keys and hostname in TEST_KEY_HOSTNAMES):
            logger.warning("Bot check: a token solved on %r refused", verdict.hostname)
            return False
    if siteverify.provider().has_action and verdict.action != action:
        # The dummy widget of the test keys reports no action.
        if not (test_keys and not verdict.action):
            logger.warning("Bot check: a token solved for action %r refused", verdict.action)
            return False
    return True


def verify(request, action=ACTION, missing=MISSING):
    """Refuse (BotCheckFailed) unless the request carries a genuine, unspent token, solved
    here for the form `action`; `missing` tells the visitor what to do without one."""
    token = request.POST.get(siteverify.field_name(), "").strip()
    if not token:
        raise BotCheckFailed(missing)
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
            raise BotCheckFailed(missing)
        if "timeout-or-duplicate" in verdict.error_codes:
            raise BotCheckFailed(SPENT)
        raise BotCheckFailed(FAILED)
    if not solved_here(verdict, action):
        raise BotCheckFailed(FAILED)
    return verdict
