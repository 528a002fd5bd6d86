"""The public board: only published postings, filters, pages, htmx, caching, feed, JSON-LD."""

import itertools
import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from tests.conftest import image_bytes
from tests.factories import posting_at
from wizard.models import Actor, JobPosting, Status

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ATOM = "{http://www.w3.org/2005/Atom}"
_serial = itertools.count()


def publish(title="Senior Django Engineer", *, days_ago=1, status=Status.PUBLISHED, **fields):
    """A posting on the board (or, with another status, one that has been or never was)."""
    published_at = timezone.now() - timedelta(days=days_ago)
    fields = {
        "slug": f"job-{next(_serial)}",
        "published_at": published_at,
        "expires_at": published_at + timedelta(days=30),
        **fields,
    }
    return posting_at(status, title=title, **fields)


# A fully remote job (the factories' default is hybrid, in Berlin).
REMOTE = {"workplace": "remote", "city": "", "country": "", "applicant_countries": ["DE", "FR"]}


def with_logo(posting, name="acme.png"):
    posting.logo = default_storage.save(f"logos/{name}", ContentFile(image_bytes()))
    posting.save()
    return posting


def job_url(posting):
    return reverse("wizard:job", args=[posting.slug])


def titles(response):
    """The job titles listed on a board page, in order."""
    return re.findall(
        r'class="job-card__title"><a href="[^"]+">(?:<span class="featured-tag".*?</span></span> )?'
        r"([^<]+)</a>",
        response.text,
    )


