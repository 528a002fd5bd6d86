"""The board's search box (`q`) and location filter.

On PostgreSQL `q` is a full-text search over each posting's stored search vector
(wizard.postings.search: title, company, description, and the office's city and region),
parsed as a web search (`websearch_to_tsquery`: words are ANDed, "quoted phrases", `or`,
`-word`), with the last word also taken as the start of a word while the visitor types
("pyth" finds Python), through a GIN index. The matches come in the board's order
(`BOARD_ORDER`: featured first, then newest), not ranked: ranking reads and scores every
match before the first page can be shown (seconds for a common word at a million
postings), while the board's order lets PostgreSQL stop after one page (docs/board.md,
"Search"). A country's name ("Germany", "UK") also finds the jobs there and the remote jobs
open to its residents, as the location filter does.

SQLite has no text search: there `q` is a case-insensitive substring match of the title,
company, description or location, in the same order (what the board did before issue 11).
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import F, Func, IntegerField, Q, TextField, Value
from django.db.models.functions import Cast
from django_countries import countries

from wizard.postings.search import SEARCH_CONFIG

# The board's order, filtered or searched: featured postings pinned above the others, each
# group newest first (pk breaks a tie, so pages never overlap).
BOARD_ORDER = ("-featured", "-published_at", "-pk")


def in_order(postings, few):
    """`postings` in the board's order. With `few` (the capped count found them all), the
    same order written so that no index gives it (the flag as a number): PostgreSQL then
    finds the matches first, through the GIN and location indexes, and sorts them, rather
    than walking the board's order index in the hope of meeting them soon, which for a
    rare word it misjudges and reads all the published postings (seconds at a million)."""
    if not few:
        return postings.order_by(*BOARD_ORDER)
    return postings.order_by(Cast("featured", IntegerField()).desc(), *BOARD_ORDER[1:])


# What people call countries that django-countries names otherwise.
COUNTRY_ALIASES = {"uk": "GB", "usa": "US", "america": "US", "britain": "GB", "holland": "NL"}

# A search that ends with a plain word (not negated, not "or"), with no quoted phrase.
_LAST_WORD = re.compile(r"^(?P<head>|.*\s)(?P<last>\w+)$", re.DOTALL)


def country_codes(text):
    """The codes of the countries `text` may mean: its code ("DE"), a common alias
    ("UK"), or the start of a word of its name ("germ", "kingdom")."""
    text = text.strip().lower()
    if len(text) < 2:
        return set()
    codes = {code for code, name in countries if name.lower().startswith(text)} | {
        code
        for code, name in countries
        if any(word.startswith(text) for word in name.lower().replace(",", " ").split())
    }
    if text.upper() in countries:
        codes.add(text.upper())
    if text in COUNTRY_ALIASES:
        codes.add(COUNTRY_ALIASES[text])
    return codes


class ApplicantCountries(Func):
    """A posting's applicant countries as an array of codes, on PostgreSQL: the expression
    of migration 0036's GIN index, which finds the remote jobs open to a country."""

    function = "string_to_array"
    template = "%(function)s((%(expressions)s)::text, ',')"
    output_field = ArrayField(TextField())

    def __init__(self):
        super().__init__(F("applicant_countries"))


def in_countries(codes, postgresql):
    """Jobs with an office in one of `codes`, and remote jobs open to its residents."""
    match = Q(country__in=codes)
    if postgresql:
        codes = Value(sorted(codes), output_field=ArrayField(TextField()))
        return match | Q(Overlap(ApplicantCountries(), codes))
    # applicant_countries holds codes joined by commas: two letters in a row are always
    # one whole code.
    for code in sorted(codes):
        match |= Q(applicant_countries__contains=code)
    return match


def located_in(text, postgresql):
    """Jobs whose office's city, region or country matches `text`, and remote jobs open
    to applicants living in a country it names. On PostgreSQL each part has an index of
    the published postings (migration 0036): a place nobody posts in is found absent at
    once, not by reading every posting."""
    match = Q(city__icontains=text) | Q(region__icontains=text)
    codes = country_codes(text)
    if codes:
        match |= in_countries(codes, postgresql)
    return match


def locate(postings, text):
    """The location filter: `postings` `located_in` `text`."""
    return postings.filter(located_in(text, uses_full_text(postings)))


def uses_full_text(postings):
    return connections[postings.db].vendor == "postgresql"


def search(postings, text):
    """`postings` that match the visitor's `text`, in the board's order."""
    if not uses_full_text(postings):
        return postings.filter(
            Q(title__icontains=text)
            | Q(company_name__icontains=text)
            | Q(description__icontains=text)
            | located_in(text, postgresql=False)
        ).order_by(*BOARD_ORDER)
    match = Q(search_vector=web_search_query(text))
    if codes := country_codes(text):
        match |= in_countries(codes, postgresql=True)
    return postings.filter(match).order_by(*BOARD_ORDER)


def web_search_query(text):
    """websearch_to_tsquery(text); when `text` ends with a plain word, that word may also be
    the start of a longer one: the visitor may still be typing it."""
    exact = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    found = _LAST_WORD.match(text.strip())
    if not found or '"' in text or found["last"].lower() == "or":
        return exact
    # \w+ only: nothing in it is tsquery syntax.
    prefix = SearchQuery(f"{found['last']}:*", config=SEARCH_CONFIG, search_type="raw")
    head = found["head"].strip()
    if head:
        prefix = SearchQuery(head, config=SEARCH_CONFIG, search_type="websearch") & prefix
    return exact | prefix
