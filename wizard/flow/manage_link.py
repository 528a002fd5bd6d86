"""The employer's lasting link to a paid posting's page, sent in every email after payment.

Unlike the single-use "finish later" link, it does not expire: it is the
employer's way back to the posting's state, its ledger and the withdraw button.
"""

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wizard.flow.order import FLOW
from wizard.flow.ownership import claim
from wizard.postings.models import JobPosting

SALT = "jobwizard.manage"


def manage_url(posting):
    token = signing.Signer(salt=SALT).sign(str(posting.pk))
    return settings.SITE_URL.rstrip("/") + reverse("wizard:manage", args=[token])


@never_cache
@require_GET
def manage(request, token):
    try:
        posting_id = signing.Signer(salt=SALT).unsign(token)
        posting = JobPosting.objects.get(pk=posting_id)
    except (signing.BadSignature, JobPosting.DoesNotExist, ValueError):
        return render(request, "wizard/resume_invalid.html", {"reason": "invalid"}, status=400)
    claim(request, posting)
    return redirect(FLOW.after_payment().url(posting))
