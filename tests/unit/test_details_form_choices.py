from django.utils import translation

from wizard.flow.forms import DetailsForm


def test_the_country_field_lists_countries_in_the_active_language():
    assert "<option value=DE>Germany" in str(DetailsForm()["country"])
    with translation.override("de"):
        assert "<option value=DE>Deutschland" in str(DetailsForm()["country"])
    assert "<option value=DE>Germany" in str(DetailsForm()["country"])


def test_forms_do_not_share_what_one_changes_of_a_field():
    form = DetailsForm()
    form.fields["title"].required = False
    form.fields["title"].widget.attrs["required"] = False
    other = DetailsForm()
    assert other.fields["title"].required
    assert other.fields["title"].widget.attrs["required"] is True
