"""Staff's part of the soak, done as an operator does it: plans and their prices in the
admin (over HTTP, signed in as a superuser `manage.py createsuperuser` made), promotion
codes in Stripe (its /v1 API), and a price changed in the admin while employers pay.

Every price a plan had, and when, is kept in the PriceBook: the money checks
(soak/plan_checks.py) compare each payment's list price with the price at its reservation.
"""

import random
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import requests

from soak.config import PROJECT_ROOT
from soak.employer import Browser, Outcome, Unexpected, form_value, location
from soak.stripe_api import AUTHORIZATION

USERNAME = "soak-staff"
# The plans staff offer (prices in minor units), in the order employers see them.
PLANS = [
    {"name": "Standard", "featured": False, "prices": {"eur": 9900, "gbp": 8500}},
    {"name": "Featured", "featured": True, "prices": {"eur": 14900, "gbp": 12900}},
]
# The promotion codes staff create in Stripe: a coupon each.
CODES = {
    "SPRING20": {"percent_off": "20"},
    "TENOFF": {"amount_off": "1000", "currency": "eur"},  # EUR payments only
    "ONUS": {"percent_off": "100"},
}
# Mid-run price changes: (share of the ramp, plan, currency, new price).
PRICE_CHANGES = [
    (0.35, "Standard", "eur", 10900),
    (0.6, "Featured", "gbp", 13900),
    (0.8, "Standard", "eur", 9400),
]


@dataclass
class PriceBook:
    """plan id -> currency -> [(since, until_known, amount)]: each price with the moment
    staff pressed Save (since) and the moment the admin answered (the change is certainly
    in effect from then): a reservation in between may have either price."""

    plans: dict = field(default_factory=dict)  # name -> id
    history: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)  # (plan name, currency, old, new)

    def record(self, plan_id, currency, amount, since, sure):
        self.history.setdefault(plan_id, {}).setdefault(currency, []).append((since, sure, amount))

    def prices_at(self, plan_id, currency, at):
        """Every price the plan may have had in `currency` at `at` (a timestamp)."""
        found = set()
        for since, sure, amount in self.history.get(plan_id, {}).get(currency, []):
            if since <= at:
                found = {amount} if sure <= at else found | {amount}
        return found


def create_superuser(env, password):
    """As an operator does once: `manage.py createsuperuser --no-input`."""
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--no-input", "--username", USERNAME]
        + ["--email", "staff@soak.example"],
        cwd=PROJECT_ROOT,
        env={**env, "DJANGO_SUPERUSER_PASSWORD": password},
        check=True,
        stdout=subprocess.DEVNULL,
    )


