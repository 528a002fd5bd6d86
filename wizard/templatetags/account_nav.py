"""The header's account links: "Sign in", or "Your postings" and "Sign out" for a signed-in
browser. Only private pages show them (base.html's `account_nav` block); public, cached
pages (the board, error pages) override the block with links that are the same for
everyone, so no one's name or session is in a shared page."""

from django import template

from wizard.employers.sessions import current_employer

register = template.Library()


@register.inclusion_tag("account/_header_nav.html", takes_context=True)
def account_nav(context):
    request = context.get("request")
    # A page answered before the session is read (a body over the size limit) has none.
    has_session = request is not None and hasattr(request, "session")
    employer = current_employer(request) if has_session else None
    return {"employer": employer, "csrf_token": context.get("csrf_token")}
