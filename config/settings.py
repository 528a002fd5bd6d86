"""Settings, driven by environment variables with safe local defaults.

Every variable read here is listed in docs/configuration.md (tests/unit/test_docs.py checks).
"""

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from wizard.ops import logs as _logs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_count(name, default):
    """A count that must be at least 1 (a limit): a 0 would refuse everything."""
    value = int(os.environ.get(name, default))
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1.")
    return value


def env_renamed(name, old_name, default):
    """The variable `name`, else its former name `old_name` (still honoured), else `default`."""
    return os.environ.get(name, os.environ.get(old_name, default))


# Off unless asked for: `make run` (scripts/run-dev) and the tests (tests/settings.py) turn it
# on; a deployment that forgets DEBUG runs without it.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"
# Former keys, still accepted for what they signed (sessions, finish-later and manage links)
# while a new SECRET_KEY takes over (docs/deploying.md, "Rotating SECRET_KEY").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The board's full-text search (SearchVectorField); inert on SQLite.
    "django.contrib.postgres",
    "django_htmx",
    "django_tasks_db",
    "crontask",
    "anymail",
    "axes",
    "django_countries",
    "health_check",
    "wizard",
]

MIDDLEWARE = [
    # First: /health/live/ answers before the host check, sessions or the database.
    "wizard.ops.middleware.LivenessMiddleware",
    # The request id and the posting its URL names, on every log line written meanwhile.
    "wizard.ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wizard.web.nul.RefuseNulMiddleware",  # a NUL would reach PostgreSQL and answer 500
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything reads the body (CSRF protection reads a multipart upload whole).
    "wizard.web.request_limit.RefuseOversizeBodies",
    # Before anything parses a form: one not in UTF-8 is a 400 page (wizard.web.charset).
    "wizard.web.charset.RefuseNonUtf8Forms",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view's lost database answers 503 (its process_exception sees every view error).
    "wizard.web.errors.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

FORM_RENDERER = "wizard.web.form_renderer.FormRenderer"


# --- Database -------------------------------------------------------------
# Connections are kept open (DATABASE_CONN_MAX_AGE seconds) and checked before each
# reuse: a new PostgreSQL connection costs more than most requests and tasks (make bench),
# and the task worker closes a connection of age 0 after every task. The check makes a
# connection lost meanwhile (a database restart) reconnect instead of failing the request.
# A connection belongs to a thread, so only processes whose threads live on and serve
# again keep one: gunicorn's workers (a fixed pool of WEB_THREADS) and the task worker.
# runserver (`make run`) gives every browser connection a thread of its own, and each
# such thread kept its database connection as long as the browser kept the HTTP one
# open: they piled up until PostgreSQL refused more. Under runserver they are closed at
# the end of every request, whatever DATABASE_CONN_MAX_AGE says.
def conn_max_age(environ, argv):
    if len(argv) > 1 and argv[1] == "runserver":
        return 0
    return int(environ.get("DATABASE_CONN_MAX_AGE", "60"))


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=conn_max_age(os.environ, sys.argv),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker write to the same file: wait for the
    # other's lock instead of failing, and take the write lock up front.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache ----------------------------------------------------------------------
# The public board keeps its rendered pages here, under a version that every change of a
# published posting replaces (wizard.board.cache), so every web process and every worker
# must see the same cache: Redis in production (CACHE_URL=redis://host:6379/0). The
# default, files under VAR_DIR/cache, is shared by the processes of one machine (make run's
# web server and worker); locmem:// is one process's memory, dummy:// caches nothing.
def cache_from_url(url, *, connect_timeout=0.1, timeout=0.25):
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme = ""
    if scheme in ("redis", "rediss"):
        return {
            # Django's RedisCache, keeping its client and skipping a Redis that failed for
            # a few seconds (wizard.ops.redis_cache).
            "BACKEND": "wizard.ops.redis_cache.RedisCache",
            "LOCATION": url,
            # A cache that does not answer must not hold a page for long: the board then
            # renders from the database (wizard.board.cache).
            "OPTIONS": {"socket_connect_timeout": connect_timeout, "socket_timeout": timeout},
        }
    if scheme == "file" and rest:
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": rest}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL must be redis://, rediss://, file:///path, locmem:// or dummy://, not {url!r}"
    )


