"""The phone step takes digits in any script and keeps and sends them as ASCII (E.164)."""

import pytest

from tests.conftest import step_url
from tests.factories import own, posting_at
from wizard.flow.steps.phone import CodeForm, PhoneNumberForm
from wizard.models import JobPosting
from wizard.providers.siteverify import field_name, fresh_test_token

pytestmark = pytest.mark.django_db

NUMBER = "+14155550123"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@pytest.fixture
def posting(client, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    posting = posting_at("details_ready")
    own(client, posting)
    return posting


def sent(number):
    """The "send code" form as the page sends it, with the bot check's token."""
    return {"phone": number, "send": "1", field_name(): fresh_test_token()}


def phone_data(posting):
    return JobPosting.objects.get(pk=posting.pk).step_data.get("phone", {})


@pytest.mark.parametrize(
    "typed",
    [
        "+1415555０１２３",  # the mixed number
        NUMBER.translate(FULL_WIDTH),
        NUMBER.translate(ARABIC_INDIC),
        "+1 ४१५ ५५५ ०१२३".translate(DEVANAGARI),
        "\u202a+1 (415) 555\u20110123\u202c",  # pasted with bidi marks and a non-breaking dash
    ],
)
def test_a_number_in_any_script_is_stored_and_texted_as_e164(client, posting, fakeproviders, typed):
    response = client.post(step_url("phone", posting), sent(typed))
    assert response.status_code == 302
    assert phone_data(posting)["number"] == NUMBER
    assert [sms["to"] for sms in fakeproviders.sms()] == [NUMBER]


@pytest.mark.parametrize("translate", [ARABIC_INDIC, FULL_WIDTH, DEVANAGARI])
def test_a_code_in_any_script_reaches_the_provider_in_ascii(
    client, posting, fakeproviders, translate
):
    assert client.post(step_url("phone", posting), sent(NUMBER)).status_code == 302
    code = fakeproviders.sms_code(NUMBER)
    response = client.post(
        step_url("phone", posting), {"code": code.translate(translate), "check": "1"}
    )
    assert response.status_code == 302, response.content
    assert phone_data(posting)["verified"] == NUMBER
    checks = [
        r for r in fakeproviders.requests("twilio") if r["path"].endswith("VerificationCheck")
    ]
    assert [r["form"]["Code"] for r in checks] == [code]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("١٢٣٤٥٦", "123456"),
        ("１２３ ４５６", "123456"),
        # Superscripts and circled digits pass str.isdigit(); NFKC makes them plain.
        ("¹²³⁴⁵⁶", "123456"),
        ("①②③④⑤⑥", "123456"),
    ],
)
def test_a_code_form_keeps_ascii_digits_only(typed, kept):
    form = CodeForm({"code": typed})
    assert form.is_valid()
    assert form.cleaned_data["code"] == kept


@pytest.mark.parametrize("typed", ["12三456", "１２３x５６", "𝟙𝟚𝟛𝟜𝟝x"])
def test_a_code_with_anything_but_digits_is_refused(typed):
    form = CodeForm({"code": typed})
    assert not form.is_valid()
    assert "digits only" in form.errors["code"][0]


def test_a_number_with_letters_among_its_digits_is_refused():
    assert not PhoneNumberForm({"phone": "+1415555０１二３"}).is_valid()
    form = PhoneNumberForm({"phone": "+1415555⁰¹²³"})
    assert form.is_valid()
    assert form.cleaned_data["phone"] == NUMBER
