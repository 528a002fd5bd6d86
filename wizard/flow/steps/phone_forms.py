"""The phone step's forms: the mobile number, typed as it is dialled in a chosen country
("0171 1234567" with Germany) or in international format (+491711234567), kept as E.164;
and the code from the SMS. Also how a kept number is shown (international format).

Only plain mobile numbers of allowed countries pass (`destination_refusal`): the first
guard against SMS pumping (docs/deploying.md, "SMS pumping")."""

import re

import phonenumbers
from django import forms
from django.conf import settings
from django_countries import countries
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from wizard.postings.text import ascii_digits

# Spaces, brackets, dots and every kind of dash people type or paste between digits.
SEPARATORS = re.compile(r"[\s().\-\u2010-\u2015\u2212]")
DIALLED = re.compile(r"^\+?[0-9]{3,17}$")

# Only plain mobile numbers are texted: a fixed line cannot read an SMS, and premium-rate,
# shared-cost, personal, UAN, VoIP, pager and voicemail numbers are where SMS pumping
# sends its texts (someone is paid for each one) or are throwaway numbers.
TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "a landline number",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.VOIP: "an internet (VoIP) number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (forwarding) number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.UAN: "a company (UAN) number",
    PhoneNumberType.VOICEMAIL: "a voicemail number",
}
NON_GEOGRAPHIC = "001"  # phonenumbers' region for +800, +808, +870, +881, +882, +883, +979…
NOT_TEXTABLE = "Enter a mobile number that can receive text messages"
ANOTHER_COUNTRY = "other"


def international(number):
    """An E.164 number as people read it: "+49 171 1234567" (as kept if it cannot be read)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


def region_of(number):
    """The country (ISO code) of an E.164 number, or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return None


def may_text_country(region):
    allowed = settings.PHONE_VERIFICATION_COUNTRIES
    return region not in settings.PHONE_VERIFICATION_REFUSED_COUNTRIES and (
        not allowed or region in allowed
    )


def destination_refusal(parsed):
    """Why the valid number `parsed` may not be texted (a message for the employer), or None."""
    region = phonenumbers.region_code_for_number(parsed)
    if region in (None, NON_GEOGRAPHIC):
        return f"{NOT_TEXTABLE}: we cannot text satellite or international service numbers."
    kind = phonenumbers.number_type(parsed)
    if kind not in TEXTABLE_TYPES:
        what = TYPE_NAMES.get(kind, "not a mobile number")
        return f"{NOT_TEXTABLE}: this is {what}."
    if not may_text_country(region):
        return (
            f"Enter a mobile number from another country: we cannot send codes to numbers "
            f"in {countries.name(region) or region}."
        )
    return None


def number_example(region):
    """What to type, for the message that says what to do: "like 01512 3456789 or +49 1512
    3456789" (a mobile number of `region`, as dialled there and in international format)."""
    example = region and phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if not example:
        return "Enter a mobile phone number, like +44 7700 900982"
    national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
    full = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
    return f"Enter a mobile phone number, like {national} or {full}"


def country_choices(likely):
    """The `likely` countries (the posting's, the site's default…) whose numbers may be
    texted, by name with their calling code, then "another country", for a number typed
    with its country code. A short list, not all 240 countries: a page stays light, and a
    number in international format needs no country."""
    allowed = [code for code in dict.fromkeys(likely) if code and may_text_country(code)]
    if settings.PHONE_VERIFICATION_COUNTRIES:
        allowed += [code for code in settings.PHONE_VERIFICATION_COUNTRIES if code not in allowed]
    named = [
        (code, f"{countries.name(code)} (+{phonenumbers.country_code_for_region(code)})")
        for code in allowed
        if code in phonenumbers.SUPPORTED_REGIONS
    ]
    return [*named, (ANOTHER_COUNTRY, "Another country (type + and its country code)")]


class PhoneNumberForm(forms.Form):
    """The number and its country. Sent without a country, the form's `country` is used:
    the posting's, or the site's default."""

    country = forms.ChoiceField(
        label="Country",
        required=False,
        error_messages={"invalid_choice": "Choose the country of your mobile phone number"},
    )
    phone = forms.CharField(
        label="Mobile phone number",
        max_length=32,
        help_text="As you dial it in that country, or with + and the country code.",
        error_messages={"required": "Enter your mobile phone number"},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, country=None, likely=(), **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.default_country = country or settings.PHONE_DEFAULT_COUNTRY
        self.fields["country"].choices = country_choices(
            (self.default_country, *likely, settings.PHONE_DEFAULT_COUNTRY)
        )
        self.fields["country"].initial = self.default_country

    def clean_country(self):
        return self.cleaned_data["country"] or self.default_country

    def clean_phone(self):
        region = self.cleaned_data.get("country") or self.default_country
        # Digits in any script (full-width, Arabic-Indic…) as ASCII; no separators.
        dialled = SEPARATORS.sub("", ascii_digits(self.cleaned_data["phone"]))
        if dialled.startswith("00"):  # the international prefix most countries use
            dialled = "+" + dialled[2:]
        if region == ANOTHER_COUNTRY:
            if not dialled.startswith("+"):
                raise forms.ValidationError(
                    "Enter the number with + and its country code, like +44 7700 900982, or "
                    "choose its country"
                )
            region = None
        if not DIALLED.match(dialled):
            raise forms.ValidationError(number_example(region))
        try:
            parsed = phonenumbers.parse(dialled, region)
        except phonenumbers.NumberParseException:
            raise forms.ValidationError(number_example(region)) from None
        if not phonenumbers.is_valid_number(parsed):
            raise forms.ValidationError(number_example(region))
        refusal = destination_refusal(parsed)
        if refusal:
            raise forms.ValidationError(refusal)
        return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from the SMS",
        max_length=10,
        error_messages={"required": "Enter the code from the SMS"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def clean_code(self):
        # Typed in any script's digits, sent to the provider in ASCII.
        code = "".join(ascii_digits(self.cleaned_data["code"]).split())
        if not (code.isascii() and code.isdigit()) or not 4 <= len(code) <= 10:
            raise forms.ValidationError("Enter the code from the SMS: digits only.")
        return code