# Seconds to wait for Redis to accept a connection, and for each answer. The board answers
# from the database when Redis does not (slower, never failing), and after a failure this
# process leaves Redis alone for CACHE_RETRY_AFTER_SECONDS before it tries again, so a hung
# Redis costs one request in that span its timeout, not every request.
CACHE_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("CACHE_CONNECT_TIMEOUT_SECONDS", "0.1"))
CACHE_TIMEOUT_SECONDS = float(os.environ.get("CACHE_TIMEOUT_SECONDS", "0.25"))
CACHE_RETRY_AFTER_SECONDS = float(os.environ.get("CACHE_RETRY_AFTER_SECONDS", "5"))
CACHES = {
    "default": cache_from_url(
        os.environ.get("CACHE_URL") or f"file://{VAR_DIR / 'cache'}",
        connect_timeout=CACHE_CONNECT_TIMEOUT_SECONDS,
        timeout=CACHE_TIMEOUT_SECONDS,
    )
}
# How long a rendered board page may be kept at most; a change of any published posting
# replaces them all at once, whatever this says.
BOARD_PAGE_CACHE_SECONDS = int(os.environ.get("BOARD_PAGE_CACHE_SECONDS", "600"))
# Job pages' views and apply clicks are tallied in each process's memory and added to the
# cache's counters this often (wizard.board.counts): one cache write per posting every few
# seconds instead of one per view. A process killed outright loses at most this much.
JOB_NUMBERS_PUSH_SECONDS = float(os.environ.get("JOB_NUMBERS_PUSH_SECONDS", "5"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- The client's address (wizard.web.client) ------------------------------------------
# Who a request comes from, for django-axes, the bot check, every limit and the logs. By
# default no proxy is trusted: the connection's own address (REMOTE_ADDR), X-Forwarded-For
# ignored (anyone can send it). Behind proxies, TRUSTED_PROXY_COUNT is how many stand in
# front of the app, each appending to X-Forwarded-For (compose.yaml's nginx: 1);
# TRUSTED_PROXIES (IP addresses or networks) reads the header only from connections
# coming from them. Setting the networks alone means one proxy.
try:
    TRUSTED_PROXIES = [
        ipaddress.ip_network(item, strict=False) for item in env_list("TRUSTED_PROXIES", [])
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if TRUSTED_PROXIES else "0"))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 (no proxy) or more.")

# --- Login throttling (django-axes) ------------------------------------------
# The axes backend comes first: it refuses a login while its username and address are
# locked out, even with the right password. After AXES_FAILURE_LIMIT wrong passwords the
# pair is locked for AXES_COOLOFF_HOURS; staff clear a lockout early in the admin ("Access
# attempts") or with `manage.py axes_reset` (or axes_reset_username / axes_reset_ip).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(hours=float(os.environ.get("AXES_COOLOFF_HOURS", "1")))
# What a lockout is keyed on: comma-separated, "+" joins parameters into one key.
# The default locks a username from one address only, so a stranger cannot lock staff
# out from everywhere; "ip_address,username" locks either on its own.
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env_list("AXES_LOCKOUT_PARAMETERS", ["username+ip_address"])
]
AXES_RESET_ON_SUCCESS = True  # a successful login forgets the earlier failures
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"  # a page (429), not axes' bare line of text
# The address a lockout is keyed on: the one every other limit uses (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "wizard.web.client.client_address"
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_HOURS must be more than 0.")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and storage ---------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def insecure_media_origins(s3_options):
    """The http origin logos are served from, if any (a MinIO at http://localhost:9000): the
    CSP's img-src must name it. https origins are allowed already, and the default."""
    if s3_options["custom_domain"]:
        origin = f"{s3_options['url_protocol']}//{s3_options['custom_domain'].split('/')[0]}"
    elif s3_options["endpoint_url"]:
        parts = urlsplit(s3_options["endpoint_url"])
        origin = f"{parts.scheme}://{parts.netloc}"
    else:
        return []
    return [origin] if origin.startswith("http://") else []


AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
MEDIA_HTTP_ORIGINS = []
if AWS_STORAGE_BUCKET_NAME:
    # boto3 reads the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
    # from the environment itself.
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # "http:" for a custom domain without TLS (MinIO in compose.yaml).
            "url_protocol": os.environ.get("AWS_S3_URL_PROTOCOL") or "https:",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
        },
    }
    MEDIA_HTTP_ORIGINS = insecure_media_origins(default_storage["OPTIONS"])
    if default_storage["OPTIONS"]["querystring_auth"]:
        # Signed logo URLs expire after an hour (django-storages' default): a cached board
        # page must be replaced well before the links in it stop working.
        BOARD_PAGE_CACHE_SECONDS = min(BOARD_PAGE_CACHE_SECONDS, 1800)
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "wizard.web.static_storage.StaticFilesStorage"
        )
    },
}

