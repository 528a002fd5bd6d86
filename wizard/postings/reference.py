"""The short reference people read out: "JW-" and seven Crockford base32 characters.

It is the first 35 bits of the posting's UUID (random in a uuid4), so it needs no column
and the previous release's rows have one too. Two postings share a reference only by
chance (under 1 % up to 26,000 postings); looking one up gives the range of UUIDs that
start with those bits, so a shared one finds both and nothing is mistaken silently.
Crockford's alphabet leaves out I, L, O and U; reading accepts them as 1, 1, 0 and V's
neighbours are not guessed: a U is refused.
"""

import re
import uuid

PREFIX = "JW-"
LENGTH = 7
BITS = LENGTH * 5
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"I": "1", "L": "1", "O": "0"}
_SHAPE = re.compile(rf"^(?:JW)?[-\s]*([0-9A-Z]{{{LENGTH}}})$")


def reference(posting_id) -> str:
    value = uuid.UUID(str(posting_id)).int >> (128 - BITS)
    chars = [ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH))]
    return PREFIX + "".join(chars)


def id_range(text):
    """The (lowest, highest) UUIDs a typed reference can stand for, or None when `text`
    is not a reference ("jw-7k3f9qa", "JW 7K3F9QA" and "7K3F9QA" all are)."""
    match = _SHAPE.match(text.strip().upper())
    if not match:
        return None
    value = 0
    for char in match.group(1):
        char = _READ_AS.get(char, char)
        if char not in ALPHABET:
            return None
        value = value * 32 + ALPHABET.index(char)
    low = value << (128 - BITS)
    return uuid.UUID(int=low), uuid.UUID(int=low | ((1 << (128 - BITS)) - 1))
