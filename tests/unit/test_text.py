"""Text as people see it (wizard/postings/text.py): each hostile input, and properties."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.postings import text

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"


def test_bidirectional_controls_are_removed():
    # "Acme" with a right-to-left override that makes a name read backwards.
    assert text.clean(f"Acme{RLO}gnp.exe{PDF}") == "Acmegnp.exe"
    for char in text.BIDI_CONTROLS:
        assert text.clean(f"a{char}b") == "ab"
    assert len(text.BIDI_CONTROLS) == 12


def test_text_is_nfc():
    assert text.clean("Cafe\u0301") == "Café"
    assert unicodedata.is_normalized("NFC", text.clean("Ångström\u0301"))


def test_zero_width_characters_that_mean_nothing_are_removed():
    assert text.clean("Sen\u200bior\u2060 Dev\ufeff\u00ad") == "Senior Dev"
    # A joiner at the start, at the end or beside a space carries no meaning.
    assert text.clean("\u200dAcme \u200cCorp\u200d") == "Acme Corp"


def test_joiners_that_shape_a_word_or_an_emoji_are_kept():
    assert text.clean("👩\u200d💻 engineer") == "👩\u200d💻 engineer"
    assert text.clean("می\u200cخواهم") == "می\u200cخواهم"  # Persian: a non-joiner inside a word


def test_only_invisible_characters_is_empty():
    for typed in ["\u200b\u200b\u200b", f"{RLO}{PDF}", "\u3164\u3164", "\u2800", " \u00a0\u3000 "]:
        assert text.clean(typed) == ""
        assert not text.has_visible(typed)


def test_combining_marks_are_capped():
    zalgo = "Z" + "\u0336\u0337\u0338\u0339" * 25 + "algo"
    cleaned = text.clean(zalgo)
    assert cleaned[0] == "Z" and cleaned.endswith("algo")
    assert len(cleaned) == 1 + text.MAX_MARKS_IN_A_ROW + 4
    # Marks in real words stay: Vietnamese, Devanagari, Tibetan.
    for word in ["Tiếng Việt", "हिन्दी", "བསྒྲུབས"]:
        assert text.clean(word) == unicodedata.normalize("NFC", word)


def test_a_mark_on_nothing_is_dropped():
    assert text.clean("\u0301\u0301Acme") == "Acme"
    assert text.clean("Acme \u0301Corp") == "Acme Corp"


def test_one_line_fields_collapse_spaces_and_breaks():
    assert text.clean("  Senior\n\tDjango \u2028 Engineer  ") == "Senior Django Engineer"


def test_a_description_keeps_its_lines():
    typed = "First line\r\nSecond\u2028third  \n\n- item\x00\x07"
    assert text.clean(typed, multiline=True) == "First line\nSecond\nthird\n\n- item"


def test_visible_length_counts_what_is_seen():
    assert text.visible_length("Café") == 4
    assert text.visible_length("Cafe\u0301") == 4
    assert text.visible_length("a\u200b\u200b\u200bb") == 2
    assert text.visible_length("a     b") == 3
    assert text.visible_length("  ab  ") == 2
    assert text.visible_length("\u3164" * 30) == 0


def test_ascii_digits():
    assert text.ascii_digits("+1415555０100") == "+14155550100"
    assert text.ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert text.ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"  # Persian
    assert text.ascii_digits("＋４４") == "+44"
    assert text.ascii_digits("\u200e12\u200f") == "12"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(), st.booleans())
def test_clean_is_idempotent_and_leaves_nothing_hostile(typed, multiline):
    cleaned = text.clean(typed, multiline=multiline)
    assert text.clean(cleaned, multiline=multiline) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not set(cleaned) & text.BIDI_CONTROLS
    assert cleaned == "" or text.has_visible(cleaned)
    run = 0
    for char in cleaned:
        assert unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn") or char in "\n\t"
        run = run + 1 if unicodedata.category(char).startswith("M") else 0
        assert run <= text.MAX_MARKS_IN_A_ROW
    assert text.visible_length(cleaned) <= len(cleaned)
