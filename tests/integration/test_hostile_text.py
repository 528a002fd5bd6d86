"""Hostile text in the details step: kept as people will see it, or refused when it shows
as nothing (wizard/postings/text.py through the details form)."""

import pytest

from tests.conftest import VALID_DETAILS, step_url
from tests.factories import own, posting_reaching
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db

INVISIBLE = "This shows as nothing"


@pytest.fixture
def draft(client):
    posting = posting_reaching("details")
    own(client, posting)
    return posting


def save(client, draft, **changes):
    return client.post(step_url("details", draft), {**VALID_DETAILS, **changes})


def saved(draft):
    return JobPosting.objects.get(pk=draft.pk)


@pytest.mark.parametrize(
    "typed",
    [
        "\u200b\u200b\u200b",  # zero-width spaces only
        "\u202e\u202c",  # bidi controls only
        "\u3164\u3164",  # Hangul fillers: letters that draw nothing
        "\u2800",  # braille blank
        "\u200d\u2060\ufeff",  # joiner, word joiner, BOM
        "\u0301\u0301\u0301",  # marks on nothing
    ],
)
@pytest.mark.parametrize("field", ["title", "company_name"])
def test_a_field_that_shows_as_nothing_is_refused(client, draft, field, typed):
    response = save(client, draft, **{field: typed})
    assert response.status_code == 422
    assert INVISIBLE.encode() in response.content
    assert getattr(saved(draft), field) == ""


def test_an_invisible_optional_field_is_refused_too(client, draft):
    response = save(client, draft, region="\u200b")
    assert response.status_code == 422
    assert INVISIBLE.encode() in response.content


def test_a_right_to_left_override_cannot_spoof_a_name(client, draft):
    response = save(client, draft, company_name="Acme\u202e cipuS\u202c", title="\u2067Dev\u2069")
    assert response.status_code == 302
    posting = saved(draft)
    assert posting.company_name == "Acme cipuS"
    assert posting.title == "Dev"


def test_text_is_kept_in_nfc_without_zero_width_characters(client, draft):
    response = save(client, draft, title="Cafe\u0301 \u200bbarista\u2060", city=" Ko\u0308ln ")
    assert response.status_code == 302
    posting = saved(draft)
    assert posting.title == "Café barista"
    assert posting.city == "Köln"


def test_a_flood_of_combining_marks_is_capped(client, draft):
    response = save(client, draft, title="Z" + "\u0336" * 500 + "algo")
    assert response.status_code == 302
    assert saved(draft).title == "Z" + "\u0336" * 4 + "algo"


def test_the_description_minimum_counts_visible_characters(client, draft):
    padded = "Short." + "\u200b" * 60
    response = save(client, draft, description=padded)
    assert response.status_code == 422
    assert b"at least 30 characters" in response.content
    spaced = "Short." + " " * 60 + "Job."
    assert save(client, draft, description=spaced).status_code == 422
    marked = "Jobs" + "\u0301" * 4 * 10  # 4 letters, 40 marks
    assert save(client, draft, description=marked).status_code == 422


def test_a_description_of_thirty_visible_characters_is_enough(client, draft):
    description = "Build reliable things, Django."  # 30 characters
    assert len(description) == 30
    response = save(client, draft, description=description + "\u200b")
    assert response.status_code == 302
    assert saved(draft).description == description


def test_maximum_lengths_count_what_is_seen(client, draft):
    too_long = save(client, draft, title="a" * 121)
    assert too_long.status_code == 422
    assert b"Use at most 120 characters (this has 121)" in too_long.content
    # Invisible padding counts for nothing, and is not kept.
    padded = save(client, draft, title="Dev" + "\u200b" * 400, company_name="Acme" + "\u2060" * 400)
    assert padded.status_code == 302
    assert (saved(draft).title, saved(draft).company_name) == ("Dev", "Acme")
    # Marks a script needs are kept; the column's limit (code points) is said plainly.
    marked = "q\u0323\u0301" * 40  # 40 seen, 120 code points: no precomposed form
    assert save(client, draft, title=marked).status_code == 302
    assert saved(draft).title == marked
    over = save(client, draft, title=marked + "q\u0323")
    assert over.status_code == 422
    assert b"with its accents and marks it is more than we can keep" in over.content
