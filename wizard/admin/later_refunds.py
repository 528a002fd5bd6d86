"""Staff refund one later payment of a posting (a renewal, an upgrade:
wizard.payments.later_payments.refund): that payment only, what it bought taken back (a
renewal's days, an upgrade's feature). A confirmation page with a reason; the refund
permission, as every staff refund."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from wizard.payments import later_payments
from wizard.payments.exceptions import PaymentError
from wizard.payments.models import PaymentAttempt, Refund
from wizard.postings.models import REFUND_PERMISSION, Actor

FIRST = PaymentAttempt.Purpose.FIRST


def refund_url(attempt):
    """The refund page of a paid later payment not refunded yet, else None."""
    if attempt.purpose == FIRST or not attempt.is_paid:
        return None
    if Refund.objects.filter(payment_intent_id=attempt.payment_intent_id).exists():
        return None
    return reverse(
        "admin:wizard_jobposting_refund_later_payment", args=[attempt.posting_id, attempt.pk]
    )


def refund_link(attempt):
    if attempt.is_free:
        return "Nothing to refund: a promotion code paid it all"
    url = refund_url(attempt)
    if not url:
        return "–"
    return format_html('<a href="{}">Refund this {}…</a>', url, _what(attempt))


def _what(attempt):
    return attempt.get_purpose_display().lower()


def refund_later_payment_view(model_admin, request, object_id, attempt_id, form_class):
    if not request.user.has_perm(REFUND_PERMISSION):
        raise PermissionDenied
    posting = model_admin.get_object(request, object_id)
    attempt = (
        PaymentAttempt.objects.filter(pk=attempt_id, posting=posting).exclude(purpose=FIRST).first()
    )
    if posting is None or attempt is None or refund_url(attempt) is None:
        raise Http404
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            later_payments.refund(
                attempt, by=Actor.staff(request.user), note=form.cleaned_data["reason"]
            )
            model_admin.message_user(
                request,
                f"Refunded {_what(attempt)} (payment {attempt.number}) of {posting}.",
                messages.SUCCESS,
            )
        except PaymentError as exc:
            model_admin.message_user(request, f"{exc.message} ({exc})", messages.ERROR)
        return redirect("admin:wizard_jobposting_change", posting.pk)
    return TemplateResponse(
        request,
        "admin/wizard/refund_later_payment.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"Refund {_what(attempt)}",
            "opts": model_admin.model._meta,
            "original": posting,
            "attempt": attempt,
            "what": _what(attempt),
            "renewal": attempt.purpose == PaymentAttempt.Purpose.RENEWAL,
            "form": form,
        },
    )
