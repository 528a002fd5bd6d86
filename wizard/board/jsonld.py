"""schema.org JobPosting structured data for a published posting (Google for Jobs)."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from wizard.postings import markdown
from wizard.postings.models import EmploymentType

# Google's employmentType values.
EMPLOYMENT_TYPES = {
    EmploymentType.FULL_TIME: "FULL_TIME",
    EmploymentType.PART_TIME: "PART_TIME",
    EmploymentType.CONTRACT: "CONTRACTOR",
    EmploymentType.TEMPORARY: "TEMPORARY",
    EmploymentType.INTERNSHIP: "INTERN",
}

# "Austin, TX" names a US state, not a country.
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)

# What a JSON text needs so that it cannot end, or open, an HTML element inside <script>
# (the same escapes as django.utils.html.json_script).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def job_posting_jsonld(posting, request):
    """The JobPosting object for `posting`, as a dict ready for json.dumps."""
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
    if posting.location:
        data["jobLocation"] = {"@type": "Place", "address": postal_address(posting.location)}
    if posting.remote:
        data["jobLocationType"] = "TELECOMMUTE"
        if not posting.location:
            data["applicantLocationRequirements"] = {"@type": "Country", "name": "Anywhere"}
    salary = base_salary(posting)
    if salary:
        data["baseSalary"] = salary
    return data


def organization(posting, request):
    org = {"@type": "Organization", "name": posting.company_name}
    if posting.logo:
        org["logo"] = request.build_absolute_uri(posting.logo.url)
    return org


def postal_address(location):
    """A PostalAddress from free text: a trailing ", Country" becomes addressCountry."""
    address = {"@type": "PostalAddress", "addressLocality": location.strip()}
    parts = [part.strip() for part in location.split(",") if part.strip()]
    if len(parts) < 2:
        return address
    *place, last = parts
    if last.upper() in US_STATES and len(last) == 2:
        address.update(addressRegion=last.upper(), addressCountry="US")
    elif last.replace(" ", "").replace(".", "").replace("-", "").isalpha():
        address["addressCountry"] = last
    else:
        return address
    address["addressLocality"] = ", ".join(place)
    return address


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