class Admin:
    """Staff's browser on the admin."""

    def __init__(self, web_urls, env):
        self.password = secrets.token_urlsafe(16)
        create_superuser(env, self.password)
        self.outcome = Outcome(number=0, profile="staff")
        self.b = Browser(web_urls, self.outcome, random.Random(), threading.Event())

    def send(self, path, form, what):
        """GET the form's page for its CSRF token, POST it; a 503 is tried again."""
        for _ in range(10):
            page = self.b.get(path)
            if page.status_code == 200:
                token = form_value(page.text, "csrfmiddlewaretoken")
                response = self.b.post(path, {"csrfmiddlewaretoken": token, **form})
                if response.status_code == 302:
                    return response
                if response.status_code != 503:
                    raise Unexpected(f"{what}: HTTP {response.status_code}: {response.text[:300]}")
            time.sleep(1)
        raise Unexpected(f"{what}: the admin did not answer")

    def sign_in(self):
        response = self.send(
            "/admin/login/?next=/admin/",
            {"username": USERNAME, "password": self.password, "next": "/admin/"},
            "staff sign in",
        )
        if "/login/" in location(response):
            raise Unexpected("staff could not sign in to the admin")

    def plan_form(self, plan, prices):
        """The plan's change form as the admin draws it: its fields and its prices' inline
        (prices: [(price id or "", currency, minor units)])."""
        form = {
            "name": plan["name"],
            "includes": f"{plan['name']} listing for 30 days",
            "lifetime_days": "30",
            "order": str(plan["order"]),
            "active": "on",
            "prices-TOTAL_FORMS": str(len(prices)),
            "prices-INITIAL_FORMS": str(sum(1 for pk, _, _ in prices if pk)),
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        }
        if plan["featured"]:
            form["featured"] = "on"
        for index, (pk, currency, amount) in enumerate(prices):
            form[f"prices-{index}-id"] = str(pk)
            form[f"prices-{index}-plan"] = str(plan.get("id", ""))
            form[f"prices-{index}-currency"] = currency
            form[f"prices-{index}-amount"] = f"{amount / 100:.2f}"
        return form

    def add_plans(self, book):
        from wizard.postings.plans import Plan

        for order, plan in enumerate(PLANS):
            plan = {**plan, "order": order}
            prices = [("", currency, amount) for currency, amount in plan["prices"].items()]
            since = time.time()
            self.send("/admin/wizard/plan/add/", self.plan_form(plan, prices), "add a plan")
            book.plans[plan["name"]] = Plan.objects.get(name=plan["name"]).pk
            for currency, amount in plan["prices"].items():
                book.record(book.plans[plan["name"]], currency, amount, since, time.time())

    def change_price(self, book, name, currency, amount):
        from django.db import close_old_connections

        from wizard.postings.plans import Plan

        try:
            found = Plan.objects.prefetch_related("prices").get(pk=book.plans[name])
            old = next(p.amount for p in found.prices.all() if p.currency == currency)
            plan = {
                "name": found.name,
                "featured": found.featured,
                "order": found.order,
                "id": found.pk,
            }
            prices = [
                (p.pk, p.currency, amount if p.currency == currency else p.amount)
                for p in found.prices.all()
            ]
        finally:
            close_old_connections()
        since = time.time()
        path = f"/admin/wizard/plan/{found.pk}/change/"
        self.send(path, self.plan_form(plan, prices), f"change {name}'s {currency} price")
        book.record(found.pk, currency, amount, since, time.time())
        book.changes.append((name, currency, old, amount))


def create_codes(api_base):
    """The coupons and their promotion codes, through Stripe's API (before the chaos)."""
    for code, terms in CODES.items():
        coupon = requests.post(
            f"{api_base}/v1/coupons",
            data={"duration": "once", "name": code, **terms},
            headers=AUTHORIZATION,
            timeout=10,
        )
        coupon.raise_for_status()
        promotion = requests.post(
            f"{api_base}/v1/promotion_codes",
            data={"promotion[type]": "coupon", "promotion[coupon]": coupon.json()["id"]}
            | {"code": code},
            headers=AUTHORIZATION,
            timeout=10,
        )
        promotion.raise_for_status()


def set_up(stack):
    """Staff sign in, add the plans, create the codes; returns (admin, price book)."""
    admin, book = Admin([stack.web_url(0), stack.web_url(1)], stack.env), PriceBook()
    admin.sign_in()
    admin.add_plans(book)
    create_codes(stack.fakestripe.url)
    return admin, book


class PriceChanges(threading.Thread):
    """Staff change prices while employers pay (PRICE_CHANGES, over the ramp)."""

    def __init__(self, admin, book, ramp_seconds):
        super().__init__(name="soak-staff", daemon=True)
        self.admin, self.book, self.ramp = admin, book, ramp_seconds
        self.began = time.monotonic()
        self.stopped = threading.Event()
        self.errors = []

    def run(self):
        for share, name, currency, amount in PRICE_CHANGES:
            wait = self.began + share * self.ramp - time.monotonic()
            if self.stopped.wait(max(0.0, wait)):
                return
            try:
                self.admin.change_price(self.book, name, currency, amount)
            except (Unexpected, requests.RequestException) as error:
                self.errors.append(f"{name} {currency}: {error}")

    def stop(self):
        self.stopped.set()
        self.join(timeout=120)
