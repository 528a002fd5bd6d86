"""The employer's lasting link to a paid posting's page, sent in every email after payment.

Unlike the single-use "finish later" link, it does not expire: it is the
employer's way back to the posting's state, its ledger and the withdraw button.
It is signed over the posting's `manage_nonce`; "Send me a new link" on the
confirmation page replaces the nonce, which revokes every link sent before, and
emails a new one (wizard.flow.edits.send_new_manage_link).
"""

from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from wizard.flow.navigation import refuse_link
from wizard.flow.order import FLOW
from wizard.flow.ownership import claim
from wizard.postings.links import LinkError, LinkInvalid, check_manage_nonce, read_manage_token
from wizard.postings.logcontext import bind_posting
from wizard.postings.models import JobPosting


@require_GET
def manage(request, token):
    try:
        posting_id, nonce = read_manage_token(token)
        bind_posting(posting_id)
        posting = JobPosting.objects.get(pk=posting_id)
        check_manage_nonce(posting, nonce)
    except JobPosting.DoesNotExist:
        return refuse_link(request, LinkInvalid())
    except LinkError as error:
        return refuse_link(request, error)
    claim(request, posting)
    return redirect(FLOW.after_payment().url(posting))