# --- Email ------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Jobwizard <jobs@jobwizard.localhost>")
MAIL_FILE_PATH = Path(os.environ.get("MAIL_FILE_PATH", VAR_DIR / "mail"))
# MAIL_BACKEND picks the mailer: "file" (default, one .log file per message in
# MAIL_FILE_PATH), "console", "smtp" (the server MAIL_HOST names), an anymail ESP name
# such as "postmark", "sendgrid", "mailgun" or "amazon_ses" (configured through ANYMAIL_*
# variables), or the dotted path of any Django email backend.
MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
if MAIL_BACKEND == "smtp":
    default_mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("MAIL_HOST", "localhost"),
            "port": int(os.environ.get("MAIL_PORT", "25")),
            "username": os.environ.get("MAIL_USER", ""),
            "password": os.environ.get("MAIL_PASSWORD", ""),
            "use_tls": env_bool("MAIL_USE_TLS", False),
            "timeout": 10,
        },
    }
elif MAIL_BACKEND == "file":
    default_mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(MAIL_FILE_PATH)},
    }
elif MAIL_BACKEND == "console":
    default_mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
elif "." in MAIL_BACKEND:
    default_mailer = {"BACKEND": MAIL_BACKEND}  # any Django email backend, by dotted path
else:
    default_mailer = {"BACKEND": f"anymail.backends.{MAIL_BACKEND}.EmailBackend"}
MAILERS = {"default": default_mailer}
# Only an ESP (through anymail's tracking webhooks) reports deliveries and bounces; with
# local files, the console or plain SMTP the employer's ledger does not wait for a report.
EMAIL_DELIVERY_REPORTS = default_mailer["BACKEND"].startswith("anymail.")
# The ESP whose tracking webhook is served, at /anymail/<esp>/tracking/ (/anymail/mandrill/
# for Mandrill): the one MAIL_BACKEND names, else none. anymail's other webhooks are 404s.
EMAIL_TRACKING_ESP = (
    default_mailer["BACKEND"].split(".")[2]
    if default_mailer["BACKEND"].startswith("anymail.backends.")
    else None
)
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}
if DEBUG:
    # Tracking webhooks are protected by HTTP basic auth with this "user:password".
    ANYMAIL.setdefault("WEBHOOK_SECRET", "jobwizard:local-development-only")
elif "WEBHOOK_SECRET" not in ANYMAIL:
    raise ImproperlyConfigured("Set ANYMAIL_WEBHOOK_SECRET (user:password) in production.")

# Side effects (wizard.effects): attempts before an effect fails for good and staff
# are told, the backoff between attempts, and how soon an employer may ask for the
# same email again.
EFFECT_MAX_ATTEMPTS = int(os.environ.get("EFFECT_MAX_ATTEMPTS", "10"))
EFFECT_RETRY_BASE_SECONDS = float(os.environ.get("EFFECT_RETRY_BASE_SECONDS", "30"))
EFFECT_RETRY_MAX_SECONDS = float(os.environ.get("EFFECT_RETRY_MAX_SECONDS", "3600"))
EMAIL_RESEND_COOLDOWN_SECONDS = int(os.environ.get("EMAIL_RESEND_COOLDOWN_SECONDS", "300"))

# --- Tasks --------------------------------------------------------------------
# The database backend makes enqueueing part of the business transaction: a
# task row commits or rolls back together with the state change (an outbox).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The scheduler of periodic work (`manage.py crontask`, see wizard/tasks.py). With more
# than one scheduler host, give them a Redis lock (needs the `redis` package) so only
# one of them queues runs at a time.
if os.environ.get("CRONTASK_REDIS_URL"):
    CRONTASK = {"REDIS_URL": os.environ["CRONTASK_REDIS_URL"]}

# --- Stripe -----------------------------------------------------------------
# Without STRIPE_SECRET_KEY the app talks to the local emulator (fakestripe).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
FAKESTRIPE_URL = os.environ.get(
    "FAKESTRIPE_URL", f"http://127.0.0.1:{os.environ.get('FAKESTRIPE_PORT', '12111')}"
)
if STRIPE_SECRET_KEY:
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
    STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
else:
    STRIPE_SECRET_KEY = "sk_test_jobwizard_fakestripe"
    STRIPE_API_BASE = FAKESTRIPE_URL
    STRIPE_CHECKOUT_ORIGIN = FAKESTRIPE_URL
# The Stripe API version every request asks for (the Stripe-Version header), so that what
# Stripe answers does not change when the account's default version does. It is the version
# of the SDK pinned in pyproject.toml (stripe>=16.1,<17), whose types match its objects; the
# webhook endpoint must be created on it too (docs/payments.md, "Stripe set-up").
STRIPE_API_VERSION = "2026-10-28.endive"
# The signing secret of the webhook endpoint. The development value is the one `make run`
# gives fakestripe; without DEBUG it is refused, as is no secret at all: anyone could sign
# events with it.
STRIPE_DEVELOPMENT_WEBHOOK_SECRET = "whsec_jobwizard_development_only"
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
if not STRIPE_WEBHOOK_SECRET and DEBUG:
    STRIPE_WEBHOOK_SECRET = STRIPE_DEVELOPMENT_WEBHOOK_SECRET
