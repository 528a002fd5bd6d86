"""`manage.py check --deploy`: a production process must keep nothing on its own disk that
another process, on another machine, needs (logos, emails, the board's cache) and must
share one database that takes concurrent writers; and no third party may still be its local
emulator. Run with DEBUG off; the release step runs it."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string


@checks.register("jobwizard", deploy=True)
def shared_state(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    found = []
    storage = import_string(settings.STORAGES["default"]["BACKEND"])
    if issubclass(storage, FileSystemStorage):
        found.append(
            checks.Error(
                "Logos are stored on this machine's disk: they are not served with DEBUG off, "
                "and other machines' processes (the orphan-logo sweeper) cannot see them.",
                hint="Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for MinIO).",
                id="jobwizard.E001",
            )
        )
    if "file_path" in settings.MAILERS["default"].get("OPTIONS", {}):
        found.append(
            checks.Warning(
                "Emails are written as files on the worker's disk, not sent.",
                hint="Set MAIL_BACKEND to your ESP (postmark, sendgrid, …) and its ANYMAIL_*, "
                "or to smtp and MAIL_HOST.",
                id="jobwizard.W002",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        found.append(
            checks.Warning(
                "SQLite is one file on one machine, and takes one writer at a time.",
                hint="Set DATABASE_URL to PostgreSQL to run web and worker processes on "
                "several machines.",
                id="jobwizard.W003",
            )
        )
    if not settings.CACHES["default"]["BACKEND"].endswith(".RedisCache"):
        found.append(
            checks.Warning(
                "The cache is on this machine only: web processes on other machines "
                "render every board page again for themselves after each change (correct: "
                "the board's version is in the database, but not shared).",
                hint="Set CACHE_URL to a Redis every web process reaches (redis://host:6379/0).",
                id="jobwizard.W004",
            )
        )
    return found


@checks.register("jobwizard", deploy=True)
def client_address(app_configs, **kwargs):
    """Behind a proxy that ends TLS, a proxy whose X-Forwarded-For nobody reads makes every
    visitor the proxy (wizard.web.client)."""
    if settings.DEBUG or not settings.SECURE_PROXY_SSL_HEADER or settings.TRUSTED_PROXY_COUNT:
        return []
    return [
        checks.Warning(
            "The app trusts a proxy's X-Forwarded-Proto (BEHIND_HTTPS_PROXY) but reads no "
            "proxy's X-Forwarded-For: every visitor has the proxy's address, so one "
            "visitor's wrong passwords and limits lock out and use up everyone's.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to "
            'X-Forwarded-For (docs/deploying.md, "Behind a proxy").',
            id="jobwizard.W040",
        )
    ]


@checks.register("jobwizard", deploy=True)
def https(app_configs, **kwargs):
    """With DEBUG off the session and CSRF cookies are Secure: a browser on plain http does
    not send them back, so every form would answer 403 "CSRF cookie not set"."""
    if settings.DEBUG or settings.ALLOW_INSECURE_HTTP or settings.SITE_URL.startswith("https://"):
        return []
    return [
        checks.Error(
            f"SITE_URL ({settings.SITE_URL}) is not https: the session and CSRF cookies are "
            "Secure, so over plain http every form would answer 403 (CSRF cookie not set).",
            hint="Serve the site over https and set SITE_URL to its https:// address, or, "
            "on a private network only, set ALLOW_INSECURE_HTTP=true (the cookies are then "
            'sent over http too; docs/deploying.md, "HTTPS").',
            id="jobwizard.E041",
        )
    ]


# The emulators' addresses, as the settings name them, and the hosts that are this machine.
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"}
_FAKESTRIPE_SECRET_KEY = "sk_test_jobwizard_fakestripe"


def is_emulator(url):
    """`url` is fakestripe's, fakeproviders', or on this machine (no third party is)."""
    url = (url or "").strip()
    if not url:
        return False
    for emulator in (settings.FAKESTRIPE_URL, settings.FAKEPROVIDERS_URL):
        if emulator and url.rstrip("/").startswith(emulator.rstrip("/")):
            return True
    host = (urlsplit(url).hostname or "").lower()
    return host in _LOOPBACK_HOSTS or host.startswith("127.") or host.endswith(".localhost")


@checks.register("jobwizard", deploy=True)
def emulators(app_configs, **kwargs):
    """A production setting that still points at a local emulator (the development default
    whenever a provider's credentials are missing): payments, the bot check and SMS codes
    would only be pretended, so those are errors (the release step stops); search engines
    that are never told are a warning."""
    if settings.DEBUG:
        return []
    found = []
    stripe_urls = [settings.STRIPE_API_BASE, settings.STRIPE_CHECKOUT_ORIGIN]
    if settings.STRIPE_SECRET_KEY == _FAKESTRIPE_SECRET_KEY or any(map(is_emulator, stripe_urls)):
        found.append(
            checks.Error(
                f"Payments go to the Stripe emulator (STRIPE_API_BASE is "
                f"{settings.STRIPE_API_BASE}): nobody would be charged, and every posting "
                "paid for there would be published.",
                hint="Set STRIPE_SECRET_KEY to your Stripe secret key and leave "
                "STRIPE_API_BASE unset (https://api.stripe.com).",
                id="jobwizard.E020",
            )
        )
    if is_emulator(settings.BOT_CHECK_VERIFY_URL):
        found.append(
            checks.Error(
                f"The bot check asks the emulator ({settings.BOT_CHECK_VERIFY_URL}), which "
                "lets every visitor through.",
                hint="Set BOT_CHECK_SITE_KEY and BOT_CHECK_SECRET_KEY (and leave "
                "BOT_CHECK_VERIFY_URL unset).",
                id="jobwizard.E021",
            )
        )
    if settings.PHONE_VERIFICATION_ENABLED and is_emulator(settings.TWILIO_API_BASE):
        found.append(
            checks.Error(
                f"Phone verification sends its codes to the emulator "
                f"({settings.TWILIO_API_BASE}): no employer would get an SMS.",
                hint="Set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID "
                "(and leave TWILIO_API_BASE unset), or PHONE_VERIFICATION_ENABLED=false.",
                id="jobwizard.E022",
            )
        )
    if settings.SEARCH_INDEXING_ENABLED:
        indexing = {
            "GOOGLE_INDEXING_API_BASE": settings.GOOGLE_INDEXING_API_BASE,
            "INDEXNOW_ENDPOINT": settings.INDEXNOW_ENDPOINT,
        }
        if not settings.GOOGLE_INDEXING_CREDENTIALS:
            indexing["GOOGLE_INDEXING_TOKEN_URI"] = settings.GOOGLE_INDEXING_TOKEN_URI
        local = [f"{name} ({url})" for name, url in indexing.items() if is_emulator(url)]
        if local:
            found.append(
                checks.Warning(
                    "Search engines are told of postings through the emulator: "
                    + ", ".join(local)
                    + ".",
                    hint="Set GOOGLE_INDEXING_CREDENTIALS and INDEXNOW_KEY, or "
                    "SEARCH_INDEXING_ENABLED=false.",
                    id="jobwizard.W023",
                )
            )
    return found
