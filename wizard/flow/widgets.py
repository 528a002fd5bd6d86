"""A select over a long list that does not change (the countries), drawn from a string
made once per process and selection instead of through the template engine option by
option: its two country lists, about 250 options each, were most of the details
step's cost (make bench). The HTML is what Django's Select draws."""

from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


@lru_cache(maxsize=256)
def _options(choices, selected):
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value in selected else "", label)
            for value, label in choices
        ),
    )


class LongSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        choices = tuple((str(value), str(label)) for value, label in self.choices)
        selected = frozenset(self.format_value(value))
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), _options(choices, selected)
        )


class LongSelectMultiple(LongSelect, forms.SelectMultiple):
    """Reads a list from the form data, as SelectMultiple does."""
