"""Responses shared by the step views: full pages without JavaScript, panels with htmx."""

from django.conf import settings
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect


def redirect_to(request, url):
    """A 302, or HX-Redirect for htmx so that the browser loads the whole page."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def render_step(request, posting, step, context=None, status=200):
    flow = step.flow
    context = {
        "posting": posting,
        "step": step,
        "step_url": step.url(posting),
        "step_number": flow.number(step, posting),
        "step_count": flow.count(posting),
        "progress": flow.progress(posting, current=step),
        **(context or {}),
    }
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
