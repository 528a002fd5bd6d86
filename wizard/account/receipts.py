"""An employer's receipt or invoice for one payment: Stripe's invoice PDF, its hosted
invoice page or the charge's receipt, whichever Stripe has made (best first).

Two ways in: /account/payments/<id>/receipt/ for the signed-in employer who owns the
posting (another employer's payment is a 404, as an unknown one is), and the signed link
of the confirmation email (wizard.payments.receipt_links), which needs no account and
opens only the payment it names. When Stripe has not made any document yet (it finishes
invoices a little after the payment), Stripe is asked once more and, failing that, a page
says to try again shortly.
"""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wizard.account.access import employer_required, own
from wizard.payments import documents, receipt_links
from wizard.payments.models import PaymentAttempt
from wizard.postings.links import LinkInvalid
from wizard.postings.logcontext import bind_posting


@never_cache
@require_GET
@employer_required
def receipt(request, attempt_id):
    attempt = own(PaymentAttempt.objects.all(), request.employer, pk=attempt_id)
    return _documents_of(request, attempt)


@never_cache
@require_GET
def receipt_link(request, token):
    try:
        attempt_id = receipt_links.read_token(token)
    except LinkInvalid:
        raise Http404("Not found.") from None
    attempt = PaymentAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404("Not found.")
    return _documents_of(request, attempt)


def _documents_of(request, attempt):
    """Redirect to the payment's best document, or say it is not ready yet."""
    if not (attempt.is_paid or attempt.is_free):
        raise Http404("No payment was made.")
    bind_posting(attempt.posting_id)
    url = documents.refresh(attempt).best_url()
    if url:
        return HttpResponseRedirect(url)
    return render(request, "account/receipt_not_ready.html", {"attempt": attempt})
