from django import template

from wizard.postings import markdown as description_format

register = template.Library()


@register.filter
def markdown(text):
    """The employer's Markdown as sanitised HTML (wizard.postings.markdown), as the board
    shows it: the job page, the review step and the admin use this one filter."""
    return description_format.render_html(text or "")


@register.filter
def markdown_text(text):
    """The employer's Markdown as one line of plain text, for snippets: autoescaped."""
    return description_format.render_text(text or "")


@register.filter
def salary_range(posting):
    """'EUR 70,000–90,000 a year', 'from EUR 70,000 a year', or '' without a salary."""
    low, high = posting.salary_min, posting.salary_max
    if low is None and high is None:
        return ""
    currency = (posting.salary_currency or "").upper()

    def money(amount):
        return f"{currency} {amount:,}".strip()

    if low is not None and high is not None:
        amount = money(low) if low == high else f"{money(low)}–{high:,}"
    elif low is not None:
        amount = f"from {money(low)}"
    else:
        amount = f"up to {money(high)}"
    return f"{amount} a year"
