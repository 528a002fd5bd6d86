"""LongSelect draws the options Django's Select draws, in fewer bytes, from options made
once per list and language."""

import copy
from html.parser import HTMLParser

from django import forms
from django.utils.translation import override

from wizard.flow.forms import DetailsForm
from wizard.flow.widgets import LongSelect, LongSelectMultiple

CHOICES = [("", "---------"), ("CI", "Côte d'Ivoire"), ("DE", "Germany"), ("X<", "<b>")]


class Options(HTMLParser):
    """The options as a browser reads them: (value, selected, text)."""

    def __init__(self, html):
        super().__init__()
        self.options = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "option":
            attrs = dict(attrs)
            self.options.append([attrs["value"], "selected" in attrs, ""])

    def handle_endtag(self, tag):
        if tag == "select":
            self.options = [tuple(option) for option in self.options]

    def handle_data(self, data):
        if self.options:
            self.options[-1][2] += data.strip()


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = LongSelect(choices=CHOICES).render("country", "DE", {"id": "id_country"})
    assert html.startswith('<select name="country" id="id_country">')
    assert "<option value=DE selected>Germany<option" in html
    assert "<option value=CI>Côte d&#x27;Ivoire<option" in html
    # A value that is not only letters and digits keeps its quotes.
    assert html.endswith('<option value="X&lt;">&lt;b&gt;</select>')
    assert '<option value="">---------<option' in html
    assert html.count(" selected") == 1


def test_it_reads_as_djangos_select_in_fewer_bytes():
    for value in ("DE", "", "X<"):
        ours = LongSelect(choices=CHOICES).render("c", value)
        django = forms.Select(choices=CHOICES).render("c", value)
        assert Options(ours).options == Options(django).options
        assert len(ours) < len(django)


def test_a_multiple_select_reads_and_marks_every_value():
    widget = LongSelectMultiple(choices=CHOICES, attrs={"size": 8})
    html = widget.render("where", ["CI", "DE"])
    assert 'size="8"' in html and " multiple>" in html and html.count(" selected") == 2
    assert widget.value_from_datadict({"where": ["CI", "DE"]}, {}, "where") == ["CI", "DE"]


def test_a_lazy_list_is_read_once_per_language_by_every_copy():
    """Forms copy their fields: the copies share the list as read, so a page does not read
    (and, with django-countries, translate) 250 countries again."""
    reads = []

    def countries():
        reads.append(1)
        return CHOICES

    widget = LongSelect(choices=countries)
    for _ in range(3):
        assert "Germany" in copy.deepcopy(widget).render("c", "DE")
    assert len(reads) == 1
    with override("de"):
        copy.deepcopy(widget).render("c", "DE")
    assert len(reads) == 2


def test_new_choices_are_drawn_anew():
    widget = LongSelect(choices=CHOICES)
    assert "Germany" in widget.render("c", "")
    widget.choices = [("FR", "France")]
    assert Options(widget.render("c", "FR")).options == [("FR", True, "France")]


def test_the_country_fields_of_the_details_form_keep_their_choices():
    form = DetailsForm(data={"country": "DE", "applicant_countries": ["DE", "FR"]})
    assert form["country"].value() == "DE"
    options = Options(str(form["applicant_countries"])).options
    assert len(options) > 240
    assert ("DE", True, "Germany") in options and ("FR", True, "France") in options
    assert not form.has_error("country") and not form.has_error("applicant_countries")
