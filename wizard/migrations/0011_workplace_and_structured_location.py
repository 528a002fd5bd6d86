# The free-text `location` and the `remote` flag become a workplace (on-site, hybrid,
# remote) and a structured location: the office's city, region and country (ISO 3166-1
# alpha-2), or, for a fully remote job, the countries its applicants may live in.
#
# Mapping (structured_location): remote without a location → remote; remote with a
# location → hybrid ("Berlin + remote possible" has an office); otherwise on-site. The
# text is parsed where it can be: "City, Country", "City, ST" (a US state), "City,
# Region, Country", a country alone. What cannot be parsed stays as the city, without
# a country; a migrated remote job has no applicant countries. Those postings lack what
# Google needs: a draft's details step asks for the rest, and a paid posting shows in
# the admin's "needs attention" ("Location incomplete") until staff complete it.
#
# Reversible: going back writes "City, Region, Country name" into `location` and sets
# `remote` for hybrid and remote jobs (free_text_location). A remote job's applicant
# countries have no place in the old fields and are lost.
#
# This file keeps its own copy of what it needs (no import of the app's code, which
# will change), so that it migrates the same way for ever.

import django_countries.fields
from django.db import migrations, models
from django_countries import countries

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
)

# Names people write that are not django-countries' own (which by_name finds).
COUNTRY_ALIASES = {
    "us": "US",
    "u.s.": "US",
    "usa": "US",
    "u.s.a.": "US",
    "united states": "US",
    "america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "the netherlands": "NL",
    "holland": "NL",
    "ivory coast": "CI",
}

# A location that says only that the job is remote.
NOWHERE = frozenset({"remote", "anywhere", "worldwide", "remote only", "fully remote", "global"})

CITY_MAX_LENGTH = 100


def country_code(text):
    """The ISO code of a country named in `text` ("Germany", "UK", "DE"), or ""."""
    text = text.strip()
    if text.lower() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text.lower()]
    if len(text) == 2 and text.isupper() and text in countries:
        return text
    return countries.by_name(text)


def structured_location(location, remote):
    """The new fields for one posting's old `location` text and `remote` flag."""
    text = " ".join((location or "").split())
    fields = {"workplace": "", "city": "", "region": "", "country": "", "applicant_countries": []}

    # "Remote", "Remote, Germany", "Remote (EU)": the text says the job is remote.
    words = text.replace("(", ",").replace(")", ",").replace(" - ", ",").split(",")
    parts = [part.strip() for part in words if part.strip()]
    if parts and parts[0].lower() in NOWHERE:
        rest = [part for part in parts[1:] if part.lower() not in NOWHERE]
        codes = [country_code(part) for part in rest]
        fields["workplace"] = "remote"
        fields["applicant_countries"] = [code for code in codes if code]
        return fields

    fields["workplace"] = "hybrid" if remote and text else "remote" if remote else "on_site"
    if not text:
        return fields

    parts = [part.strip() for part in text.split(",") if part.strip()]
    *place, last = parts
    if len(last) == 2 and last.isupper() and last in US_STATES:
        fields.update(region=last, country="US")
    elif code := country_code(last):
        fields["country"] = code
        if len(place) >= 2:
            *place, region = place
            fields["region"] = region
    else:
        place = parts  # not understood: all of it is the city, the country unknown
    fields["city"] = ", ".join(place)[:CITY_MAX_LENGTH]
    return fields


def free_text_location(workplace, city, region, country):
    """The old (`location`, `remote`) for one posting's new fields (the way back)."""
    name = countries.name(country) if country else ""
    location = ", ".join(part for part in (city, region, name) if part)
    return location[:120], workplace in ("hybrid", "remote")


def forwards(apps, schema_editor):
    JobPosting = apps.get_model("wizard", "JobPosting")
    rows = JobPosting.objects.values_list("pk", "location", "remote")
    for pk, location, remote in rows.iterator():
        # update(), not save(): the status field is protected, and nothing else changes.
        JobPosting.objects.filter(pk=pk).update(**structured_location(location, remote))


def backwards(apps, schema_editor):
    JobPosting = apps.get_model("wizard", "JobPosting")
    rows = JobPosting.objects.values_list("pk", "workplace", "city", "region", "country")
    for pk, workplace, city, region, country in rows.iterator():
        location, remote = free_text_location(workplace, city, region, str(country or ""))
        JobPosting.objects.filter(pk=pk).update(location=location, remote=remote)


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0010_manage_nonce"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobposting",
            name="workplace",
            field=models.CharField(
                blank=True,
                choices=[("on_site", "On-site"), ("hybrid", "Hybrid"), ("remote", "Remote")],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="jobposting",
            name="city",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="jobposting",
            name="region",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="jobposting",
            name="country",
            field=django_countries.fields.CountryField(blank=True, max_length=2),
        ),
        migrations.AddField(
            model_name="jobposting",
            name="applicant_countries",
            field=django_countries.fields.CountryField(blank=True, max_length=746, multiple=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="jobposting",
            name="location",
        ),
        migrations.RemoveField(
            model_name="jobposting",
            name="remote",
        ),
    ]
