"""A select over a long list that does not change (the countries), drawn in one pass from
options made once per process and language, instead of through the template engine
option by option: its country lists, about 250 options each, were most of the details
step's cost (make bench).

- Each option's HTML is made once per list and language; a page joins ready strings,
  marking the chosen ones.
- A lazy list (django-countries gives the model's fields one, read again in the active
  language on every use: 0.7 ms for 250 countries) is read once per language, and every
  form's copy of the widget shares what was read.
- Options are written without their end tags, which HTML does not need before another
  option or the end of the select, and a value of letters and digits (a country's code)
  without quotes: a third fewer bytes.

It takes a flat list of (value, label) pairs, no groups."""

import re
from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# An attribute value HTML reads without quotes.
BARE_VALUE = re.compile(r"[A-Za-z0-9_-]+")


@lru_cache(maxsize=32)
def _drawn(language, pairs):
    """(value, HTML unselected, HTML selected) of each option; `language` is in the key
    because lazy labels hash and compare alike in every language."""
    drawn = []
    for value, label in pairs:
        value = str(value)
        attribute = value if BARE_VALUE.fullmatch(value) else format_html('"{}"', value)
        drawn.append(
            (
                value,
                format_html("<option value={}>{}", attribute, label),
                format_html("<option value={} selected>{}", attribute, label),
            )
        )
    return tuple(drawn)


class LongSelect(forms.Select):
    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        # A list comes from the field, which has just put it in order (normalize_choices,
        # 250 calls): doing it again would cost as much.
        self._choices = value if isinstance(value, list) else normalize_choices(value)
        self._read = {}  # a lazy list as read, by language

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied._read = self._read  # each form copies its fields: keep what was read
        return copied

    def options(self):
        language = get_language()
        pairs = self.choices
        if isinstance(pairs, BaseChoiceIterator):
            if language not in self._read:
                self._read[language] = tuple(pairs)
            pairs = self._read[language]
        else:
            pairs = tuple(pairs)
        return _drawn(language, pairs)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        selected = frozenset(self.format_value(value))
        options = "".join(
            chosen if value in selected else plain for value, plain, chosen in self.options()
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe(options)
        )


class LongSelectMultiple(LongSelect, forms.SelectMultiple):
    """Reads a list from the form data, as SelectMultiple does."""
