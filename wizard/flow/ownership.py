"""A draft belongs to the browser session that created it; everyone else gets a 404."""

from django.http import Http404

from wizard.postings.models import JobPosting

SESSION_KEY = "owned_postings"


def claim(request, posting):
    owned = request.session.get(SESSION_KEY, [])
    if str(posting.pk) not in owned:
        request.session[SESSION_KEY] = [*owned, str(posting.pk)]


def owns(request, posting_id):
    return str(posting_id) in request.session.get(SESSION_KEY, [])


def owned_posting(request, posting_id, postings=None):
    """The posting, if this browser owns it; `postings` may add what a page reads of it
    (annotations) to the one query."""
    if not owns(request, posting_id):
        raise Http404("No such posting.")
    postings = JobPosting.objects.all() if postings is None else postings
    try:
        return postings.select_related("current_attempt").get(pk=posting_id)
    except JobPosting.DoesNotExist:
        raise Http404("No such posting.") from None
