"""schema.org JobPosting structured data for a published posting (Google for Jobs)."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from wizard.postings import markdown
from wizard.postings.models import EmploymentType, Workplace

# Google's employmentType values.
EMPLOYMENT_TYPES = {
    EmploymentType.FULL_TIME: "FULL_TIME",
    EmploymentType.PART_TIME: "PART_TIME",
    EmploymentType.CONTRACT: "CONTRACTOR",
    EmploymentType.TEMPORARY: "TEMPORARY",
    EmploymentType.INTERNSHIP: "INTERN",
}

# What a JSON text needs so that it cannot end, or open, an HTML element inside <script>
# (the same escapes as django.utils.html.json_script).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def job_posting_jsonld(posting, request):
    """The JobPosting object for `posting`, as a dict ready for json.dumps; None when its
    location lacks what Google requires (a posting migrated from the free-text location,
    flagged to staff): no structured data rather than data Google rejects."""
    if not posting.has_location:
        return None
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        # Google accepts (and renders) HTML here: the same sanitised HTML as the job page.
        "description": markdown.render_html(posting.description),
        "datePosted": timezone.localtime(posting.published_at).date().isoformat(),
        "url": request.build_absolute_uri(reverse("wizard:job", args=[posting.slug])),
        "hiringOrganization": organization(posting, request),
        "identifier": {
            "@type": "PropertyValue",
            "name": posting.company_name,
            "value": str(posting.pk),
        },
        "directApply": False,
    }
    if posting.expires_at:
        data["validThrough"] = posting.expires_at.isoformat()
    if posting.employment_type in EMPLOYMENT_TYPES:
        data["employmentType"] = EMPLOYMENT_TYPES[posting.employment_type]
    data.update(job_location(posting))
    salary = base_salary(posting)
    if salary:
        data["baseSalary"] = salary
    return data


def organization(posting, request):
    org = {"@type": "Organization", "name": posting.company_name}
    if posting.logo:
        org["logo"] = request.build_absolute_uri(posting.logo.url)
    return org


def job_location(posting):
    """Where the job is, as Google's JobPosting documentation asks.

    A fully remote job is TELECOMMUTE, with the countries its applicants may live in
    (applicantLocationRequirements, at least one) and no jobLocation. An on-site or a
    hybrid job has a jobLocation, the office's PostalAddress; a hybrid job is not
    TELECOMMUTE, which Google reserves for jobs done from home all of the time.
    """
    if posting.workplace == Workplace.REMOTE:
        return {
            "jobLocationType": "TELECOMMUTE",
            "applicantLocationRequirements": [
                {"@type": "Country", "name": country_name(country)}
                for country in posting.applicant_countries
            ],
        }
    return {"jobLocation": {"@type": "Place", "address": postal_address(posting)}}


def postal_address(posting):
    """The office's PostalAddress; addressCountry is the ISO 3166-1 alpha-2 code."""
    address = {"@type": "PostalAddress", "addressLocality": posting.city}
    if posting.region:
        address["addressRegion"] = posting.region
    address["addressCountry"] = posting.country.code
    return address


def country_name(country):
    """The country's English name, whatever language the request is served in."""
    with translation.override("en"):
        return country.name


def base_salary(posting):
    low, high = posting.salary_min, posting.salary_max
    if (low is None and high is None) or not posting.salary_currency:
        return None
    value = {"@type": "QuantitativeValue", "unitText": "YEAR"}
    if low is not None and high is not None and low != high:
        value.update(minValue=low, maxValue=high)
    elif low is not None and high is not None:
        value["value"] = low
    elif low is not None:
        value["minValue"] = low
    else:
        value["maxValue"] = high
    return {"@type": "MonetaryAmount", "currency": posting.salary_currency.upper(), "value": value}


def script_json(data):
    """`data` as JSON safe to place between <script> and </script>: no <, > or & survives,
    so user content (the description) cannot close the element or open a comment."""
    return mark_safe(json.dumps(data, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES))