elif not DEBUG and STRIPE_WEBHOOK_SECRET in ("", STRIPE_DEVELOPMENT_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "Set STRIPE_WEBHOOK_SECRET to your Stripe webhook endpoint's signing secret "
        "(whsec_…, shown in the Dashboard or by `stripe listen`) when DEBUG is off"
        + ("; the development value is public." if STRIPE_WEBHOOK_SECRET else ".")
    )
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
STRIPE_RATE_LIMIT_RETRIES = int(os.environ.get("STRIPE_RATE_LIMIT_RETRIES", "2"))
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10"))
# One deadline per Stripe call covers all its attempts and the waits between them
# (wizard.payments.client): while an employer waits for a page, and in the background
# (task worker, reconciler). The web server (gunicorn.conf.py) kills a request after
# WEB_TIMEOUT_SECONDS, so a web request's Stripe deadline must end well before that.
STRIPE_DEADLINE_SECONDS = float(os.environ.get("STRIPE_DEADLINE_SECONDS", "12"))
STRIPE_BACKGROUND_DEADLINE_SECONDS = float(
    os.environ.get("STRIPE_BACKGROUND_DEADLINE_SECONDS", "60")
)
WEB_TIMEOUT_SECONDS = float(os.environ.get("WEB_TIMEOUT_SECONDS", "30"))
if not 0 < STRIPE_DEADLINE_SECONDS < WEB_TIMEOUT_SECONDS:
    raise ImproperlyConfigured(
        f"STRIPE_DEADLINE_SECONDS ({STRIPE_DEADLINE_SECONDS:g}) must be more than 0 and less "
        f"than WEB_TIMEOUT_SECONDS ({WEB_TIMEOUT_SECONDS:g}), the web server's timeout: "
        "otherwise a Stripe outage gets web workers killed mid-request."
    )
if STRIPE_BACKGROUND_DEADLINE_SECONDS <= 0:
    raise ImproperlyConfigured("STRIPE_BACKGROUND_DEADLINE_SECONDS must be more than 0.")

# --- The product ------------------------------------------------------------
POSTING_PRICE_AMOUNT = int(os.environ.get("POSTING_PRICE_AMOUNT", "9900"))  # minor units
POSTING_PRICE_CURRENCY = os.environ.get("POSTING_PRICE_CURRENCY", "usd").lower()
CHECKOUT_SESSION_TTL_MINUTES = 30
# The payment method types Checkout offers (comma-separated Stripe names: "card,sepa_debit").
# Unset or empty: none are passed, and the Dashboard's payment method settings decide.
PAYMENT_METHOD_TYPES = [item.lower() for item in env_list("PAYMENT_METHOD_TYPES", [])]
# Receipts and invoices: Checkout makes a numbered invoice (hosted page and PDF) for each
# payment (invoice_creation; Stripe charges a fee per invoice). Off: the charge's receipt only.
STRIPE_INVOICES = env_bool("STRIPE_INVOICES", True)
# Promotion codes: Checkout shows an "Add promotion code" field (allow_promotion_codes);
# the codes and their coupons are made in Stripe's Dashboard. Off: no field is shown.
STRIPE_PROMOTION_CODES = env_bool("STRIPE_PROMOTION_CODES", True)
# Tax: Stripe Tax computes VAT/sales tax in Checkout from the billing address (asked for),
# a business's VAT number becomes the Stripe customer's tax ID (reverse charge), prices are
# tax-exclusive. Off, for a board that does not need tax: Checkout gets no tax params at all.
STRIPE_TAX = env_bool("STRIPE_TAX", True)
LOGO_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# A 512 px logo needs little: 2,000 × 2,000 pixels decoded costs about 16 MB (a JPEG is
# decoded reduced first). Larger images are refused before their pixels are decoded.
LOGO_MAX_PIXELS = int(os.environ.get("LOGO_MAX_PIXELS", "4000000"))
# Any request body larger than this is refused (413) before it is read.
MAX_REQUEST_BYTES = LOGO_MAX_UPLOAD_BYTES + 256 * 1024
LOGO_MAX_DIMENSION = 512

