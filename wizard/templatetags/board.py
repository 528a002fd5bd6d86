from django import template

register = template.Library()


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
