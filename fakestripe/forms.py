"""Decode Stripe's bracketed form encoding into nested dicts and lists.

The Stripe SDKs flatten parameters as ``line_items[0][price_data][currency]=usd``
and ``metadata[job_id]=7``; this module turns those pairs back into structure.
"""

from urllib.parse import parse_qsl

# Dicts under these keys hold user-chosen names, so numeric keys stay keys.
_FREE_FORM_KEYS = {"metadata"}


class FormDecodeError(ValueError):
    pass


def decode_form(encoded: str) -> dict:
    """Parse an application/x-www-form-urlencoded string with bracket keys."""
    return decode_pairs(parse_qsl(encoded, keep_blank_values=True))


def decode_pairs(pairs) -> dict:
    root: dict = {}
    for key, value in pairs:
        path = _split_key(key)
        node = root
        for part in path[:-1]:
            if part == "":
                # "a[][b]" style: each new "[]" opens a new element
                part = str(len(node))
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise FormDecodeError(f"Invalid array or hash in parameter {key!r}")
            node = child
        leaf = path[-1]
        if leaf == "":
            leaf = str(len(node))
        node[leaf] = value
    return {key: _listify(value, key) for key, value in root.items()}


def _split_key(key: str) -> list[str]:
    """'a[b][0]' -> ['a', 'b', '0']"""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    parts = [head]
    rest = "[" + rest
    while rest:
        if not rest.startswith("[") or "]" not in rest:
            raise FormDecodeError(f"Malformed parameter name {key!r}")
        inner, _, rest = rest[1:].partition("]")
        parts.append(inner)
    return parts


def _listify(node, parent_key):
    """Turn dicts whose keys are all indexes (0, 1, ...) into lists."""
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v, k) for k, v in node.items()}
    if parent_key in _FREE_FORM_KEYS or not converted:
        return converted
    if all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted
