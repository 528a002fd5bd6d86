"""schema.org JobPosting data (wizard.jsonld), built from unsaved postings: no database."""

import json
from datetime import UTC, datetime

import pytest
from django.test import RequestFactory

from wizard.board.jsonld import base_salary, job_posting_jsonld, postal_address, script_json
from wizard.models import EmploymentType, JobPosting, Status
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
            "location": "Berlin, Germany",
            "remote": False,
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
            "addressCountry": "Germany",
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


def test_remote_anywhere(request_):
    data = job_posting_jsonld(posting(location="", remote=True), request_)
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == {"@type": "Country", "name": "Anywhere"}
    assert "jobLocation" not in data


def test_remote_with_an_office(request_):
    data = job_posting_jsonld(posting(remote=True), request_)
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert "applicantLocationRequirements" not in data
    assert data["jobLocation"]["address"]["addressCountry"] == "Germany"


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Berlin", {"addressLocality": "Berlin"}),
        ("Berlin, Germany", {"addressLocality": "Berlin", "addressCountry": "Germany"}),
        (
            "San Francisco, California, United States",
            {"addressLocality": "San Francisco, California", "addressCountry": "United States"},
        ),
        (
            "Austin, TX",
            {"addressLocality": "Austin", "addressRegion": "TX", "addressCountry": "US"},
        ),
        ("London, U.K.", {"addressLocality": "London", "addressCountry": "U.K."}),
        ("Building 7, 4th floor", {"addressLocality": "Building 7, 4th floor"}),
    ],
)
def test_postal_address(location, expected):
    assert postal_address(location) == {"@type": "PostalAddress", **expected}


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
