"""schema.org JobPosting data (wizard.board.jsonld), built from unsaved postings: no database."""

import json
from datetime import UTC, datetime

import pytest
from django.test import RequestFactory
from django.utils import translation

from wizard.board.jsonld import base_salary, job_posting_jsonld, script_json
from wizard.models import EmploymentType, JobPosting, Status, Workplace
from wizard.templatetags.board import salary_range

PUBLISHED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EXPIRES_AT = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


def posting(**fields):
    return JobPosting(
        **{
            "status": Status.PUBLISHED,
            "slug": "senior-django-engineer-acme-corp-abc123",
            "company_name": "Acme Corp",
            "title": "Senior Django Engineer",
            "workplace": Workplace.ON_SITE,
            "city": "Berlin",
            "country": "DE",
            "employment_type": EmploymentType.FULL_TIME,
            "description": "Build reliable things.\nWith Django.\n\nAnd tests.",
            "apply_url": "https://acme.example/jobs/42",
            "published_at": PUBLISHED_AT,
            "expires_at": EXPIRES_AT,
            **fields,
        }
    )


@pytest.fixture
def request_(settings):
    settings.ALLOWED_HOSTS = ["jobs.example.com"]
    return RequestFactory().get("/jobs/x/", HTTP_HOST="jobs.example.com", secure=True)


def test_required_and_recommended_fields(request_):
    job = posting(salary_min=70000, salary_max=90000, salary_currency="eur", logo="logos/a.png")
    data = job_posting_jsonld(job, request_)
    assert data["@context"] == "https://schema.org/"
    assert data["@type"] == "JobPosting"
    assert data["title"] == "Senior Django Engineer"
    assert data["description"] == (
        "<p>Build reliable things.<br>\nWith Django.</p>\n<p>And tests.</p>"
    )
    assert data["datePosted"] == "2026-03-02"
    assert data["validThrough"] == "2026-04-01T09:30:00+00:00"
    assert data["employmentType"] == "FULL_TIME"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Acme Corp",
        "logo": "https://jobs.example.com/media/logos/a.png",
    }
    assert data["jobLocation"] == {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": "Berlin",
            "addressCountry": "DE",
        },
    }
    assert "jobLocationType" not in data
    assert data["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "EUR",
        "value": {
            "@type": "QuantitativeValue",
            "minValue": 70000,
            "maxValue": 90000,
            "unitText": "YEAR",
        },
    }
    assert data["directApply"] is False
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "name": "Acme Corp",
        "value": str(job.pk),
    }
    assert data["url"] == "https://jobs.example.com/jobs/senior-django-engineer-acme-corp-abc123/"


def test_without_logo_salary_or_expiry_those_keys_are_left_out(request_):
    data = job_posting_jsonld(posting(expires_at=None), request_)
    assert "logo" not in data["hiringOrganization"]
    assert "baseSalary" not in data
    assert "validThrough" not in data


@pytest.mark.parametrize(
    ("employment_type", "google"),
    [
        (EmploymentType.FULL_TIME, "FULL_TIME"),
        (EmploymentType.PART_TIME, "PART_TIME"),
        (EmploymentType.CONTRACT, "CONTRACTOR"),
        (EmploymentType.TEMPORARY, "TEMPORARY"),
        (EmploymentType.INTERNSHIP, "INTERN"),
    ],
)
def test_employment_types_map_to_googles_values(request_, employment_type, google):
    assert (
        job_posting_jsonld(posting(employment_type=employment_type), request_)["employmentType"]
        == google
    )


# --- Where the job is: Google's three cases --------------------------------------------

REMOTE = {"workplace": Workplace.REMOTE, "city": "", "country": ""}


def test_an_on_site_job_has_a_postal_address_with_the_country_code(request_):
    data = job_posting_jsonld(posting(city="Austin", region="TX", country="US"), request_)
    assert data["jobLocation"] == {
        "@type": "Place",
        "address": {
            "@type": "PostalAddress",
            "addressLocality": "Austin",
            "addressRegion": "TX",
            "addressCountry": "US",
        },
    }
    assert "jobLocationType" not in data
    assert "applicantLocationRequirements" not in data


def test_a_hybrid_job_has_its_office_and_is_not_telecommute(request_):
    """'Berlin, remote possible': Google keeps TELECOMMUTE for jobs done from home all of
    the time, so a hybrid job is its office alone."""
    data = job_posting_jsonld(posting(workplace=Workplace.HYBRID), request_)
    assert data["jobLocation"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Berlin",
        "addressCountry": "DE",
    }
    assert "jobLocationType" not in data
    assert "applicantLocationRequirements" not in data


def test_a_remote_job_is_telecommute_with_the_applicants_countries(request_):
    data = job_posting_jsonld(posting(**REMOTE, applicant_countries=["FR", "DE"]), request_)
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == [
        {"@type": "Country", "name": "Germany"},
        {"@type": "Country", "name": "France"},
    ]
    assert "jobLocation" not in data


def test_a_remote_job_in_one_country(request_):
    data = job_posting_jsonld(posting(**REMOTE, applicant_countries=["US"]), request_)
    assert data["applicantLocationRequirements"] == [
        {"@type": "Country", "name": "United States of America"}
    ]


def test_country_names_are_english_whatever_the_language(request_):
    with translation.override("de"):
        data = job_posting_jsonld(posting(**REMOTE, applicant_countries=["DE"]), request_)
    assert data["applicantLocationRequirements"] == [{"@type": "Country", "name": "Germany"}]


@pytest.mark.parametrize(
    "location",
    [
        {"workplace": ""},
        {"workplace": Workplace.ON_SITE, "country": ""},
        {"workplace": Workplace.HYBRID, "city": ""},
        {**REMOTE, "applicant_countries": []},
    ],
)
def test_no_structured_data_without_what_google_requires(request_, location):
    """Postings migrated from the free-text location may lack it (staff are told)."""
    assert job_posting_jsonld(posting(**location), request_) is None


@pytest.mark.parametrize(
    ("low", "high", "currency", "value"),
    [
        (50000, 60000, "usd", {"minValue": 50000, "maxValue": 60000}),
        (50000, 50000, "usd", {"value": 50000}),
        (50000, None, "usd", {"minValue": 50000}),
        (None, 60000, "usd", {"maxValue": 60000}),
    ],
)
def test_base_salary_shapes(low, high, currency, value):
    salary = base_salary(posting(salary_min=low, salary_max=high, salary_currency=currency))
    assert salary == {
        "@type": "MonetaryAmount",
        "currency": "USD",
        "value": {"@type": "QuantitativeValue", "unitText": "YEAR", **value},
    }


def test_no_base_salary_without_an_amount_or_a_currency():
    assert base_salary(posting()) is None
    assert base_salary(posting(salary_min=1, salary_currency="")) is None


def test_script_json_cannot_close_the_script_element():
    payload = "</script><script>alert(1)</script><!-- & -->"
    text = str(script_json({"title": payload}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"title": payload}


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (70000, 90000, "EUR 70,000–90,000 a year"),
        (70000, 70000, "EUR 70,000 a year"),
        (70000, None, "from EUR 70,000 a year"),
        (None, 90000, "up to EUR 90,000 a year"),
        (None, None, ""),
    ],
)
def test_salary_range_filter(low, high, text):
    assert salary_range(posting(salary_min=low, salary_max=high, salary_currency="eur")) == text