class Scripts(HTMLParser):
    """Every <script> element of a page: its attributes and text."""

    def __init__(self, text):
        super().__init__()
        self.scripts, self._current = [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = {"attrs": dict(attrs), "text": ""}
            self.scripts.append(self._current)

    def handle_endtag(self, tag):
        if tag == "script":
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self._current["text"] += data


def jsonld_of(response):
    [script] = [
        s for s in Scripts(response.text).scripts if s["attrs"].get("type") == "application/ld+json"
    ]
    return script, json.loads(script["text"])


# --- Only published postings -------------------------------------------------------------


def test_only_published_postings_are_on_the_board(client):
    visible = publish("Visible job")
    hidden = [
        posting_at(Status.DRAFT, title="Draft job"),
        publish("Details ready job", status=Status.READY_TO_PAY, published_at=None),
        publish("Paid job", status=Status.PAID),
        publish("In review job", status=Status.IN_REVIEW),
        publish("Rejected job", status=Status.REJECTED),
        publish("Expired job", status=Status.EXPIRED, days_ago=40),
        publish("Refunded job", status=Status.REFUNDED),
        publish("Abandoned job", status=Status.ABANDONED),
    ]

    response = client.get("/")

    assert response.status_code == 200
    assert titles(response) == ["Visible job"]
    assert "1 job" in response.text
    assert client.get(job_url(visible)).status_code == 200
    for posting in hidden:
        assert posting.title not in response.text
        if posting.slug:
            assert client.get(job_url(posting)).status_code == 404, posting.status
    assert client.get("/jobs/no-such-job/").status_code == 404


def test_the_board_keeps_the_post_a_job_link(client):
    response = client.get("/")
    assert re.search(
        rf'<a class="[^"]*" href="{reverse("wizard:start")}">Post a job</a>', response.text
    )
    assert "No jobs are open right now" in response.text


def test_the_list_shows_each_jobs_essentials(client):
    posting = with_logo(
        publish(
            "Backend Engineer",
            company_name="Globex",
            workplace="hybrid",
            city="Lisbon",
            country="PT",
            employment_type="contract",
            salary_min=60000,
            salary_max=80000,
            salary_currency="eur",
        )
    )
    text = client.get("/").text
    assert f'href="{job_url(posting)}">Backend Engineer</a>' in text
    assert "Globex" in text
    assert "<li>Lisbon, PT</li>" in text
    assert '<li class="tag">Hybrid</li>' in text
    assert "Contract" in text
    assert "EUR 60,000–80,000 a year" in text
    assert f'src="{posting.logo.url}"' in text
    assert posting.published_at.strftime("%-d %b %Y") in text


# --- Filters and search ------------------------------------------------------------------


@pytest.fixture
def four_jobs():
    publish(
        "Django Engineer",
        company_name="Acme Corp",
        workplace="hybrid",
        city="Berlin",
        country="DE",
        employment_type="full_time",
        description="Python all day.",
        days_ago=3,
    )
    publish(
        "Product Designer",
        company_name="Pixel Ltd",
        workplace="on_site",
        city="London",
        country="GB",
        employment_type="part_time",
        description="Figma and friends.",
        days_ago=2,
    )
    publish(
        "Data Intern",
        company_name="Numbers Inc",
        workplace="on_site",
        city="Paris",
        country="FR",
        employment_type="internship",
        description="Notebooks with pandas.",
        days_ago=1,
    )
    publish(
        "Support Engineer",
        company_name="Helpful GmbH",
        **{**REMOTE, "applicant_countries": ["DE", "AT"]},
        employment_type="full_time",
        description="Answer questions from home.",
        days_ago=4,
    )


ALL = ["Data Intern", "Product Designer", "Django Engineer", "Support Engineer"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("workplace=remote", ["Support Engineer"]),
        ("workplace=hybrid", ["Django Engineer"]),
        ("workplace=on_site", ["Data Intern", "Product Designer"]),
        # A link from before the workplace filter: "Remote only" means fully remote.
        ("remote=on", ["Support Engineer"]),
        ("location=london", ["Product Designer"]),
        ("location=FRANCE", ["Data Intern"]),
        # The country by its code, a common name, or the start of its name.
        ("location=fr", ["Data Intern"]),
        ("location=uk", ["Product Designer"]),
        ("location=united+kingdom", ["Product Designer"]),
        ("location=London%2C+United+Kingdom", ["Product Designer"]),
        ("location=London%2C+France", []),
        # A remote job open to applicants living in the country matches it too.
        ("location=germany", ["Django Engineer", "Support Engineer"]),
        ("location=austria", ["Support Engineer"]),
        ("location=germany&workplace=hybrid", ["Django Engineer"]),
        ("employment_type=internship", ["Data Intern"]),
        ("employment_type=part_time", ["Product Designer"]),
        ("q=django", ["Django Engineer"]),  # title
        ("q=pixel", ["Product Designer"]),  # company
        ("q=PANDAS", ["Data Intern"]),  # description
        ("q=berlin", ["Django Engineer"]),  # city
        ("q=portugal", []),  # no job there
        ("q=nothing+matches", []),
        (
            "q=engineer&workplace=hybrid&employment_type=full_time&location=berlin",
            ["Django Engineer"],
        ),
        ("q=designer&workplace=remote", []),
        # An unknown value is ignored, not an error.
        ("employment_type=astronaut", ALL),
        ("workplace=moon", ALL),
    ],
)
def test_filters_and_search(client, four_jobs, query, expected):
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert titles(response) == expected
    if not expected:
        assert "No jobs match your search" in response.text


def test_the_form_shows_the_current_filters(client, four_jobs):
    text = client.get("/?q=pandas&location=paris&employment_type=internship&workplace=hybrid").text
    assert 'name="q" value="pandas"' in text
    assert 'name="location" value="paris"' in text
    assert '<option value="internship" selected>' in text
    assert '<label for="id_workplace">Workplace</label>' in text
    assert '<option value="hybrid" selected>Hybrid</option>' in text
    assert '<option value="" >Any workplace</option>' in text or (
        '<option value="">Any workplace</option>' in text
    )
    assert "Remote only" not in text


