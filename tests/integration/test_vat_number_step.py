"""The VAT number step (VIES and HMRC through fakeproviders over HTTP), and the re-check
job for a number the registry could not check: valid, invalid (a staff alert, and with
VAT_HOLD_PUBLICATION a hold on approval that staff release), or given up."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from tests.attempts import attempt_for
from tests.conftest import step_url
from tests.factories import own, posting_at, posting_reaching
from wizard.effects.vat_recheck import KIND, queue_recheck
from wizard.flow.order import FLOW
from wizard.jobs import runner
from wizard.jobs.models import Job, StaffNotice
from wizard.models import Actor, JobPosting, PaymentAttempt, Status
from wizard.postings import review
from wizard.postings.business import VatStatus, business_of, checks_of
from wizard.providers import hmrc_vat, vat_registry
from wizard.providers.vat_numbers import Invalid, Unavailable

pytestmark = pytest.mark.django_db

VALID_DE = "DE136695976"
UNREGISTERED_DE = "DE111111125"


@pytest.fixture
def posting(client, fakeproviders):
    posting = posting_reaching("business")
    # A step a deployment lists between this one and payment (tests/extension) is done
    # already: the answers here go on to payment, as on a board without one.
    steps = FLOW.applicable(posting)
    for later in steps[steps.index(FLOW["business"]) + 1 : steps.index(FLOW.payment)]:
        later.fill_in(posting)
    posting.save()
    own(client, posting)
    return posting


def answer(client, posting, number=None):
    data = {"has_vat_number": "yes", "vat_number": number} if number else {"has_vat_number": "no"}
    return client.post(step_url("business", posting), data)


def saved(posting):
    return JobPosting.objects.get(pk=posting.pk)


def recheck_jobs():
    return Job.objects.filter(kind=KIND)


def test_the_step_comes_just_before_payment_and_no_asks_nothing_more(client, posting):
    assert client.get(step_url("payment", posting))["Location"] == step_url("business", posting)
    page = client.get(step_url("business", posting)).content.decode()
    assert "Does your business have a VAT number?" in page
    assert "For example, DE123456789 or GB123456789" in page
    response = answer(client, posting)
    assert response["Location"] == step_url("payment", posting)
    assert business_of(saved(posting)).vat_number == ""
    assert FLOW["business"].summary(saved(posting)) == "No VAT number"
    assert saved(posting).status == Status.READY_TO_PAY


def test_switched_off_the_step_is_absent(client, posting, settings):
    settings.VAT_NUMBER_CHECK = False
    assert client.get(step_url("business", posting)).status_code == 404
    assert client.get(step_url("payment", posting)).status_code == 200


def test_yes_without_a_number_or_a_malformed_one_is_refused_and_nothing_is_looked_up(
    client, posting, fakeproviders
):
    response = answer(client, posting, " ")
    assert response.status_code == 422
    assert "Enter your VAT number, or choose No" in response.content.decode()
    response = answer(client, posting, "DE123456789")
    assert response.status_code == 422
    assert "check digits are wrong" in response.content.decode()
    assert fakeproviders.requests("vies") == []
    assert client.post(step_url("business", posting), {}).status_code == 422


def test_a_valid_number_shows_the_registered_business_to_confirm(client, posting):
    response = answer(client, posting, "de 136 695 976")
    assert response["Location"] == step_url("business", posting)
    page = client.get(step_url("business", posting)).content.decode()
    assert "Is this your business?" in page
    assert "Beispiel GmbH" in page and "Musterstraße 1" in page
    business = business_of(saved(posting))
    assert (business.vat_number, business.vat_status, business.country) == (VALID_DE, "valid", "DE")
    assert business.checked_at and business.consultation.startswith("WAPI")
    assert not FLOW["business"].is_complete(saved(posting))  # not confirmed yet

    response = client.post(step_url("business", posting), {"confirm": "1"})
    assert response["Location"] == step_url("payment", posting)
    assert FLOW["business"].summary(saved(posting)) == f"{VALID_DE}, Beispiel GmbH"
    assert "Beispiel GmbH" in client.get(step_url("payment", posting)).content.decode()


def test_no_use_another_number_asks_again(client, posting):
    answer(client, posting, VALID_DE)
    response = client.post(step_url("business", posting), {"another": "1"}, follow=True)
    page = response.content.decode()
    assert "Does your business have a VAT number?" in page
    assert not FLOW["business"].is_complete(saved(posting))


def test_a_uk_number_is_checked_with_hmrc(client, posting, fakeproviders):
    answer(client, posting, "GB980780684")
    business = business_of(saved(posting))
    assert (business.name, business.registry) == ("Example Ltd", "HMRC")
    assert business.address == "1 Example Street, London, SW1A 1AA"
    assert [entry["path"] for entry in fakeproviders.requests("hmrc")] == [
        "/oauth/token",
        "/organisations/vat/check-vat-number/lookup/980780684",
    ]


def test_an_unregistered_number_is_refused_and_nothing_is_stored(client, posting):
    response = answer(client, posting, UNREGISTERED_DE)
    assert response.status_code == 422
    assert (
        f"VIES says {UNREGISTERED_DE} is not a registered VAT number. Check the number, or "
        "choose No." in response.content.decode()
    )
    assert business_of(saved(posting)).vat_number == ""
    assert "business" not in saved(posting).step_data or not checks_of(saved(posting))
    response = answer(client, posting, "GB999999973")
    assert "HMRC says GB999999973 is not a registered VAT number" in response.content.decode()


@pytest.mark.parametrize("fault", ["MS_UNAVAILABLE", "TIMEOUT", "SERVICE_UNAVAILABLE", "503"])
def test_registry_unavailable_goes_on_unchecked_with_a_recheck_queued(
    client, posting, fakeproviders, fault
):
    fakeproviders.add_fault(fault, path="check-vat-number")
    response = answer(client, posting, VALID_DE)
    assert response["Location"] == step_url("payment", posting)
    business = business_of(saved(posting))
    assert (business.vat_number, business.vat_status) == (VALID_DE, VatStatus.UNCHECKED)
    [job] = recheck_jobs()
    assert (job.posting_id, job.payload["number"], job.state) == (posting.pk, VALID_DE, "queued")
    page = client.get(step_url("payment", posting)).content.decode()
    # A warning, not a success: the number is kept but not checked.
    assert '<p class="message message--warning">VIES could not be reached just now' in page
    assert "You can pay now: we will check the number again" in page


def test_the_message_says_publication_waits_with_the_hold_setting(
    client, posting, fakeproviders, settings
):
    settings.VAT_HOLD_PUBLICATION = True
    fakeproviders.vies_unavailable("DE")
    answer(client, posting, VALID_DE)
    page = client.get(step_url("payment", posting)).content.decode()
    assert "publish your posting once it is confirmed" in page


def test_a_request_timeout_counts_as_unavailable(client, posting, fakeproviders, settings):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.3
    fakeproviders.add_fault("timeout", delay=1, path="check-vat-number")
    assert answer(client, posting, VALID_DE)["Location"] == step_url("payment", posting)
    assert business_of(saved(posting)).vat_status == VatStatus.UNCHECKED


def unchecked(status=Status.IN_REVIEW, number=VALID_DE, **fields):
    """A posting whose number was given while its registry was down, its re-check queued."""
    step_data = {
        "business": {
            "answer": "yes",
            "country": number[:2],
            "vat_number": number,
            "vat_status": VatStatus.UNCHECKED,
        }
    }
    posting = posting_at(status, step_data=step_data, paid_at=timezone.now(), **fields)
    with transaction.atomic():
        job = queue_recheck(posting, number)
    return posting, job


def run(job):
    return runner.run_now(job.pk)


def test_the_recheck_stores_a_valid_number_with_its_name(fakeproviders):
    posting, job = unchecked()
    assert run(job) == "done"
    business = business_of(saved(posting))
    assert (business.vat_status, business.name) == (VatStatus.VALID, "Beispiel GmbH")
    assert StaffNotice.objects.count() == 0
    assert [entry["result"] for entry in checks_of(saved(posting))] == ["valid"]


def test_a_number_confirmed_by_the_recheck_before_payment_keeps_the_step_done(
    client, posting, fakeproviders
):
    """The employer went on while the registry was down; the re-check's "valid" before they
    press Pay must not send them back to the step (found by the soak)."""
    fakeproviders.add_fault("MS_UNAVAILABLE", path="check-vat-number")
    assert answer(client, posting, VALID_DE)["Location"] == step_url("payment", posting)
    [job] = recheck_jobs()
    assert run(job) == "done"
    checked = saved(posting)
    assert business_of(checked).vat_status == VatStatus.VALID
    assert FLOW["business"].is_complete(checked)
    assert client.get(step_url("payment", posting)).status_code == 200


def test_a_number_the_recheck_refuses_before_payment_is_asked_again_with_the_reason(
    client, posting, fakeproviders
):
    fakeproviders.add_fault("MS_UNAVAILABLE", path="check-vat-number")
    number = "DE111111125"  # well formed, not registered in the emulator
    assert answer(client, posting, number)["Location"] == step_url("payment", posting)
    [job] = recheck_jobs()
    assert run(job) == "done"
    assert client.get(step_url("payment", posting))["Location"] == step_url("business", posting)
    page = client.get(step_url("business", posting)).content.decode()
    assert f"We checked {number} again: VIES says it is not a registered VAT number" in page
    assert "govuk-error-summary" in page or "error-summary" in page


def test_the_recheck_retries_while_unavailable_and_waits_out_a_quota(fakeproviders):
    posting, job = unchecked()
    fakeproviders.vies_unavailable("DE")
    assert run(job) == "retry scheduled"
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("queued", 1)
    assert "MS_UNAVAILABLE" in job.last_error
    fakeproviders.vies_available("DE")
    fakeproviders.add_fault("MS_MAX_CONCURRENT_REQ", path="check-vat-number")
    Job.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    assert run(job) == "waiting (Retry-After)"
    job.refresh_from_db()
    assert job.attempts == 1  # the quota's wait spent no attempt
    assert job.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert run(job) == "done"
    assert business_of(saved(posting)).vat_status == VatStatus.VALID


def test_an_invalid_number_alerts_staff_without_holding_by_default(fakeproviders):
    posting, job = unchecked(number=UNREGISTERED_DE)
    assert run(job) == "done"
    business = business_of(saved(posting))
    assert (business.vat_status, business.held) == (VatStatus.INVALID, False)
    [notice] = StaffNotice.objects.all()
    assert UNREGISTERED_DE in notice.subject and posting.reference in notice.subject
    assert "not held" in notice.body
    review.approve(posting.pk, by=Actor.system())
    assert saved(posting).status == Status.PUBLISHED


def reviewer():
    user = User.objects.create_user("reviewer", is_staff=True, password="x")
    for codename in ("review_posting", "view_jobposting", "change_jobposting"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_with_the_hold_an_invalid_number_blocks_approval_until_staff_release_it(
    fakeproviders, settings, client
):
    settings.VAT_HOLD_PUBLICATION = True
    posting, job = unchecked(number=UNREGISTERED_DE)
    run(job)
    held = saved(posting)
    assert business_of(held).held
    assert "held until staff release it" in StaffNotice.objects.get().body
    with pytest.raises(TransitionNotAllowed):
        review.approve(posting.pk, by=Actor.system())
    assert JobPosting.objects.with_attention().get(pk=posting.pk).attention_vat

    client.force_login(reviewer())
    page = client.get(f"/admin/wizard/jobposting/{posting.pk}/change/").content.decode()
    assert "Publication held: VAT number proved invalid" in page
    assert "/transition/approve/" not in page
    assert UNREGISTERED_DE in page and "invalid" in page  # the facts and the check history
    response = client.post(f"/admin/wizard/jobposting/{posting.pk}/release-vat-hold/")
    assert response.status_code == 302
    assert not business_of(saved(posting)).held
    assert checks_of(saved(posting))[-1]["result"] == "hold released"
    review.approve(posting.pk, by=Actor.system())
    assert saved(posting).status == Status.PUBLISHED


def test_staff_without_the_review_permission_cannot_release(fakeproviders, settings, client):
    settings.VAT_HOLD_PUBLICATION = True
    posting, job = unchecked(number=UNREGISTERED_DE)
    run(job)
    viewer = User.objects.create_user("viewer", is_staff=True, password="x")
    viewer.user_permissions.add(Permission.objects.get(codename="view_jobposting"))
    client.force_login(viewer)
    response = client.post(f"/admin/wizard/jobposting/{posting.pk}/release-vat-hold/")
    assert response.status_code == 403
    assert business_of(saved(posting)).held


def test_a_published_posting_is_only_alerted_about(fakeproviders, settings):
    settings.VAT_HOLD_PUBLICATION = True
    posting, job = unchecked(status=Status.PUBLISHED, published_at=timezone.now())
    posting.step_data["business"]["vat_number"] = UNREGISTERED_DE
    posting.save()
    Job.objects.filter(pk=job.pk).update(payload={**job.payload, "number": UNREGISTERED_DE})
    run(job)
    assert not business_of(saved(posting)).held
    assert "published already" in StaffNotice.objects.get().body


def test_a_number_changed_since_is_left_alone(fakeproviders):
    posting, job = unchecked()
    posting.step_data["business"]["vat_number"] = "FR40303265045"
    posting.save()
    run(job)
    assert business_of(saved(posting)).vat_status == VatStatus.UNCHECKED


def test_the_recheck_gives_up_after_its_time_with_a_staff_alert(fakeproviders, settings):
    posting, job = unchecked()
    fakeproviders.vies_unavailable("DE")
    since = (timezone.now() - timedelta(hours=settings.VAT_RECHECK_GIVE_UP_HOURS)).isoformat()
    Job.objects.filter(pk=job.pk).update(payload={**job.payload, "since": since})
    assert run(job) == "failed"
    [notice] = StaffNotice.objects.filter(name__startswith="vat_unchecked")
    assert "could not be checked" in notice.subject and VALID_DE in notice.subject
    assert checks_of(saved(posting))[-1]["result"] == "not checked"


def test_a_copy_keeps_the_number_but_checks_it_again():
    posting, _ = unchecked()
    copied = FLOW["business"].copied_data(posting)
    assert copied == {"answer": "yes", "vat_number": VALID_DE, "country": "DE"}
    draft = JobPosting(step_data={"business": copied})
    assert not FLOW["business"].is_complete(draft)


def test_the_hmrc_token_is_cached_and_asked_again_when_refused(fakeproviders):
    cache.delete(hmrc_vat.TOKEN_CACHE_KEY)
    assert vat_registry.check("GB980780684").name == "Example Ltd"
    assert vat_registry.check("GB980780684").name == "Example Ltd"
    paths = [entry["path"] for entry in fakeproviders.requests("hmrc")]
    assert paths.count("/oauth/token") == 1 and len(paths) == 3
    fakeproviders.reset()  # the emulator forgets its tokens: a 401, then a new token
    assert vat_registry.check("GB980780684").name == "Example Ltd"
    paths = [entry["path"] for entry in fakeproviders.requests("hmrc")]
    assert paths == [
        "/organisations/vat/check-vat-number/lookup/980780684",
        "/oauth/token",
        "/organisations/vat/check-vat-number/lookup/980780684",
    ]


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_hmrc_errors_are_unavailable_over_http(fakeproviders, kind):
    vat_registry.check("GB980780684")  # a token first
    fakeproviders.add_fault(kind, path="check-vat-number/lookup")
    result = vat_registry.check("GB980780684")
    assert isinstance(result, Unavailable) and result.code == f"HTTP {kind}"
    if kind == "429":
        assert result.retry_after == timedelta(seconds=1)


@pytest.mark.parametrize(
    ("code", "transient"),
    [
        ("INVALID_INPUT", False),
        ("MS_UNAVAILABLE", True),
        ("TIMEOUT", True),
        ("SERVICE_UNAVAILABLE", True),
        ("MS_MAX_CONCURRENT_REQ", True),
        ("GLOBAL_MAX_CONCURRENT_REQ", True),
    ],
)
def test_each_vies_error_code_over_http(fakeproviders, code, transient):
    fakeproviders.add_fault(code, path="check-vat-number")
    result = vat_registry.check(VALID_DE)
    assert isinstance(result, Unavailable if transient else Invalid)


def test_an_invalid_number_on_a_reverse_charged_payment_says_the_vat_may_be_due(fakeproviders):
    """The employer typed the number in Checkout's tax ID field too: Stripe reverse-charged
    the payment, which the registry's later answer does not undo."""
    posting, job = unchecked(number=UNREGISTERED_DE)
    attempt_for(posting, session_id="cs_rc", payment_intent_id="pi_rc")
    PaymentAttempt.objects.filter(posting=posting).update(state="paid", tax_note="reverse_charge")
    assert run(job) == "done"
    body = StaffNotice.objects.get().body
    assert "Stripe charged no VAT on payment" in body and "the VAT may be due" in body


def test_an_invalid_number_on_a_taxed_payment_says_nothing_of_vat_due(fakeproviders):
    posting, job = unchecked(number=UNREGISTERED_DE)
    attempt_for(posting, session_id="cs_tx", payment_intent_id="pi_tx")
    PaymentAttempt.objects.filter(posting=posting).update(state="paid", tax=1881)
    run(job)
    assert "VAT may be due" not in StaffNotice.objects.get().body