# --- Security -----------------------------------------------------------------
# Absolute links in emails.
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
SESSION_COOKIE_HTTPONLY = True
# With DEBUG off the site must be served over https (the check jobwizard.E041): the session
# and CSRF cookies are Secure, so a browser on plain http never sends them back and every
# form answers 403 "CSRF cookie not set". ALLOW_INSECURE_HTTP=true, for a private network
# (or compose.yaml on localhost), accepts an http SITE_URL and drops Secure from both.
ALLOW_INSECURE_HTTP = env_bool("ALLOW_INSECURE_HTTP", False)
SESSION_COOKIE_SECURE = not DEBUG and not ALLOW_INSECURE_HTTP
CSRF_COOKIE_SECURE = not DEBUG and not ALLOW_INSECURE_HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
# Served over https (an https SITE_URL, DEBUG off): plain http is redirected to https and
# browsers are told to use nothing else (HSTS) for a year. Each can be set on its own.
# Behind a proxy that ends TLS, set BEHIND_HTTPS_PROXY too, or the redirect never ends.
_HTTPS_ONLY = not DEBUG and SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS_ONLY)
# Paths (regular expressions, without the leading slash) still answered over plain http,
# such as a load balancer's health check.
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [])
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31_536_000 if _HTTPS_ONLY else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Asking to be on the browsers' preload list is hard to undo: only when asked for.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # blob: the logo step's preview of the chosen file, before it is uploaded.
    "img-src": [CSP.SELF, "data:", "blob:", "https:", *MEDIA_HTTP_ORIGINS],
    # Paying is a form POST answered by a redirect to the hosted checkout page.
    "form-action": [CSP.SELF, STRIPE_CHECKOUT_ORIGIN],
    "frame-ancestors": [CSP.NONE],
}

# --- Logging (wizard.ops.logs) ------------------------------------------------------
# One JSON object per line (LOG_FORMAT=json, the default with DEBUG off) or a readable
# line; every line carries the posting, request and task it was written for.
try:
    LOG_JSON = _logs.json_wanted(os.environ, debug=DEBUG)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# One line per request (method, path, status, duration): on with JSON logs, where it
# replaces gunicorn's access log (gunicorn.conf.py), which knows no posting.
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_JSON)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "wizard.ops.logs.ContextFilter"}},
    "formatters": {"main": _logs.formatter_config(LOG_JSON)},
    "handlers": {"console": _logs.handler_config()},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print its lines a second time, unformatted.
        "django": {"handlers": [], "level": "INFO"},
        "stripe": {"level": "WARNING"},
        # Two lines per periodic job and run; the task worker logs each run already.
        "apscheduler.executors": {"level": "WARNING"},
    },
}