def test_the_form_works_with_and_without_javascript(client):
    text = client.get("/").text
    form = re.search(r'<form class="filters"[^>]*>', text, re.S).group(0)
    assert 'method="get"' in form and 'action="/"' in form
    assert 'hx-get="/"' in form
    assert 'hx-trigger="change, submit, keyup changed delay:300ms from:input[name=q]"' in form
    assert 'hx-target="#results"' in form and 'hx-push-url="true"' in form


# --- Featured first ----------------------------------------------------------------------


def test_featured_postings_are_pinned_above_the_others_in_date_order(client, settings):
    settings.BOARD_PAGE_SIZE = 3
    publish("Newest", days_ago=0)
    publish("Old featured", featured=True, days_ago=9)
    publish("Middle", days_ago=3)
    publish("New featured", featured=True, days_ago=1)
    publish("Expired featured", featured=True, days_ago=0, status=Status.EXPIRED)
    first, second = client.get("/"), client.get("/?page=2")
    assert titles(first) == ["New featured", "Old featured", "Newest"]
    # The pages go on in the same order: no posting twice, none left out.
    assert titles(second) == ["Middle"]


def test_filters_keep_featured_postings_first(client):
    publish("Remote", **REMOTE, days_ago=0)
    publish("Remote featured", **REMOTE, featured=True, days_ago=5)
    publish("Office featured", featured=True, days_ago=0)
    assert titles(client.get("/?workplace=remote")) == ["Remote featured", "Remote"]
    assert titles(client.get("/?location=berlin")) == ["Office featured"]


def test_same_moment_postings_keep_one_order_across_pages(client, settings):
    settings.BOARD_PAGE_SIZE = 2
    moment = timezone.now()
    postings = [publish(f"Job {n}", published_at=moment, featured=n in (1, 3)) for n in range(5)]
    listed = titles(client.get("/")) + titles(client.get("/?page=2"))
    listed += titles(client.get("/?page=3"))
    # Among equals the greater pk first (a random UUID: any order, but always the same).
    expected = sorted(postings, key=lambda posting: (posting.featured, posting.pk), reverse=True)
    assert listed == [posting.title for posting in expected]


# --- Pages -------------------------------------------------------------------------------


def test_pages_keep_the_filters(client, settings):
    settings.BOARD_PAGE_SIZE = 2
    for day in range(5):
        publish(f"Remote job {day}", **REMOTE, days_ago=day + 1)
    publish("Office job", days_ago=0)

    first = client.get("/?workplace=remote")
    assert titles(first) == ["Remote job 0", "Remote job 1"]
    assert "Page 1 of 3" in first.text
    assert 'href="?workplace=remote&amp;page=2"' in first.text
    assert 'rel="prev"' not in first.text

    second = client.get("/?workplace=remote&page=2")
    assert titles(second) == ["Remote job 2", "Remote job 3"]
    assert 'href="?workplace=remote&amp;page=1"' in second.text
    assert 'href="?workplace=remote&amp;page=3"' in second.text

    assert titles(client.get("/?workplace=remote&page=3")) == ["Remote job 4"]
    # A page out of range or not a number shows the nearest page rather than an error.
    assert titles(client.get("/?workplace=remote&page=99")) == ["Remote job 4"]
    assert titles(client.get("/?workplace=remote&page=x")) == ["Remote job 0", "Remote job 1"]


# --- htmx --------------------------------------------------------------------------------


