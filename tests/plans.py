"""Plans for tests: made as staff make them (a Plan and its prices per currency)."""

from wizard.postings.plans import Plan, PlanPrice


def make_plan(name, prices, *, days=30, featured=False, includes="", order=0, active=True):
    """A plan sold at `prices` ({currency: minor units})."""
    plan = Plan.objects.create(
        name=name,
        lifetime_days=days,
        featured=featured,
        includes=includes,
        order=order,
        active=active,
    )
    for currency, amount in prices.items():
        PlanPrice.objects.create(plan=plan, currency=currency, amount=amount)
    return plan


def standard_and_featured():
    """Two plans in EUR, GBP and USD: a 30-day Standard and a 60-day Featured."""
    standard = make_plan(
        "Standard",
        {"eur": 9900, "gbp": 8500, "usd": 9900},
        includes="On the board\nSent to search engines",
        order=0,
    )
    featured = make_plan(
        "Featured",
        {"eur": 4900 * 3, "gbp": 12900, "usd": 14900},
        days=60,
        featured=True,
        includes="Pinned at the top",
        order=1,
    )
    return standard, featured
