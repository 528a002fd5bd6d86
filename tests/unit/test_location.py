"""Where a job is: the workplace, the structured location, the details form's rules, the
one-line summary, and the migration from the free-text location. No database."""

import importlib

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import VALID_DETAILS
from wizard.flow.forms import DetailsForm
from wizard.models import JobPosting, Workplace

migration = importlib.import_module("wizard.migrations.0011_workplace_and_structured_location")

OFFICE = {"workplace": Workplace.HYBRID, "city": "Berlin", "country": "DE"}


def details_form(**changes):
    data = {**VALID_DETAILS, **changes}
    return DetailsForm({k: v for k, v in data.items() if v is not None}, instance=JobPosting())


# --- The details form ---------------------------------------------------------------------


@pytest.mark.parametrize("workplace", ["on_site", "hybrid"])
def test_an_office_needs_a_city_and_a_country_and_drops_remote_countries(workplace):
    form = details_form(workplace=workplace, region="BE", applicant_countries=["FR"])
    assert form.is_valid(), form.errors
    posting = form.instance
    assert (posting.workplace, posting.city, posting.region, posting.country.code) == (
        workplace,
        "Berlin",
        "BE",
        "DE",
    )
    assert list(posting.applicant_countries) == []

    form = details_form(workplace=workplace, city="", country="")
    assert not form.is_valid()
    assert form.errors["city"] == ["Enter the city where the office is"]
    assert form.errors["country"] == ["Choose the country where the office is"]


def test_a_remote_job_needs_applicant_countries_and_drops_the_office():
    form = details_form(workplace="remote", region="BE", applicant_countries=["FR", "DE"])
    assert form.is_valid(), form.errors
    posting = form.instance
    assert (posting.city, posting.region, posting.country.code) == ("", "", "")
    assert [country.code for country in posting.applicant_countries] == ["DE", "FR"]

    form = details_form(workplace="remote")
    assert not form.is_valid()
    assert form.errors["applicant_countries"] == [
        "Choose at least one country where applicants may live"
    ]
    assert "city" not in form.errors and "country" not in form.errors


def test_the_workplace_is_required_and_offered_as_three_radios():
    form = details_form(workplace=None)
    assert not form.is_valid()
    assert form.errors["workplace"] == ["Choose where the work is done"]
    html = str(form["workplace"])
    assert html.count('type="radio"') == 3
    assert [value for value, _ in form.fields["workplace"].choices] == [
        "on_site",
        "hybrid",
        "remote",
    ]
    assert form.fields["country"].choices[0] == ("", "Choose…")
    assert "multiple" in str(form["applicant_countries"])


def test_the_model_keeps_the_rule_for_the_admin_too():
    posting = JobPosting(workplace=Workplace.REMOTE, city="Berlin", country="DE")
    with pytest.raises(ValidationError) as refused:
        posting.clean()
    assert set(refused.value.message_dict) == {"applicant_countries"}
    assert (posting.city, posting.country.code) == ("", "")
    # A draft that has not chosen yet is not refused: the form requires the workplace.
    JobPosting(workplace="").clean()


# --- Completeness and display ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "complete"),
    [
        (OFFICE, True),
        ({**OFFICE, "workplace": Workplace.ON_SITE}, True),
        ({**OFFICE, "country": ""}, False),
        ({**OFFICE, "city": ""}, False),
        ({**OFFICE, "workplace": ""}, False),
        ({"workplace": Workplace.REMOTE, "applicant_countries": ["DE"]}, True),
        ({"workplace": Workplace.REMOTE}, False),
    ],
)
def test_has_location(fields, complete):
    assert JobPosting(**fields).has_location is complete


@pytest.mark.parametrize(
    ("fields", "summary"),
    [
        (OFFICE, "Berlin, DE · Hybrid"),
        ({**OFFICE, "workplace": Workplace.ON_SITE}, "Berlin, DE · On-site"),
        (
            {"workplace": Workplace.ON_SITE, "city": "Austin", "region": "TX", "country": "US"},
            "Austin, TX, US · On-site",
        ),
        (
            {"workplace": Workplace.REMOTE, "applicant_countries": ["FR", "DE"]},
            "Remote (Germany, France)",
        ),
        (
            {"workplace": Workplace.REMOTE, "applicant_countries": ["AT", "BE", "DE", "FR", "IT"]},
            "Remote (Austria, Belgium, Germany + 2 more)",
        ),
        ({"workplace": Workplace.REMOTE}, "Remote"),
        ({"workplace": "", "city": "Somewhere"}, "Somewhere"),
        ({}, ""),
    ],
)
def test_location_summary(fields, summary):
    assert JobPosting(**fields).location_summary == summary


