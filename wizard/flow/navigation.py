"""Responses shared by the step views: full pages without JavaScript, panels with htmx."""

from django.conf import settings
from django.forms import BaseForm
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect


def redirect_to(request, url):
    """A 302, or HX-Redirect for htmx so that the browser loads the whole page."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def returning_to_review(request):
    """The page was opened from a Change link on the review: once saved, go back to it
    (the step's forms post to its URL with ?change=1; a posted `change` field says so too)."""
    return "change" in request.GET or "change" in request.POST


def forms_with_errors(context):
    """The page's bound forms that were refused, whatever the step names them: the
    error summary at the top of the panel lists their errors."""
    return [value for value in context.values() if isinstance(value, BaseForm) and value.errors]


def back_from(progress):
    """The step a "Back" link leads to: the last one before the current that may be opened."""
    earlier = []
    for item in progress:
        if item.current:
            return earlier[-1] if earlier else None
        if item.reachable:
            earlier.append(item)
    return None


def render_step(request, posting, step, context=None, status=200):
    flow = step.flow
    progress = flow.progress(posting, current=step)
    step_url = step.url(posting)
    if returning_to_review(request) and not step.takes_payment:
        # Opened from the review's Change link: its forms post here, and come back to it.
        step_url += "?change=1"
    context = {
        "posting": posting,
        "step": step,
        "step_url": step_url,
        "step_number": flow.number(step, posting),
        "step_count": flow.count(posting),
        "progress": progress,
        "back": back_from(progress),
        **(context or {}),
    }
    context["error_forms"] = forms_with_errors(context)
    template = "wizard/step.html#panel" if request.htmx else "wizard/step.html"
    response = render(request, template, context, status=status)
    if request.htmx:
        response["HX-Push-Url"] = context["step_url"]
    return response


def go_to_step(request, posting, step):
    """After a successful POST: redirect (PRG), or for htmx render the step and push its URL.

    `posting` is the row as the edit saved it (or as this request loaded it), so the step
    is drawn from it without loading it again."""
    if request.htmx:
        return step.get(request, posting)
    return redirect(step.url(posting))


def refuse_link(request, error):
    """An emailed link that cannot be used (a LinkError): why, with its HTTP status."""
    return render(
        request,
        "wizard/link_invalid.html",
        {"reason": error.reason, "max_age_days": settings.FINISH_LATER_LINK_MAX_AGE_DAYS},
        status=error.status,
    )
