"""Random bytes, charsets, headers and cookies at every public endpoint: never a 5xx
(issue 17, item 4).

The endpoints are listed from the URLconf itself (the wizard's steps, the board, the feed,
the finish-later and manage links, the Stripe and ESP webhooks, /health/, /metrics, …;
the admin is staff's, so only its login page is public), so a new URL is fuzzed without a
change here, and a URL parameter this file cannot fill in fails the test.

`make test` runs a fixed, bounded sample: Hypothesis derandomized (the same examples every
run), no example database, FUZZ_EXAMPLES examples per endpoint (default 15). `make fuzz`
runs many more (FUZZ_EXAMPLES=200 by default; `make fuzz FUZZ_EXAMPLES=2000`), and
FUZZ_SEED picks another fixed sample (`make fuzz FUZZ_SEED=7`).

Production's error handling is what is fuzzed: DEBUG off. A 5xx found here is printed with
the request that caused it (Hypothesis shrinks it first).
"""

import os
import re
import uuid
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.factories import own, posting_at
from wizard.models import Status
from wizard.ops import heartbeat
from wizard.postings.links import make_finish_later_token, make_manage_token

pytestmark = pytest.mark.django_db

METRICS_TOKEN = "fuzz-metrics-token"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SEED = int(os.environ.get("FUZZ_SEED", "0"))
PRIVATE_PREFIXES = ("admin/",)  # staff only: not fuzzed, except the login page below
PUBLIC_EXTRAS = ["/admin/login/", "/health/live/"]
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def public_routes():
    """Every route of the URLconf outside the admin, as `route` strings with parameters."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$").replace("\\", "")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route

    routes = [
        route
        for route in walk(get_resolver().url_patterns, "")
        if not route.startswith(PRIVATE_PREFIXES)
    ]
    return sorted(set(routes))


ROUTES = public_routes()


def test_every_public_route_is_fuzzed():
    """The list is the URLconf's: the wizard's steps, the webhooks, the links, the board…"""
    names = " ".join(ROUTES)
    for expected in (
        "post/<uuid:posting_id>/details/",
        "post/finish-later/<str:token>/",
        "post/manage/<str:token>/",
        "stripe/webhook/",
        "health/",
        "metrics",
        "jobs/<slug:slug>/",
        "anymail/",
    ):
        assert expected in names, expected
    for route in ROUTES:
        for match in PARAMETER.finditer(route):
            name = match["name"] or match["group"]
            assert name in FILLERS, f"{route}: no way to fill in {name!r}"


# --- What a request is made of -------------------------------------------------------------

latin1_text = st.text(alphabet=st.characters(max_codepoint=255), max_size=80)
any_text = st.text(max_size=80)
segment = st.text(min_size=1, max_size=30).map(lambda text: quote(text, safe=""))

HEADERS = [
    "HTTP_USER_AGENT",
    "HTTP_REFERER",
    "HTTP_ORIGIN",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_AUTHORIZATION",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REQUEST_ID",
    "HTTP_HX_REQUEST",
    "HTTP_HX_CURRENT_URL",
    "HTTP_HX_TARGET",
    "HTTP_HX_TRIGGER",
    "HTTP_HX_HISTORY_RESTORE_REQUEST",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_STRIPE_SIGNATURE",
    "HTTP_X_CSRFTOKEN",
    "HTTP_HOST",
]
header_values = st.one_of(
    latin1_text,
    st.sampled_from(
        [
            "true",
            "application/json",
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            "Bearer x",
            f"Bearer {METRICS_TOKEN}",  # /metrics, and /health/'s details
            "Basic Og==",
            "Basic %%%",
            "t=1,v1=00",
            "127.0.0.1",
            "127.0.0.1, 10.0.0.1",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            'W/"x"',
            "a\x00b",
        ]
    ),
)
FIELDS = [
    "csrfmiddlewaretoken",
    "title",
    "company_name",
    "description",
    "contact_email",
    "apply_url",
    "apply_email",
    "country",
    "city",
    "salary_min",
    "salary_max",
    "salary_currency",
    "workplace",
    "employment_type",
    "finish_later_link",
    "resume_link",
    "phone",
    "code",
    "withdraw",
    "skip",
    "cf-turnstile-response",
    "g-recaptcha-response",
    "h-captcha-response",
    "email",
    "username",
    "password",
    "next",
]
form_fields = st.lists(
    st.tuples(st.one_of(st.sampled_from(FIELDS), any_text), st.one_of(any_text, st.binary())),
    max_size=8,
)
# Cookie headers as a script sends them: Django's parser unquotes "\\000" into a NUL.
COOKIES = [
    'sessionid="abcdefgh\\000ijklmnopqrstuvwxyz0123"',
    "sessionid=abcdefgh\x00ijklmnopqrstuvwxyz0123; csrftoken=x",
    "csrftoken=\x00",
    "sessionid=" + "a" * 5000,
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=fuzz",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "",
]
CHARSETS = [None, "utf-8", "UTF-8", "utf-16", "utf-16-le", "latin-1", "utf8", "nope", '"', ""]


def urlencoded(fields):
    return urlencode(
        [
            (key, value if isinstance(value, str) else value.decode("latin-1"))
            for key, value in fields
        ]
    ).encode()


def multipart(fields, filename):
    parts = []
    for key, value in fields:
        data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        disposition = f'form-data; name="{key}"'
        if filename is not None and key in ("logo", "file"):
            disposition += f'; filename="{filename}"'
        parts.append(
            b"--fuzz\r\nContent-Disposition: "
            + disposition.encode("utf-8", "surrogatepass")
            + b"\r\n\r\n"
            + data
            + b"\r\n"
        )
    return b"".join(parts) + b"--fuzz--\r\n"


@st.composite
def bodies(draw, content_type):
    kind = draw(st.sampled_from(["fields", "raw", "empty"]))
    if kind == "empty":
        return b""
    if kind == "raw":
        return draw(st.binary(max_size=600))
    fields = draw(form_fields)
    if content_type.startswith("multipart/"):
        if draw(st.booleans()):
            fields.append(("logo", draw(st.binary(max_size=300))))
        return multipart(fields, draw(st.one_of(st.none(), any_text)))
    return urlencoded(fields)


@st.composite
def fuzzed_requests(draw):
    method = draw(st.sampled_from(["POST", "POST", "GET", "HEAD", "PUT", "OPTIONS", "DELETE"]))
    content_type = draw(st.one_of(st.sampled_from(CONTENT_TYPES), latin1_text))
    charset = draw(st.one_of(st.sampled_from(CHARSETS), latin1_text))
    full_type = content_type + (f"; charset={charset}" if charset is not None else "")
    headers = draw(st.dictionaries(st.sampled_from(HEADERS), header_values, max_size=4))
    return {
        "method": method,
        "query": draw(st.one_of(st.just(""), latin1_text.map(lambda q: quote(q, safe="=&")))),
        "content_type": full_type,
        "body": draw(bodies(content_type)),
        "headers": headers,
        "cookie": draw(st.one_of(st.none(), st.sampled_from(COOKIES), latin1_text)),
        "session": draw(st.sampled_from(["owner", "stranger", "broken"])),
        "csrf": draw(st.booleans()),
        "url_choice": draw(st.integers(min_value=0, max_value=2)),
        "random_segment": draw(segment),
    }


# --- The world the requests land in ----------------------------------------------------------


@pytest.fixture
def world(settings, fakestripe, fakeproviders):
    """A draft, a posting in review and a published one, the browser that owns them, and
    healthy checks (a failing /health/ answers 500 by design)."""
    settings.DEBUG = False  # production's error handling
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.PHONE_VERIFICATION_ENABLED = True
    heartbeat.beat()
    draft = posting_at("logo_ready", finish_later_nonce="n" * 22)
    in_review = posting_at(Status.IN_REVIEW)
    published = posting_at(Status.PUBLISHED, slug="fuzzed-job-acme-abc123")
    owner = Client()
    own(owner, draft, in_review)
    return {
        "posting_id": [str(draft.pk), str(in_review.pk), str(uuid.uuid4())],
        "token": [make_finish_later_token(draft), make_manage_token(in_review), None],
        "slug": [published.slug, "feed", None],
        "key": [django_settings.INDEXNOW_KEY, "robots", None],
        "path": ["postmark/tracking/", "sendgrid/inbound/", None],
        "attempt_id": ["1", "2147483647", None],
        "owner_cookies": owner.cookies,
    }


FILLERS = {"posting_id", "token", "slug", "key", "path", "attempt_id"}


def concrete(route, world, request):
    def fill(match):
        name = match["name"] or match["group"]
        value = world[name][request["url_choice"]]
        return request["random_segment"] if value is None else value

    return "/" + PARAMETER.sub(fill, route)


def send(route, world, request):
    client = Client(raise_request_exception=False, enforce_csrf_checks=request["csrf"])
    if request["session"] == "owner":
        client.cookies = world["owner_cookies"]
    elif request["session"] == "broken":
        client.cookies["sessionid"] = request["random_segment"]
    extra = dict(request["headers"])
    if request["cookie"] is not None:
        extra["HTTP_COOKIE"] = request["cookie"]
    extra.setdefault("HTTP_HOST", "testserver")
    extra["QUERY_STRING"] = request["query"]
    return client.generic(
        request["method"],
        concrete(route, world, request),
        request["body"],
        content_type=request["content_type"],
        **extra,
    )


@pytest.mark.parametrize("route", ROUTES + PUBLIC_EXTRAS)
def test_no_request_gets_a_server_error(world, route):
    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        derandomize=SEED == 0,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(fuzzed_requests())
    def no_5xx(request):
        response = send(route, world, request)
        assert response.status_code < 500, (
            response.status_code,
            concrete(route, world, request),
            response.content[:300],
        )

    no_5xx()