def test_place_in_words():
    posting = JobPosting(**OFFICE, region="Berlin")
    assert posting.place == "Berlin, Berlin, DE"
    assert posting.place_name == "Berlin, Berlin, Germany"


@pytest.mark.django_db  # the digest covers the price, and so the plans offered
def test_the_content_digest_covers_the_location():
    """What a payment pays for includes where the job is."""
    remote = JobPosting(pk="00000000-0000-0000-0000-000000000001", workplace=Workplace.REMOTE)
    digests = set()
    for countries in (["DE"], ["DE", "FR"], ["FR"]):
        remote.applicant_countries = countries
        digests.add(remote.content_digest)
    office = JobPosting(pk=remote.pk, **OFFICE)
    digests.add(office.content_digest)
    office.country = "AT"
    digests.add(office.content_digest)
    office.workplace = Workplace.ON_SITE
    digests.add(office.content_digest)
    assert len(digests) == 6
    # The same content, the same digest: countries are read by their codes, in order.
    remote.applicant_countries = ["FR", "DE"]
    again = JobPosting(pk=remote.pk, workplace=Workplace.REMOTE, applicant_countries=["DE", "FR"])
    assert remote.content_digest == again.content_digest


# --- The migration from the free-text location ----------------------------------------------


def mapped(workplace, city="", region="", country="", applicant_countries=()):
    return {
        "workplace": workplace,
        "city": city,
        "region": region,
        "country": country,
        "applicant_countries": list(applicant_countries),
    }


@pytest.mark.parametrize(
    ("location", "remote", "expected"),
    [
        # The workplace: remote without a location is remote, with one it is hybrid.
        ("", True, mapped("remote")),
        ("Berlin, Germany", True, mapped("hybrid", "Berlin", country="DE")),
        ("Berlin, Germany", False, mapped("on_site", "Berlin", country="DE")),
        ("", False, mapped("on_site")),
        # "City, ST" is a US state.
        ("Austin, TX", False, mapped("on_site", "Austin", "TX", "US")),
        ("San Francisco, CA", True, mapped("hybrid", "San Francisco", "CA", "US")),
        # Countries by name, common name, or ISO code.
        (
            "San Francisco, California, United States",
            False,
            mapped("on_site", "San Francisco", "California", "US"),
        ),
        ("London, U.K.", False, mapped("on_site", "London", country="GB")),
        ("London, UK", False, mapped("on_site", "London", country="GB")),
        ("Amsterdam, The Netherlands", False, mapped("on_site", "Amsterdam", country="NL")),
        ("Lisbon, PT", False, mapped("on_site", "Lisbon", country="PT")),
        ("  Paris ,  france ", False, mapped("on_site", "Paris", country="FR")),
        ("Germany", False, mapped("on_site", country="DE")),
        # Not understood: all of it is the city, the country unknown.
        ("Berlin", False, mapped("on_site", "Berlin")),
        ("Building 7, 4th floor", False, mapped("on_site", "Building 7, 4th floor")),
        # A location that only says "remote" is a remote job; a country after it is
        # where applicants may live.
        ("Remote", False, mapped("remote")),
        ("Anywhere", True, mapped("remote")),
        ("Remote, Germany", True, mapped("remote", applicant_countries=["DE"])),
        ("Remote (US)", False, mapped("remote", applicant_countries=["US"])),
        ("Remote - Europe", True, mapped("remote")),
    ],
)
def test_the_migration_maps_the_free_text_location(location, remote, expected):
    assert migration.structured_location(location, remote) == expected


def test_a_long_unparsed_location_fits_the_city():
    fields = migration.structured_location("x" * 120, False)
    assert fields["city"] == "x" * 100


@pytest.mark.parametrize(
    ("fields", "old"),
    [
        (("on_site", "Berlin", "", "DE"), ("Berlin, Germany", False)),
        (("hybrid", "Austin", "TX", "US"), ("Austin, TX, United States of America", True)),
        (("remote", "", "", ""), ("", True)),
        (("on_site", "Berlin", "", ""), ("Berlin", False)),
    ],
)
def test_the_migration_goes_back_to_free_text(fields, old):
    assert migration.free_text_location(*fields) == old
    # And forwards again to the same workplace.
    location, remote = old
    assert migration.structured_location(location, remote)["workplace"] == fields[0]
