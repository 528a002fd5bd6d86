"""The employer's lasting link to a paid posting's page, sent in every email after payment.

Unlike the single-use "finish later" link, it does not expire: it is the
employer's way back to the posting's state, its ledger and the withdraw button.
"""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from wizard.flow.order import FLOW
from wizard.flow.ownership import claim
from wizard.postings.links import LinkInvalid, read_manage_token
from wizard.postings.models import JobPosting


@require_GET
def manage(request, token):
    try:
        posting = JobPosting.objects.get(pk=read_manage_token(token))
    except (LinkInvalid, JobPosting.DoesNotExist):
        return render(request, "wizard/resume_invalid.html", {"reason": "invalid"}, status=400)
    claim(request, posting)
    return redirect(FLOW.after_payment().url(posting))
