"""The sign-in pages' forms: an email address, then the emailed code."""

from django import forms


class SignInForm(forms.Form):
    """Labels without Django's colon, as on every other form of the site."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class EmailForm(SignInForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will email you a code to sign in. You do not need a password.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class CodeForm(SignInForm):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6 digits in the email we sent you.",
        error_messages={"required": "Enter the 6-digit code from the email"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "input--code"}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("Enter the 6-digit code from the email, like 123456")
        return code
