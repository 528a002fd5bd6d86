"""Who may open a posting's pages: the browser session that created it (or opened its
emailed link), or the signed-in employer who owns it; everyone else gets a 404."""

from django.http import Http404

from wizard.employers.sessions import current_employer
from wizard.postings.models import JobPosting

SESSION_KEY = "owned_postings"


def claim(request, posting):
    owned = request.session.get(SESSION_KEY, [])
    if str(posting.pk) not in owned:
        request.session[SESSION_KEY] = [*owned, str(posting.pk)]


def held_by_session(request, posting_id):
    return str(posting_id) in request.session.get(SESSION_KEY, [])


def owns(request, posting_id):
    """Whether this browser may open the posting (one query when signed in). The sign-in
    is read first: one ended everywhere empties the session, and what it held with it."""
    employer = current_employer(request)
    if held_by_session(request, posting_id):
        return True
    return employer is not None and employer.postings.filter(pk=posting_id).exists()


def owned_posting(request, posting_id, postings=None):
    """The posting, if this browser owns it; `postings` may add what a page reads of it
    (annotations) to the one query."""
    postings = JobPosting.objects.all() if postings is None else postings
    employer = current_employer(request)  # first, as in `owns`
    if not held_by_session(request, posting_id):
        if employer is None:
            raise Http404("No such posting.")
        postings = postings.filter(employer=employer)
    try:
        return postings.select_related("current_attempt").get(pk=posting_id)
    except JobPosting.DoesNotExist:
        raise Http404("No such posting.") from None
