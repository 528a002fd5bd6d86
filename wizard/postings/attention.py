"""Why a posting needs staff attention. Each area contributes its own reasons.

    attention.reason("webhook", "Webhook error")(lambda: Exists(...))

`annotate(queryset)` adds one boolean per reason (`attention_<name>`) and their
union (`needs_attention`), in a fixed number of queries however many postings.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

_REASONS = {}


def reason(name, label):
    """Register `expression()` (an expression over a posting row) as a reason."""

    def register(expression):
        _REASONS[name] = (label, expression)
        return expression

    return register


def reasons():
    """(name, label) of every reason, in registration order."""
    return [(name, label) for name, (label, _) in _REASONS.items()]


def annotate(queryset):
    fields = {f"attention_{name}": expression() for name, (_, expression) in _REASONS.items()}
    union = reduce(or_, (Q(**{field: True}) for field in fields), Q(pk__in=[]))
    return queryset.annotate(**fields).annotate(needs_attention=union)
