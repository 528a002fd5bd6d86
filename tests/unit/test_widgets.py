"""LongSelect draws what Django's Select draws, from a cached string."""

from django import forms

from wizard.flow.widgets import LongSelect, LongSelectMultiple

CHOICES = [("", "---------"), ("CI", "Côte d'Ivoire"), ("DE", "Germany"), ("X<", "<b>")]


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = LongSelect(choices=CHOICES).render("country", "DE", {"id": "id_country"})
    assert html.startswith('<select name="country" id="id_country">')
    assert '<option value="DE" selected>Germany</option>' in html
    assert '<option value="CI">Côte d&#x27;Ivoire</option>' in html
    assert '<option value="X&lt;">&lt;b&gt;</option>' in html
    assert html.count(" selected") == 1


def test_the_same_selection_is_drawn_once_then_reused():
    widget = LongSelect(choices=CHOICES)
    assert widget.render("c", "DE") == widget.render("c", "DE")
    assert widget.render("c", "CI") != widget.render("c", "DE")


def test_a_multiple_select_reads_and_marks_every_value():
    widget = LongSelectMultiple(choices=CHOICES, attrs={"size": 8})
    html = widget.render("where", ["CI", "DE"])
    assert 'size="8"' in html and " multiple>" in html and html.count(" selected") == 2
    assert widget.value_from_datadict({"where": ["CI", "DE"]}, {}, "where") == ["CI", "DE"]


def test_it_matches_djangos_select_option_for_option():
    ours = LongSelect(choices=CHOICES).render("c", "DE")
    django = forms.Select(choices=CHOICES).render("c", "DE")
    squash = lambda html: "".join(html.split()).replace("&#39;", "&#x27;")  # noqa: E731
    assert squash(ours) == squash(django)