# --- Health and metrics (wizard.ops) ------------------------------------------------
# /health/ fails when a task has waited this long for a worker, or when the scheduler's
# heartbeat (written every MAINTENANCE_INTERVAL_SECONDS) is this old.
HEALTH_QUEUE_MAX_AGE_SECONDS = int(os.environ.get("HEALTH_QUEUE_MAX_AGE_SECONDS", "300"))
# /metrics exists only with a token; the scraper sends it (Bearer, or basic auth password).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Periodic maintenance (wizard.tasks, scheduled by `manage.py crontask`): how often, and how far
# back the payment reconciler looks at Stripe's Checkout Sessions.
MAINTENANCE_INTERVAL_SECONDS = int(os.environ.get("MAINTENANCE_INTERVAL_SECONDS", "60"))
SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS = int(
    os.environ.get("SCHEDULER_HEARTBEAT_MAX_AGE_SECONDS", str(3 * MAINTENANCE_INTERVAL_SECONDS))
)
RECONCILE_LOOKBACK_DAYS = int(os.environ.get("RECONCILE_LOOKBACK_DAYS", "3"))
# An actionable early fraud warning (Stripe Radar) on a charge not yet disputed refunds it
# and takes its posting off the board (wizard.payments.fraud_warnings); off: only recorded.
REFUND_EARLY_FRAUD_WARNINGS = env_bool("REFUND_EARLY_FRAUD_WARNINGS", True)
# Disputes (wizard.payments.disputes): whether a disputed posting leaves the board (and
# the search engines) until the dispute is won. Off, it stays where it is until a lost
# dispute ends it.
DISPUTE_TAKES_POSTING_DOWN = env_bool("DISPUTE_TAKES_POSTING_DOWN", True)
# Who staff alerts (wizard.jobs.staff_alert) go to: comma-separated addresses; unset, the
# active staff users allowed to refund payments.
STAFF_ALERT_EMAILS = env_list("STAFF_ALERT_EMAILS", [])
# …and, when set, a Slack-compatible incoming webhook they are posted to as well (JSON
# {"text": …}: Slack, Mattermost, Discord's …/slack), with this timeout.
STAFF_ALERT_WEBHOOK_URL = os.environ.get("STAFF_ALERT_WEBHOOK_URL", "")
STAFF_ALERT_WEBHOOK_TIMEOUT_SECONDS = float(
    os.environ.get("STAFF_ALERT_WEBHOOK_TIMEOUT_SECONDS", "5")
)
# At most one message per channel per this many minutes; what is raised meanwhile is
# gathered into the next one.
STAFF_ALERT_DIGEST_MINUTES = env_count("STAFF_ALERT_DIGEST_MINUTES", 15)
# What staff are told of (wizard.ops.watch), besides every job that fails for good: a paid
# posting not in review after this many minutes; a provider whose attempts failed this
# many times within this many minutes; money differences between Stripe and the database
# (per kind) from this many on.
PAID_NOT_IN_REVIEW_ALERT_MINUTES = env_count("PAID_NOT_IN_REVIEW_ALERT_MINUTES", 15)
PROVIDER_FAILURE_ALERT_COUNT = env_count("PROVIDER_FAILURE_ALERT_COUNT", 5)
PROVIDER_FAILURE_ALERT_MINUTES = env_count("PROVIDER_FAILURE_ALERT_MINUTES", 10)
MONEY_DIFFERENCE_ALERT_THRESHOLD = env_count("MONEY_DIFFERENCE_ALERT_THRESHOLD", 1)
# Recovery and clean-up, run by the periodic maintenance task.
STUCK_AFTER_SECONDS = int(os.environ.get("STUCK_AFTER_SECONDS", "300"))
ABANDON_DRAFTS_AFTER_DAYS = int(os.environ.get("ABANDON_DRAFTS_AFTER_DAYS", "14"))
ORPHAN_LOGO_GRACE_HOURS = int(os.environ.get("ORPHAN_LOGO_GRACE_HOURS", "24"))
TASK_RESULTS_KEEP_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_DAYS", "14"))
# How long an emailed "finish later" link (wizard.flow.finish_later) stays valid. The
# variable's first name, RESUME_LINK_MAX_AGE_DAYS, is still read when the new one is unset.
FINISH_LATER_LINK_MAX_AGE_DAYS = int(
    env_renamed("FINISH_LATER_LINK_MAX_AGE_DAYS", "RESUME_LINK_MAX_AGE_DAYS", "7")
)
# How many "finish later" links may be emailed to one address in a day (across all
# drafts), and asked for by one client (browser session, or IP address) in an hour.
FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY = env_count("FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY", 3)
FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR = env_count("FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR", 5)
# Signing in by email (wizard.employers.sign_in, wizard.account): how long an emailed code
# and link stay valid, how many wrong codes kill a request, and how many codes may be
# asked for one address, and by one client address, in an hour (wizard.limits).
SIGN_IN_CODE_MINUTES = env_count("SIGN_IN_CODE_MINUTES", 15)
SIGN_IN_WRONG_CODE_LIMIT = env_count("SIGN_IN_WRONG_CODE_LIMIT", 5)
SIGN_IN_CODES_PER_ADDRESS_PER_HOUR = env_count("SIGN_IN_CODES_PER_ADDRESS_PER_HOUR", 10)
SIGN_IN_CODES_PER_CLIENT_PER_HOUR = env_count("SIGN_IN_CODES_PER_CLIENT_PER_HOUR", 30)
# How many drafts one browser session, and one client address (wizard.web.client; an
# office behind one NAT shares it), may start in an hour (wizard.limits).
DRAFTS_PER_SESSION_PER_HOUR = env_count("DRAFTS_PER_SESSION_PER_HOUR", 10)
DRAFTS_PER_CLIENT_PER_HOUR = env_count("DRAFTS_PER_CLIENT_PER_HOUR", 30)
# A draft left empty (no logo, no details, no email) and untouched this long is abandoned.
ABANDON_EMPTY_DRAFTS_AFTER_HOURS = env_count("ABANDON_EMPTY_DRAFTS_AFTER_HOURS", 12)
# Publication: how long a posting stays on the board, and when its employer is warned.
# While a paid posting waits for staff, its confirmation page asks this often whether a
# decision has come (our own work, like sending the receipt, is polled every 2 s).
REVIEW_POLL_SECONDS = int(os.environ.get("REVIEW_POLL_SECONDS", "20"))
POSTING_LIFETIME_DAYS = int(os.environ.get("POSTING_LIFETIME_DAYS", "30"))
EXPIRY_WARNING_DAYS = int(os.environ.get("EXPIRY_WARNING_DAYS", "3"))
BOARD_PAGE_SIZE = int(os.environ.get("BOARD_PAGE_SIZE", "20"))
# The board counts its jobs (and a search's matches) up to this many and then says "more
# than" (wizard.board.pages): a count of every match would read them all, and only this
# many are reachable page by page; narrowing the search finds older ones.
BOARD_COUNT_LIMIT = env_count("BOARD_COUNT_LIMIT", 1000)
# A full-text search of several words, likewise: PostgreSQL finds the first N matches of two
# common words by reading postings in turn, so fewer is faster (200: about 30 ms at a
# million). One word keeps BOARD_COUNT_LIMIT: a lower limit makes PostgreSQL read postings
# in turn for a rare one too, as it cannot tell how rare a word still being typed is.
BOARD_SEARCH_COUNT_LIMIT = env_count("BOARD_SEARCH_COUNT_LIMIT", 200)

