"""Staff refund one renewal of a posting (wizard.payments.renewals.refund_renewal): that
payment only, its days taken back. A confirmation page with a reason; the refund
permission, as every staff refund."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from wizard.payments.exceptions import PaymentError
from wizard.payments.models import PaymentAttempt, Refund
from wizard.payments.renewals import refund_renewal
from wizard.postings.models import REFUND_PERMISSION, Actor


def refund_url(attempt):
    """The refund page of a paid renewal not refunded yet, else None."""
    if attempt.purpose != PaymentAttempt.Purpose.RENEWAL or not attempt.is_paid:
        return None
    if Refund.objects.filter(payment_intent_id=attempt.payment_intent_id).exists():
        return None
    return reverse("admin:wizard_jobposting_refund_renewal", args=[attempt.posting_id, attempt.pk])


def refund_link(attempt):
    if attempt.is_free:
        return "Nothing to refund: a promotion code paid it all"
    url = refund_url(attempt)
    return format_html('<a href="{}">Refund this renewal…</a>', url) if url else "–"


def refund_renewal_view(model_admin, request, object_id, attempt_id, form_class):
    if not request.user.has_perm(REFUND_PERMISSION):
        raise PermissionDenied
    posting = model_admin.get_object(request, object_id)
    attempt = PaymentAttempt.objects.filter(
        pk=attempt_id, posting=posting, purpose=PaymentAttempt.Purpose.RENEWAL
    ).first()
    if posting is None or attempt is None or refund_url(attempt) is None:
        raise Http404
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            refund_renewal(attempt, by=Actor.staff(request.user), note=form.cleaned_data["reason"])
            model_admin.message_user(
                request, f"Refunded renewal {attempt.number} of {posting}.", messages.SUCCESS
            )
        except PaymentError as exc:
            model_admin.message_user(request, f"{exc.message} ({exc})", messages.ERROR)
        return redirect("admin:wizard_jobposting_change", posting.pk)
    return TemplateResponse(
        request,
        "admin/wizard/refund_renewal.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Refund a renewal",
            "opts": model_admin.model._meta,
            "original": posting,
            "attempt": attempt,
            "form": form,
        },
    )
