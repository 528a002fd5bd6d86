"""What an employer buys: plans, their prices per currency, and the listing a choice buys.

Staff keep plans in the admin (name, what it includes, days on the board, featured or
not, a price in each currency it is sold in, active or retired). A board with no active
plan sells one standard listing at POSTING_PRICE_AMOUNT / POSTING_PRICE_CURRENCY for
POSTING_LIFETIME_DAYS days, as before plans existed.

What a payment bought is its attempt's record (price, currency, days, featured), read
when the attempt is reserved: changing or retiring a plan never changes a payment made.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wizard.postings.money import money


class Plan(models.Model):
    name = models.CharField(max_length=80, unique=True)
    includes = models.TextField(
        blank=True, help_text="What it includes, one line each: the employer sees these lines."
    )
    lifetime_days = models.PositiveIntegerField(
        default=30, help_text="Days on the board from publication."
    )
    featured = models.BooleanField(
        default=False, help_text="Pinned above the other postings on the board."
    )
    active = models.BooleanField(
        default=True,
        help_text="Offered to employers. A retired plan keeps its paid postings as they were.",
    )
    order = models.PositiveIntegerField(default=0, help_text="Plans are offered in this order.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    @property
    def included(self):
        return [line.strip() for line in self.includes.splitlines() if line.strip()]

    def price_in(self, currency):
        """This plan's amount in `currency` (minor units), or None when not sold in it.
        Reads the prefetched prices when there are."""
        for price in self.prices.all():
            if price.currency == currency:
                return price.amount
        return None


class PlanPrice(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, help_text="ISO 4217, lower case: eur, gbp, usd…")
    amount = models.PositiveIntegerField(help_text="Minor units (cents, pence; yen as is).")

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "currency"], name="one_price_per_currency")
        ]

    def __str__(self):
        return money(self.amount, self.currency)


@dataclass(frozen=True)
class Listing:
    """What one choice buys, priced: the plan (None: the settings' standard listing)."""

    plan: Plan | None
    name: str
    days: int
    featured: bool
    amount: int
    currency: str

    @property
    def price_display(self):
        return money(self.amount, self.currency)


def active_plans():
    """The plans offered, with their prices: from the cache (every page that shows a price
    asks), refilled from the database after any change to a plan or a price."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = list(Plan.objects.filter(active=True).prefetch_related("prices"))
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


CACHE_KEY = "plans:active"
CACHE_SECONDS = 300  # a bound, should a change ever be missed: saves empty it at once


@receiver([post_save, post_delete], sender=Plan)
@receiver([post_save, post_delete], sender=PlanPrice)
def _forget_plans(**kwargs):
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))  # a read between save and commit


def standard_listing():
    """The listing a board without plans sells (the settings)."""
    return Listing(
        plan=None,
        name="Standard listing",
        days=settings.POSTING_LIFETIME_DAYS,
        featured=False,
        amount=settings.POSTING_PRICE_AMOUNT,
        currency=settings.POSTING_PRICE_CURRENCY,
    )


def listing(plan, currency):
    """`plan` priced in `currency`, or None when it is not sold in it."""
    amount = plan.price_in(currency)
    if amount is None:
        return None
    return Listing(plan, plan.name, plan.lifetime_days, plan.featured, amount, currency)


def currencies(plans=None):
    """The currencies at least one active plan is sold in, sorted; the settings' currency
    when there are no plans."""
    plans = active_plans() if plans is None else plans
    found = sorted({price.currency for plan in plans for price in plan.prices.all()})
    return found or [settings.POSTING_PRICE_CURRENCY]


def offered(currency, plans=None):
    """The listings an employer may choose among in `currency`, in the plans' order: the
    standard listing when the board has no active plan."""
    plans = active_plans() if plans is None else plans
    if not plans:
        return [standard_listing()]
    return [found for plan in plans if (found := listing(plan, currency)) is not None]


def listing_for(posting):
    """What the posting's first payment buys now: the plan and currency it chose (its plan
    step), else the first plan offered in the board's first currency; the standard listing
    when the board has no plans. None when its plan is no longer offered in its currency
    (retired, or its price removed): the employer must choose again."""
    plans = active_plans()
    if not plans:
        return standard_listing()
    currency = posting.currency or default_currency(plans)
    if posting.plan_id is None:
        choices = offered(currency, plans)
        return choices[0] if choices else None
    plan = next((plan for plan in plans if plan.pk == posting.plan_id), None)
    return listing(plan, currency) if plan is not None else None


def default_currency(plans=None):
    """The currency prices are shown in before the employer says where they are."""
    found = currencies(plans)
    wanted = settings.POSTING_PRICE_CURRENCY
    return wanted if wanted in found else found[0]