# --- Third-party providers (wizard/providers) ------------------------------------
# Bot check, phone verification and search indexing. Without credentials each one talks
# to the local emulator (python -m fakeproviders, FAKEPROVIDERS_URL) with the provider's
# documented test keys; setting the credentials switches to the real provider.
from wizard.providers.siteverify import PROVIDERS as _BOT_CHECK_PROVIDERS  # noqa: E402

FAKEPROVIDERS_URL = os.environ.get(
    "FAKEPROVIDERS_URL", f"http://127.0.0.1:{os.environ.get('FAKEPROVIDERS_PORT', '12112')}"
).rstrip("/")
PROVIDER_TIMEOUT_SECONDS = float(os.environ.get("PROVIDER_TIMEOUT_SECONDS", "5"))

BOT_CHECK_PROVIDER = os.environ.get("BOT_CHECK_PROVIDER", "turnstile")
if BOT_CHECK_PROVIDER not in _BOT_CHECK_PROVIDERS:
    raise ImproperlyConfigured(
        f"BOT_CHECK_PROVIDER must be one of {sorted(_BOT_CHECK_PROVIDERS)}, "
        f"not {BOT_CHECK_PROVIDER!r}"
    )
_bot_check = _BOT_CHECK_PROVIDERS[BOT_CHECK_PROVIDER]
BOT_CHECK_SITE_KEY = os.environ.get("BOT_CHECK_SITE_KEY") or _bot_check.test_site_key
BOT_CHECK_SECRET_KEY = os.environ.get("BOT_CHECK_SECRET_KEY") or _bot_check.test_secret
BOT_CHECK_VERIFY_URL = os.environ.get("BOT_CHECK_VERIFY_URL") or (
    _bot_check.verify_url
    if os.environ.get("BOT_CHECK_SECRET_KEY")
    else FAKEPROVIDERS_URL + _bot_check.emulator_path
)
BOT_CHECK_FAIL_OPEN = env_bool("BOT_CHECK_FAIL_OPEN", False)
# The hostnames a bot-check token may have been solved on (Django's ALLOWED_HOSTS patterns:
# ".example.com" takes its subdomains); empty: SITE_URL's host and ALLOWED_HOSTS, less "*".
BOT_CHECK_HOSTNAMES = env_list("BOT_CHECK_HOSTNAMES", [])

PHONE_VERIFICATION_ENABLED = env_bool("PHONE_VERIFICATION_ENABLED", False)
PHONE_CODE_RESEND_SECONDS = int(os.environ.get("PHONE_CODE_RESEND_SECONDS", "60"))
# SMS pumping (wizard.flow.steps.phone, wizard.limits): how many different numbers one
# draft may text, how many SMS one browser session and one client address may ask for in
# an hour, and how many the whole site sends in an hour (across all numbers).
PHONE_NUMBERS_PER_DRAFT = env_count("PHONE_NUMBERS_PER_DRAFT", 3)
PHONE_SMS_PER_SESSION_PER_HOUR = env_count("PHONE_SMS_PER_SESSION_PER_HOUR", 5)
PHONE_SMS_PER_CLIENT_PER_HOUR = env_count("PHONE_SMS_PER_CLIENT_PER_HOUR", 5)
PHONE_SMS_PER_HOUR = env_count("PHONE_SMS_PER_HOUR", 200)
# Destinations: ISO 3166 country codes whose numbers may be texted (empty: every country
# but the refused ones), and those refused whatever the allow-list says. Numbers that are
# not plain mobile numbers (premium-rate, shared-cost, satellite, personal, UAN, VoIP,
# pager, global services) are refused always.
PHONE_VERIFICATION_COUNTRIES = [
    item.upper() for item in env_list("PHONE_VERIFICATION_COUNTRIES", [])
]
PHONE_VERIFICATION_REFUSED_COUNTRIES = [
    item.upper() for item in env_list("PHONE_VERIFICATION_REFUSED_COUNTRIES", ["CU"])
]
# The country whose numbers the phone step reads as dialled there ("0171 1234567"), when the
# posting names none: the employer may choose another.
PHONE_DEFAULT_COUNTRY = (
    os.environ.get("PHONE_DEFAULT_COUNTRY", "").upper()
    or (PHONE_VERIFICATION_COUNTRIES or ["US"])[0]
)
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
if TWILIO_AUTH_TOKEN:
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
    TWILIO_VERIFY_SERVICE_SID = os.environ.get("TWILIO_VERIFY_SERVICE_SID", "")
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://verify.twilio.com")
else:  # the emulator's development credentials
    TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    TWILIO_AUTH_TOKEN = "jobwizard-dev-twilio-token"
    TWILIO_VERIFY_SERVICE_SID = os.environ.get("TWILIO_VERIFY_SERVICE_SID", "VA" + "0" * 32)
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", FAKEPROVIDERS_URL)

