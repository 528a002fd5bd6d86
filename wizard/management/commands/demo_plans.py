"""Example plans for a development board (`make run` calls it): a "Standard" and a
"Featured" plan, 30 days each, priced in EUR, GBP and USD. Only with DEBUG on, and only
when no plan exists: staff's own plans are never touched. Not a migration: a production
board starts without plans and sells the settings' standard listing."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from wizard.postings.plans import Plan, PlanPrice

DEMO = [
    {
        "name": "Standard",
        "includes": "Listed on the board for 30 days\nSent to search engines",
        "featured": False,
        "prices": {"eur": 9900, "gbp": 8500, "usd": 9900},
    },
    {
        "name": "Featured",
        "includes": "Pinned at the top of the board for 30 days\nSent to search engines",
        "featured": True,
        "prices": {"eur": 14900, "gbp": 12900, "usd": 14900},
    },
]


class Command(BaseCommand):
    help = (
        "Create example plans (Standard and Featured, in EUR, GBP and USD) when DEBUG is on "
        "and no plan exists."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no example plans created.")
            return
        if Plan.objects.exists():
            self.stdout.write("Plans exist already: none created.")
            return
        with transaction.atomic():
            for order, demo in enumerate(DEMO):
                plan = Plan.objects.create(
                    name=demo["name"],
                    includes=demo["includes"],
                    lifetime_days=30,
                    featured=demo["featured"],
                    order=order,
                )
                for currency, amount in demo["prices"].items():
                    PlanPrice.objects.create(plan=plan, currency=currency, amount=amount)
        self.stdout.write(f"Created example plans: {', '.join(d['name'] for d in DEMO)}.")
