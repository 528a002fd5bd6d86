from functools import lru_cache

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import get_language
from django_countries import countries

from wizard.flow.widgets import LongSelect, LongSelectMultiple
from wizard.postings import logos, markdown, text
from wizard.postings.models import Currency, EmploymentType, JobPosting, Workplace


class LogoForm(forms.Form):
    logo = forms.FileField(
        label="Choose your company logo",
        help_text="PNG, JPEG or WebP, up to 2 MB. We resize it to fit 512 × 512 pixels.",
        error_messages={
            "required": "Choose a logo to upload, or continue without a logo",
            "empty": "The chosen file is empty: choose another, or continue without a logo",
        },
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def clean_logo(self):
        upload = self.cleaned_data["logo"]
        self.png_bytes = logos.reencode_logo(upload)
        return upload


class SeenTextField(forms.CharField):
    """Free text as people see it (wizard/postings/text.py): cleaned before it is checked,
    its lengths counted in visible characters, and refused when it shows as nothing."""

    multiline = False

    def __init__(self, *, max_length=None, min_length=None, storage_max=None, **kwargs):
        # max_length (the model's) is counted in characters as seen; the column's limit
        # counts code points, which the marks and joiners a script needs add to.
        self.max_visible = max_length
        self.min_visible = min_length
        self.storage_max = storage_max if storage_max is not None else max_length
        # No maxlength attribute: the browser would count code units, not what is seen.
        super().__init__(**kwargs)

    def to_python(self, value):
        typed = super().to_python(value)
        cleaned = text.clean(typed, multiline=self.multiline)
        if typed and not cleaned:
            raise forms.ValidationError(
                "This shows as nothing: it holds only spaces or invisible characters. "
                "Type it in letters or digits.",
                code="invisible",
            )
        return cleaned

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        length = text.visible_length(value)
        if self.max_visible is not None and length > self.max_visible:
            raise forms.ValidationError(
                f"Use at most {self.max_visible} characters (this has {length}).",
                code="max_length",
            )
        if self.storage_max is not None and len(value) > self.storage_max:
            raise forms.ValidationError(
                f"Keep this shorter: with its accents and marks it is more than we can keep "
                f"({len(value)} of {self.storage_max} code points).",
                code="max_length",
            )
        if self.min_visible is not None and length < self.min_visible:
            raise forms.ValidationError(
                f"Write at least {self.min_visible} characters (it has {length}).",
                code="min_length",
            )


class SeenMultilineTextField(SeenTextField):
    """The same, keeping line breaks (a description)."""

    multiline = True


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"

# What to do, in the GOV.UK manner, for each details field: (error code, message). The
# location rules' messages are the model's (wizard.postings.location).
DETAILS_MESSAGES = {
    "company_name": {"required": "Enter your company's name"},
    "title": {"required": "Enter the job title"},
    "employment_type": {
        "required": "Choose the type of employment",
        "invalid_choice": "Choose the type of employment from the list",
    },
    "workplace": {
        "required": "Choose where the work is done",
        "invalid_choice": "Choose where the work is done from the list",
    },
    "country": {"invalid_choice": "Choose the country from the list"},
    "applicant_countries": {
        "invalid_choice": "Choose countries from the list (%(value)s is not one of them)",
        "invalid_list": "Choose countries from the list",
    },
    "description": {"required": "Describe the job in at least 30 characters"},
    "salary_min": {
        "invalid": "Enter the lowest salary as a whole number, like 50000",
        "min_value": "Enter a lowest salary of 0 or more",
    },
    "salary_max": {
        "invalid": "Enter the highest salary as a whole number, like 70000",
        "min_value": "Enter a highest salary of 0 or more",
    },
    "salary_currency": {"invalid_choice": "Choose the salary's currency from the list"},
    "apply_url": {"invalid": "Enter a web address starting with https://"},
    "apply_email": {"invalid": EMAIL_FORMAT},
    "contact_email": {"required": "Enter your email address", "invalid": EMAIL_FORMAT},
}


def country_choices():
    """The country field's choices in the active language (asked on every page that
    draws the field, to know whether its first is empty)."""
    return _country_choices(get_language())


@lru_cache(maxsize=8)
def _country_choices(language):
    return [("", "Choose…"), *countries]


class DetailsForm(forms.ModelForm):
    """Every details field, checked together (the rules cross fields: a workplace and its
    location, a salary and its currency). `checked` names the fields whose errors count
    (one sub-page's); the others are validated too but their errors are dropped."""

    class Meta:
        model = JobPosting
        fields = JobPosting.DETAILS_FIELDS
        # What the employer types is kept as it will be seen (wizard/postings/text.py).
        field_classes = {
            "company_name": SeenTextField,
            "title": SeenTextField,
            "city": SeenTextField,
            "region": SeenTextField,
            "description": SeenMultilineTextField,
        }
        labels = {
            "company_name": "Company name",
            "title": "Job title",
            "employment_type": "Type of employment",
            "workplace": "Where is the work done?",
            "city": "Town or city",
            "region": "State or region (optional)",
            "country": "Country",
            "applicant_countries": "Countries applicants may live in",
            "salary_min": "Salary from (optional)",
            "salary_max": "Salary to (optional)",
            "salary_currency": "Currency",
            "apply_url": "Apply by web address",
            "apply_email": "Apply by email",
            "contact_email": "Your email address",
        }
        help_texts = {
            "workplace": "",
            "city": "",
            "region": "For example, TX or Bavaria.",
            "applicant_countries": (
                "Choose every country applicants may live in: at least one, as Google for "
                "Jobs requires."
            ),
            "salary_min": "Yearly.",
            "apply_url": "Starting with https://",
            "contact_email": "We send the receipt here.",
            "description": markdown.SYNTAX_HELP,
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "workplace": forms.RadioSelect,
            "country": LongSelect(attrs={"data-country-picker": ""}),
            "applicant_countries": LongSelectMultiple(
                attrs={"size": 10, "data-country-picker": "many"}
            ),
        }
        error_messages = DETAILS_MESSAGES

    REQUIRED = [
        "company_name",
        "title",
        "employment_type",
        "workplace",
        "description",
        "contact_email",
    ]
    DESCRIPTION_MIN_LENGTH = 30

    def __init__(self, *args, checked=None, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.checked = set(checked or self.fields)

    @classmethod
    def set_up_fields(cls):
        """Once, on the class's fields (each form copies them): setting a list of 250
        countries' choices puts it in order again, which cost every form as much."""
        fields = cls.base_fields
        for name in cls.REQUIRED:
            fields[name].required = True
            fields[name].widget.attrs["required"] = True
        fields["employment_type"].choices = [("", "Choose…"), *EmploymentType.choices]
        fields["salary_currency"].choices = [("", "—"), *Currency.choices]
        # No blank radio; which location fields a workplace needs is the model's rule
        # (JobPosting.clean_location), so the admin keeps it too.
        fields["workplace"].choices = Workplace.choices
        # Read in the active language when drawn or checked (the widget keeps each
        # language's reading).
        fields["country"].choices = country_choices

    def full_clean(self):
        super().full_clean()
        if self._errors is not None:
            self._errors = ErrorDict(
                {name: errors for name, errors in self._errors.items() if name in self.checked}
            )

    def clean_description(self):
        description = self.cleaned_data["description"]
        # Counted as readers see it: Markdown's marks (**, #, -) are not words, and
        # invisible characters are not characters (the field has removed them).
        if text.visible_length(markdown.render_text(description)) < self.DESCRIPTION_MIN_LENGTH:
            raise forms.ValidationError(
                f"Describe the job in at least {self.DESCRIPTION_MIN_LENGTH} characters: "
                "what the work is, and who you are looking for"
            )
        return description

    def clean(self):
        data = super().clean()
        low, high = data.get("salary_min"), data.get("salary_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "salary_max", "Enter a highest salary that is the same as or more than the lowest"
            )
        if (low is not None or high is not None) and not data.get("salary_currency"):
            self.add_error("salary_currency", "Choose the salary's currency")
        if (
            not data.get("apply_url")
            and not data.get("apply_email")
            and not (self.has_error("apply_url") or self.has_error("apply_email"))
        ):
            self.add_error(
                "apply_url", "Enter a web address or an email address where candidates apply"
            )
        return data


DetailsForm.set_up_fields()


class ResendForm(forms.Form):
    contact_email = forms.EmailField(label="Send it to", max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
