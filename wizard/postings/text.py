"""Text as people see it: what an employer types, cleaned before it is kept or counted.

A title, a company name, a place or a description is shown to job seekers, staff and
search engines, so it is kept as it will be seen, not as it was typed:

- normalised to NFC (one code point for "é", however it was typed);
- without bidirectional controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C): a
  right-to-left override makes "Acme‮gnp.exe" read as something it is not;
- without invisible format characters (zero-width space, word joiner, BOM, soft hyphen,
  Unicode tags and the like), except a zero-width joiner or non-joiner between two
  visible characters, where it shapes an emoji or a Persian or Indic word;
- without control characters (a description keeps its line breaks and tabs; a one-line
  field has them as spaces, and its runs of spaces collapsed);
- with at most MAX_MARKS_IN_A_ROW combining marks on one character (Tibetan stacks four;
  a "Zalgo" flood of hundreds would spill over the lines around it).

Lengths are counted as people see them (`visible_length`): combining marks belong to
their character, invisible characters count for nothing, and a run of spaces is one gap.
A field that is empty once seen (only spaces, zero-width characters or blank look-alikes
such as the Hangul filler) is refused by the form, with a message that says so.

`ascii_digits` is the same idea for numbers: a phone number or an SMS code typed in any
script's digits (full-width, Arabic-Indic, Devanagari…) is kept in ASCII digits.

Used by the wizard's forms (wizard/flow/forms.py `SeenTextField`, the phone step).
"""

import re
import unicodedata

MAX_MARKS_IN_A_ROW = 4

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE, RLE, PDF, LRO, RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI, RLI, FSI, PDI
    + ["\u200e", "\u200f", "\u061c"]  # LRM, RLM, ALM
)
ZWNJ, ZWJ = "\u200c", "\u200d"
# Letters or symbols that draw nothing: with only these, a field looks empty.
BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Line and paragraph separators, and the other ways to break a line, as "\n".
LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")


def _is_mark(char):
    return unicodedata.category(char).startswith("M")


def _shows(char):
    """Whether a character is seen on its own (not a mark, space, control or blank)."""
    if char.isspace() or char in BLANK_LOOKALIKES:
        return False
    category = unicodedata.category(char)
    return not (category.startswith("M") or category in ("Cc", "Cf", "Cs", "Co", "Cn"))


def clean(value, multiline=False):
    """`value` as it will be kept and shown: see the module's docstring."""
    if not value:
        return ""
    value = LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", value))
    chars = list(value)
    kept = []
    marks = 0
    for index, char in enumerate(chars):
        category = unicodedata.category(char)
        if char in ("\n", "\t"):
            kept.append(char if multiline else " ")
        elif char in BIDI_CONTROLS or category in ("Cc", "Cs", "Co", "Cn"):
            continue
        elif char in (ZWJ, ZWNJ):
            # Meaningful only between two visible characters (an emoji sequence, a word).
            after = chars[index + 1] if index + 1 < len(chars) else ""
            if kept and (_shows(kept[-1]) or _is_mark(kept[-1])) and after and _shows(after):
                kept.append(char)
        elif category == "Cf":
            continue
        elif category.startswith("M"):
            if not kept or not (_shows(kept[-1]) or _is_mark(kept[-1])):
                continue  # a mark on nothing (or on a space) draws on its own: dropped
            marks += 1
            if marks <= MAX_MARKS_IN_A_ROW:
                kept.append(char)
            continue
        else:
            kept.append(char)
        marks = 0
    text = "".join(kept)
    if multiline:
        lines = [line.rstrip() for line in text.split("\n")]
        text = "\n".join(lines)
    else:
        text = " ".join(text.split())
    text = text.strip()
    return text if has_visible(text) else ""


def has_visible(value):
    """Whether anything in `value` is seen."""
    return any(_shows(char) for char in value or "")


def visible_length(value):
    """How many characters people see in `value`: marks and invisible characters count for
    nothing, a run of spaces (between visible characters) for one."""
    count = 0
    gap = False
    for char in value or "":
        if _shows(char):
            if gap and count:
                count += 1
            count += 1
            gap = False
        elif char.isspace() or char in BLANK_LOOKALIKES:
            gap = True
    return count


def ascii_digits(value):
    """`value` with every decimal digit, in any script, as its ASCII digit; full-width
    signs and spaces as their ASCII forms (NFKC), invisible format characters gone."""
    value = unicodedata.normalize("NFKC", value or "")
    out = []
    for char in value:
        digit = unicodedata.decimal(char, None)
        if digit is not None:
            out.append(str(digit))
        elif unicodedata.category(char) != "Cf":
            out.append(char)
    return "".join(out)
