import uuid

import pytest

from wizard.postings.reference import ALPHABET, id_range, reference


def test_a_reference_is_short_and_readable():
    ref = reference(uuid.UUID("3a4f9c10-0000-4000-8000-000000000000"))
    assert ref.startswith("JW-") and len(ref) == 10
    assert set(ref[3:]) <= set(ALPHABET)


@pytest.mark.parametrize("seed", range(50))
def test_the_typed_reference_finds_its_posting(seed):
    posting_id = uuid.UUID(int=(seed * 0x9E3779B97F4A7C15 << 64) % (1 << 128) | seed)
    ref = reference(posting_id)
    for typed in (ref, ref.lower(), ref[3:], "JW " + ref[3:]):
        low, high = id_range(typed)
        assert low <= posting_id <= high
    low, high = id_range(ref)
    assert reference(low) == reference(high) == ref


def test_look_alike_letters_are_read_as_digits():
    ref = reference(uuid.UUID(int=0))  # JW-0000000
    assert id_range("JW-OOOOOOO") == id_range(ref)


@pytest.mark.parametrize("text", ["", "JW-", "JW-12345", "JW-12345678", "hello", "JW-UUUUUUU"])
def test_anything_else_is_not_a_reference(text):
    assert id_range(text) is None
