"""Where the job is: the workplace (on-site, hybrid, remote) and what each needs, for the
model (LocationMixin), its forms and the admin (one rule: `clean_location`), the board
and Google's JSON-LD (wizard.board.jsonld)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from wizard.postings import attention
from wizard.postings.statuses import Status


class Workplace(models.TextChoices):
    """Where the work is done. Only a fully remote job is TELECOMMUTE for Google: a hybrid
    job has an office the employee reports to (wizard.board.jsonld)."""

    ON_SITE = "on_site", "On-site"
    HYBRID = "hybrid", "Hybrid"
    REMOTE = "remote", "Remote"


class LocationMixin:
    """The posting's location fields, read and checked (mixed into JobPosting)."""

    @property
    def is_remote(self):
        return self.workplace == Workplace.REMOTE

    @property
    def has_location(self):
        """The workplace and what it needs are given: an office's city and country, or a
        remote job's applicant countries. Postings migrated from the free-text location
        may lack them (see the "location" needs-attention reason)."""
        if self.workplace == Workplace.REMOTE:
            return bool(self.applicant_countries)
        return bool(self.workplace and self.city and self.country)

    def clean(self):
        super().clean()
        self.clean_location()

    def clean_location(self):
        """Keep only the location fields the workplace uses, and require those.

        Fields the workplace does not use are emptied, not refused: a form that works
        without JavaScript shows them all, and switching to "Remote" must not leave an
        office behind that nobody sees. Worldwide ("anywhere") remote jobs are not
        offered: Google requires at least one country in applicantLocationRequirements
        and has no value for "anywhere", so the employer names the countries.
        """
        errors = {}
        if self.workplace == Workplace.REMOTE:
            self.city = self.region = ""
            self.country = ""
            if not self.applicant_countries:
                errors["applicant_countries"] = (
                    "Choose at least one country where applicants may live"
                )
        elif self.workplace:
            self.applicant_countries = []
            self.city, self.region = self.city.strip(), self.region.strip()
            if not self.city:
                errors["city"] = "Enter the city where the office is"
            if not self.country:
                errors["country"] = "Choose the country where the office is"
        if errors:
            raise ValidationError(errors)

    @property
    def place(self):
        """The office, short: "Austin, TX, US"; "" for a remote job."""
        return ", ".join(part for part in (self.city, self.region, self.country.code) if part)

    @property
    def place_name(self):
        """The office, in words: "Austin, TX, United States"."""
        return ", ".join(part for part in (self.city, self.region, self.country.name) if part)

    @property
    def applicant_country_names(self):
        return ", ".join(country.name for country in self.applicant_countries)

    # How many applicant countries the one-line summary names before "+ N more".
    SUMMARY_COUNTRIES = 3

    @property
    def location_summary(self):
        """One line: "Berlin, DE · Hybrid", "Remote (Germany, France)", "" if not given."""
        if not self.workplace:
            return self.place
        label = self.get_workplace_display()
        if self.is_remote:
            names = [country.name for country in self.applicant_countries]
            if not names:
                return label
            shown = ", ".join(names[: self.SUMMARY_COUNTRIES])
            more = len(names) - self.SUMMARY_COUNTRIES
            return f"{label} ({shown} + {more} more)" if more > 0 else f"{label} ({shown})"
        return f"{self.place} · {label}" if self.place else label


@attention.reason("location", "Location incomplete (no JSON-LD for Google)")
def _location_incomplete():
    """A paid posting whose location lacks what Google needs: one migrated from the
    free-text location, say. The board shows it, but without structured data."""
    office = Q(workplace__in=[Workplace.ON_SITE, Workplace.HYBRID])
    incomplete = (
        Q(workplace="")
        | (office & (Q(city="") | Q(country="")))
        | Q(workplace=Workplace.REMOTE, applicant_countries="")
    )
    live = [Status.PAID, Status.CONFIRMED, Status.IN_REVIEW, Status.PUBLISHED]
    return Q(status__in=live) & incomplete