SEARCH_INDEXING_ENABLED = env_bool("SEARCH_INDEXING_ENABLED", True)
GOOGLE_INDEXING_CREDENTIALS = os.environ.get("GOOGLE_INDEXING_CREDENTIALS", "")
GOOGLE_INDEXING_API_BASE = os.environ.get("GOOGLE_INDEXING_API_BASE") or (
    "https://indexing.googleapis.com" if GOOGLE_INDEXING_CREDENTIALS else FAKEPROVIDERS_URL
)
# Google's Indexing API grants 200 publish calls a day by default (ask Google for more,
# then raise this): notices over it wait for the next UTC day, oldest first.
GOOGLE_INDEXING_DAILY_QUOTA = int(os.environ.get("GOOGLE_INDEXING_DAILY_QUOTA", "200"))
if GOOGLE_INDEXING_DAILY_QUOTA < 1:
    raise ImproperlyConfigured("GOOGLE_INDEXING_DAILY_QUOTA must be at least 1.")
# Used only without GOOGLE_INDEXING_CREDENTIALS, by the throwaway local service account.
GOOGLE_INDEXING_TOKEN_URI = os.environ.get(
    "GOOGLE_INDEXING_TOKEN_URI", FAKEPROVIDERS_URL + "/token"
)
INDEXNOW_KEY = os.environ.get("INDEXNOW_KEY", "")
INDEXNOW_ENDPOINT = os.environ.get("INDEXNOW_ENDPOINT") or (
    "https://api.indexnow.org/indexnow" if INDEXNOW_KEY else FAKEPROVIDERS_URL + "/indexnow"
)
INDEXNOW_KEY = INDEXNOW_KEY or "jobwizard-dev-indexnow-key"
# VAT numbers (wizard.flow.steps.business, wizard.effects.vat_recheck): the wizard's step
# "Does your business have a VAT number?" (on by default), checked against VIES (EU, no
# credentials: the real API unless DEBUG, then the emulator) and HMRC (UK: the real API
# with HMRC_CLIENT_SECRET, else the emulator with its development credentials).
VAT_NUMBER_CHECK = env_bool("VAT_NUMBER_CHECK", True)
# Hold publication (staff cannot approve) of a posting whose number, unchecked when it
# paid, later proves invalid, until staff release it.
VAT_HOLD_PUBLICATION = env_bool("VAT_HOLD_PUBLICATION", False)
# How long a number the registry could not check is asked about again before staff are
# told it could not be checked (the job gives up).
VAT_RECHECK_GIVE_UP_HOURS = env_count("VAT_RECHECK_GIVE_UP_HOURS", 72)
VIES_URL = os.environ.get("VIES_URL") or (
    FAKEPROVIDERS_URL + "/taxation_customs/vies/rest-api"
    if DEBUG
    else "https://ec.europa.eu/taxation_customs/vies/rest-api"
)
HMRC_CLIENT_SECRET = os.environ.get("HMRC_CLIENT_SECRET", "")
if HMRC_CLIENT_SECRET:
    HMRC_CLIENT_ID = os.environ.get("HMRC_CLIENT_ID", "")
    HMRC_VAT_URL = os.environ.get("HMRC_VAT_URL", "https://api.service.hmrc.gov.uk")
else:  # the emulator's development credentials
    HMRC_CLIENT_ID = "jobwizard-dev-hmrc-client"
    HMRC_CLIENT_SECRET = "jobwizard-dev-hmrc-secret"
    HMRC_VAT_URL = os.environ.get("HMRC_VAT_URL", FAKEPROVIDERS_URL)
if os.environ.get("BOT_CHECK_SECRET_KEY"):
    # The real widget's script and frame come from the provider (the providers' own docs).
    _widget_origins = {
        "turnstile": ["https://challenges.cloudflare.com"],
        "hcaptcha": ["https://hcaptcha.com", "https://*.hcaptcha.com"],
        "recaptcha": ["https://www.google.com", "https://www.gstatic.com"],
    }[BOT_CHECK_PROVIDER]
    SECURE_CSP["script-src"] = [*SECURE_CSP["script-src"], *_widget_origins]
    SECURE_CSP["frame-src"] = [CSP.SELF, *_widget_origins]
    SECURE_CSP["connect-src"] = [CSP.SELF, *_widget_origins]
# --- end of third-party providers ------------------------------------------------