def test_htmx_gets_only_the_results(client, four_jobs):
    full = client.get("/?q=pixel")
    partial = client.get("/?q=pixel", **HTMX)

    assert partial.status_code == 200
    assert "<html" not in partial.text and "<form" not in partial.text
    assert "Post a job" not in partial.text
    assert titles(partial) == ["Product Designer"]
    assert "1 job match your search" in " ".join(partial.text.split())
    # The same URL answers two ways: caches must tell them apart.
    assert "HX-Request" in partial["Vary"] and "HX-Request" in full["Vary"]
    assert partial["ETag"] != full["ETag"]
    # A history restore (htmx's cache missed) needs the whole page.
    restore = client.get("/?q=pixel", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in restore.text


# --- One posting -------------------------------------------------------------------------


def test_the_detail_page(client):
    posting = with_logo(
        publish(
            "Senior Django Engineer",
            description="Build reliable things.\nWith Django.\n\n<b>Not bold</b>",
            salary_min=70000,
            salary_max=90000,
            salary_currency="eur",
            apply_email="jobs@acme.example",
        )
    )
    response = client.get(job_url(posting))
    text = response.text

    assert response.status_code == 200
    assert '<h1 class="job__title">Senior Django Engineer</h1>' in text
    assert "Acme Corp" in text
    assert f'<img class="job__logo" src="{posting.logo.url}" alt="Acme Corp logo"' in text
    assert posting.logo.url.startswith("/media/logos/")
    assert "<dt>Workplace</dt>\n<dd>Hybrid</dd>" in text
    assert "<dt>Location</dt>\n<dd>Berlin, Germany</dd>" in text
    assert "Full-time" in text
    assert "EUR 70,000–90,000 a year" in text
    assert "<p>Build reliable things.<br>\nWith Django.</p>" in text
    assert "&lt;b&gt;Not bold&lt;/b&gt;" in text and "<b>Not bold" not in text
    # The Apply links go through the app, which counts the click (test_job_numbers.py).
    apply = reverse("wizard:apply", args=[posting.slug])
    assert f'<a class="button button--primary" href="{apply}" rel="nofollow">Apply</a>' in text
    assert f'href="{apply}?by=email" rel="nofollow">Apply by email to jobs@acme.example' in text
    assert posting.published_at.strftime("%-d %B %Y") in text
    assert posting.expires_at.strftime("%-d %B %Y") in text


def test_apply_by_email_only(client):
    posting = publish(apply_url="", apply_email="jobs@acme.example")
    text = client.get(job_url(posting)).text
    assert ">Apply</a>" not in text
    apply = reverse("wizard:apply", args=[posting.slug])
    assert f'class="button button--primary" href="{apply}?by=email"' in text


# --- Caching -----------------------------------------------------------------------------
# (What invalidates the shared cache, and that a cached page costs no query, is in
# test_board_cache.py.)


@pytest.mark.parametrize("url", ["/", "/?q=django&page=1", "job", "/jobs/feed/"])
def test_conditional_requests_get_304(client, url):
    posting = publish()
    url = job_url(posting) if url == "job" else url

    response = client.get(url)
    assert response.status_code == 200
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and last_modified
    # Stored, but asked about before every use: staff's decisions show on the next reload.
    assert sorted(response["Cache-Control"].split(", ")) == ["no-cache", "public"]
    # Nothing per visitor: no cookie, nothing varying on one.
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")

    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert "no-cache" in not_modified["Cache-Control"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_the_list_etag_changes_with_the_board_and_the_query(client):
    publish()
    etag = client.get("/")["ETag"]
    assert client.get("/?q=x")["ETag"] != etag
    publish("Another job")
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_list_is_not_stale_when_the_newest_posting_leaves(client):
    """The newest posting leaves the board: Last-Modified moves on (it is the time of the
    board's last change, not of the newest posting still on it)."""
    publish("Older job")
    newest = publish("Newest job")
    seen = client.get("/")
    assert titles(seen) == ["Newest job", "Older job"]

    with mock.patch("wizard.board.cache.now_ns", return_value=time.time_ns() + 5 * 10**9):
        newest.expire(by=Actor.system(), why="Test")
        newest.save()

    again = client.get("/", HTTP_IF_MODIFIED_SINCE=seen["Last-Modified"])
    assert again.status_code == 200
    assert titles(again) == ["Older job"]
    assert parse_http_date(again["Last-Modified"]) > parse_http_date(seen["Last-Modified"])
    assert client.get("/", HTTP_IF_NONE_MATCH=seen["ETag"]).status_code == 200


def test_the_detail_etag_changes_when_the_posting_does(client):
    posting = publish()
    etag = client.get(job_url(posting))["ETag"]
    posting.title = "Edited title"
    posting.save()
    response = client.get(job_url(posting), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Edited title" in response.text


def test_a_cached_detail_page_is_not_revalidated_once_withdrawn(client):
    posting = publish()
    etag = client.get(job_url(posting))["ETag"]
    JobPosting.objects.filter(pk=posting.pk).update(status=Status.EXPIRED)
    gone = client.get(job_url(posting), HTTP_IF_NONE_MATCH=etag)
    assert gone.status_code == 404
    assert "ETag" not in gone and "Last-Modified" not in gone


def test_board_pages_carry_no_nonce_and_their_policy_needs_none(client):
    """A page shared by every visitor cannot carry a per-request nonce: its scripts are
    this site's files (allowed by 'self') and JSON-LD, which is data."""
    posting = publish()
    for url in ["/", job_url(posting)]:
        response = client.get(url)
        assert "nonce" not in response.text, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "nonce-" not in policy, policy
        assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in response.text


# --- Query counts ------------------------------------------------------------------------


def publish_many(count):
    for n in range(count):
        posting = publish(f"Job {n}", days_ago=n % 20)
        if n % 2:
            with_logo(posting, f"logo-{n}.png")


# Every page, rendered or not, reads the board's version (wizard.board.cache). Rendered, the
# list adds the paginator's count and the page's rows; from the cache, or a 304: nothing.
VERSION_QUERIES = 1
LIST_QUERIES = VERSION_QUERIES + 2


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    "query", ["", "?q=job&location=germany&workplace=hybrid&employment_type=full_time&page=2"]
)
def test_the_list_uses_a_fixed_number_of_queries(
    client, settings, django_assert_num_queries, count, query
):
    settings.BOARD_PAGE_SIZE = 2 if count == 3 else 20
    publish_many(count)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(f"/{query}")
    assert response.status_code == 200 and response["X-Board-Cache"] == "miss"
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(f"/{query}", **HTMX)["X-Board-Cache"] == "miss"
    with django_assert_num_queries(VERSION_QUERIES):
        again = client.get(f"/{query}")
    assert again["X-Board-Cache"] == "hit" and again.content == response.content
    with django_assert_num_queries(VERSION_QUERIES):
        assert client.get(f"/{query}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_detail_page_uses_one_query(client, django_assert_num_queries):
    publish_many(5)
    posting = with_logo(publish())
    with django_assert_num_queries(VERSION_QUERIES + 1):
        response = client.get(job_url(posting))
    assert response.status_code == 200
    with django_assert_num_queries(VERSION_QUERIES):
        assert client.get(job_url(posting)).content == response.content
    with django_assert_num_queries(VERSION_QUERIES):
        assert client.get(job_url(posting), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    with django_assert_num_queries(VERSION_QUERIES + 1):
        assert client.get("/jobs/no-such-job/").status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_the_feed_uses_one_query(client, django_assert_num_queries, count):
    publish_many(count)
    with django_assert_num_queries(VERSION_QUERIES + 1):
        assert client.get("/jobs/feed/").status_code == 200
    with django_assert_num_queries(VERSION_QUERIES):
        assert client.get("/jobs/feed/").status_code == 200


# --- Atom feed ---------------------------------------------------------------------------


def test_the_feed_is_atom_with_the_published_jobs(client):
    newest = publish("Newest job", days_ago=1, description="Line one\n\n<i>two</i>")
    older = publish("Older job", days_ago=5, company_name="Globex", **REMOTE)
    publish("In review job", status=Status.IN_REVIEW)
    publish("Expired job", status=Status.EXPIRED, days_ago=60)

    response = client.get("/jobs/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "Jobwizard: latest jobs"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/jobs/feed/"
    assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}updated")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Newest job at Acme Corp",
        "Older job at Globex",
    ]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == f"http://testserver{job_url(newest)}"
    assert first.findtext(f"{ATOM}id") == f"urn:uuid:{newest.pk}"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Acme Corp"
    assert first.find(f"{ATOM}summary").get("type") == "html"
    assert first.findtext(f"{ATOM}summary") == "<p>Line one</p>\n<p>&lt;i&gt;two&lt;/i&gt;</p>"
    assert first.findtext(f"{ATOM}published").startswith(newest.published_at.date().isoformat())
    assert first.findtext(f"{ATOM}updated")
    assert {c.get("term") for c in first.findall(f"{ATOM}category")} == {"Full-time", "Hybrid"}
    assert {c.get("term") for c in entries[1].findall(f"{ATOM}category")} == {
        "Full-time",
        "Remote",
    }
    assert older.slug in entries[1].find(f"{ATOM}link").get("href")


def test_the_feed_holds_the_latest_fifty(client):
    for n in range(52):
        publish(f"Job {n}", days_ago=n)
    entries = ET.fromstring(client.get("/jobs/feed/").content).findall(f"{ATOM}entry")
    assert len(entries) == 50
    assert entries[0].findtext(f"{ATOM}title").startswith("Job 0 ")
    assert entries[-1].findtext(f"{ATOM}title").startswith("Job 49 ")


def test_the_board_links_the_feed(client):
    assert 'type="application/atom+xml"' in client.get("/").text


# --- JSON-LD -----------------------------------------------------------------------------


def assert_google_job_posting(data):
    """Google's required properties for JobPosting, and the shapes of the recommended ones."""
    assert data["@context"] in ("https://schema.org/", "https://schema.org")
    assert data["@type"] == "JobPosting"
    assert isinstance(data["title"], str) and data["title"]
    assert isinstance(data["description"], str) and data["description"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["datePosted"])
    organization = data["hiringOrganization"]
    assert organization["@type"] == "Organization" and organization["name"]
    # Where: an office's address (ISO 3166-1 alpha-2 country), or, only for a fully remote
    # job, TELECOMMUTE with at least one country applicants may live in.
    if data.get("jobLocationType") == "TELECOMMUTE":
        assert "jobLocation" not in data
        requirements = data["applicantLocationRequirements"]
        assert requirements and all(
            country["@type"] == "Country" and country["name"] for country in requirements
        )
    else:
        assert "jobLocationType" not in data
        address = data["jobLocation"]["address"]
        assert data["jobLocation"]["@type"] == "Place"
        assert address["@type"] == "PostalAddress" and address["addressLocality"]
        assert re.fullmatch(r"[A-Z]{2}", address["addressCountry"])
    # Recommended.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00", data["validThrough"])
    assert data["employmentType"] in {
        "FULL_TIME",
        "PART_TIME",
        "CONTRACTOR",
        "TEMPORARY",
        "INTERN",
        "VOLUNTEER",
        "PER_DIEM",
        "OTHER",
    }
    if "baseSalary" in data:
        salary = data["baseSalary"]
        assert salary["@type"] == "MonetaryAmount"
        assert re.fullmatch(r"[A-Z]{3}", salary["currency"])
        value = salary["value"]
        assert value["@type"] == "QuantitativeValue"
        assert value["unitText"] in {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}
        assert {"value", "minValue", "maxValue"} & value.keys()
        assert all(isinstance(value[k], int | float) for k in value.keys() - {"@type", "unitText"})


def test_the_detail_page_has_job_posting_structured_data(client):
    posting = with_logo(
        publish(salary_min=70000, salary_max=90000, salary_currency="eur", description="Hi")
    )
    response = client.get(job_url(posting))
    script, data = jsonld_of(response)

    assert_google_job_posting(data)
    assert data["title"] == posting.title
    assert data["description"] == "<p>Hi</p>"
    assert data["datePosted"] == posting.published_at.date().isoformat()
    assert data["validThrough"] == posting.expires_at.isoformat()
    assert data["employmentType"] == "FULL_TIME"
    assert data["hiringOrganization"]["logo"] == f"http://testserver{posting.logo.url}"
    # Hybrid: an office, and not TELECOMMUTE (which Google keeps for fully remote jobs).
    assert data["jobLocation"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Berlin",
        "addressCountry": "DE",
    }
    assert "jobLocationType" not in data
    assert data["baseSalary"]["value"]["minValue"] == 70000
    assert data["baseSalary"]["currency"] == "EUR"
    assert data["identifier"]["value"] == str(posting.pk)
    assert data["directApply"] is False
    # Data, not script: no nonce (the page is the same for everyone, and cached).
    assert script["attrs"] == {"type": "application/ld+json"}


def test_a_remote_job_is_telecommute_from_the_applicants_countries(client):
    posting = publish(**REMOTE, employment_type="part_time")
    response = client.get(job_url(posting))
    _, data = jsonld_of(response)
    assert_google_job_posting(data)
    assert "jobLocation" not in data
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == [
        {"@type": "Country", "name": "Germany"},
        {"@type": "Country", "name": "France"},
    ]
    assert data["employmentType"] == "PART_TIME"
    assert "<dt>Workplace</dt>\n<dd>Remote</dd>" in response.text
    assert "<dt>Applicants may live in</dt>\n<dd>Germany, France</dd>" in response.text
    assert '<li class="tag">Remote (Germany, France)</li>' in client.get("/").text


def test_an_on_site_job_has_its_office_and_no_telecommute(client):
    posting = publish(workplace="on_site", city="Austin", region="TX", country="US")
    response = client.get(job_url(posting))
    _, data = jsonld_of(response)
    assert_google_job_posting(data)
    assert data["jobLocation"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Austin",
        "addressRegion": "TX",
        "addressCountry": "US",
    }
    assert "jobLocationType" not in data and "applicantLocationRequirements" not in data
    assert "<dd>Austin, TX, United States of America</dd>" in response.text
    board = client.get("/").text
    assert "<li>Austin, TX, US</li>" in board and '<li class="tag">On-site</li>' in board


@pytest.mark.parametrize(
    "location",
    [
        {"workplace": "remote", "applicant_countries": []},
        {"workplace": "on_site", "city": "Berlin", "country": ""},
        {"workplace": "", "city": "Somewhere"},
    ],
)
def test_a_posting_with_an_incomplete_location_has_no_json_ld(client, location):
    """Migrated from the free-text location without what Google needs: the job is on the
    board, without structured data Google would reject, and staff are told."""
    posting = publish("Legacy job", **{**REMOTE, "city": "", **location})
    response = client.get(job_url(posting))
    assert response.status_code == 200
    assert "application/ld+json" not in response.text
    assert titles(client.get("/")) == ["Legacy job"]
    flagged = JobPosting.objects.with_attention().get(pk=posting.pk)
    assert flagged.attention_location and flagged.needs_attention


def test_user_content_cannot_break_out_of_the_json_ld_script(client):
    payload = "</script><script>alert(1)</script><!--"
    posting = publish(payload, description=f"Hello {payload}", company_name=f"Evil {payload}")

    response = client.get(job_url(posting))

    scripts = Scripts(response.text).scripts
    assert not any("alert(1)" in s["text"] for s in scripts if s["attrs"].get("type") is None)
    assert all(s["attrs"].get("src") or s["attrs"].get("type") for s in scripts), scripts
    assert "<script>alert(1)" not in response.text
    _, data = jsonld_of(response)
    assert data["title"] == payload
    assert data["hiringOrganization"]["name"] == f"Evil {payload}"
    assert data["description"] == (
        "<p>Hello &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--</p>"
    )


def test_a_published_posting_without_a_slug_does_not_break_the_board(client):
    publish("Linked job")
    publish("Slugless job", slug=None)
    response = client.get("/")
    assert response.status_code == 200
    assert titles(response) == ["Linked job"]
    assert b"Slugless job" not in client.get("/jobs/feed/").content
