"""Simulated employers: each one a browser with its own cookies, going through the wizard
over HTTP as a person without JavaScript would (plus the emulated bot-check widget's
token, which the page's script would fill in), in one of several ways (PROFILES).

Every request to the app goes to one of the web processes at random, with the site's own
Host header, as a load balancer without sticky sessions sends it. An employer who meets a
friendly "try again" page (a 503 while Stripe fails, say) waits a little and tries again,
as people do; anything else unexpected ends that employer's visit and is reported.
"""

import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import requests

from soak import bank

REQUEST_TIMEOUT = 60  # seconds; the web's own timeout (WEB_TIMEOUT_SECONDS) is 30
SUCCESS_CARD = "4242424242424242"
# The billing country entered on Stripe's page (it asks with STRIPE_TAX on): taxed at its
# rate (DE, FR, GB, IE) or not collected (US), so the money invariant meets tax.
BILLING_COUNTRIES = ("US", "DE", "FR", "GB", "IE")
DECLINED_CARD = "4000000000000002"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# How employers go through the flow, and how many of each (weights).
PROFILES = {
    "pays": 40,  # pays, comes back, watches the confirmation page
    "declined_then_pays": 10,  # the first card is declined, the second works
    "pays_never_returns": 10,  # closes the tab on Stripe's page after paying
    "double_clicks": 10,  # two tabs press Pay at once, pay twice at once, return twice
    "edits_then_late_payment": 5,  # edits after opening a checkout, pays the new one; the
    #                                old one's payment arrives late (must be refunded)
    "withdraws": 5,  # pays, then withdraws before review for a refund
    "abandons_checkout": 8,  # opens Stripe's page and leaves
    "cancels_checkout": 5,  # presses Cancel on Stripe's page and leaves
    "leaves_before_paying": 7,  # fills in the details and leaves
    # After paying, Stripe's side acts on the charge (soak/bank.py), as the card holder's
    # bank or staff in Stripe's Dashboard would, under the same chaos as everything else:
    "disputed_won": 2,  # the bank disputes the charge; evidence is sent; the dispute is won
    "disputed_lost": 2,  # the bank disputes the charge; nobody answers; the dispute is lost
    "fraud_warning": 2,  # the card's issuer sends an early fraud warning on the charge
    "dashboard_refund_full": 2,  # staff refund the whole charge in Stripe's Dashboard
    "dashboard_refund_partial": 2,  # staff refund a quarter of it in Stripe's Dashboard
    # Pays from a bank account (a delayed method: the debit settles later), presses Pay
    # again from a stale tab while it is processing (must open nothing); then the bank
    # settles the debit: it succeeds, or it fails and the employer pays by card.
    "pays_by_bank": 3,
    "pays_by_bank_fails_then_card": 2,
}
PAYING = {
    "pays",
    "declined_then_pays",
    "pays_never_returns",
    "double_clicks",
    "edits_then_late_payment",
    "withdraws",
    "disputed_won",
    "disputed_lost",
    "fraud_warning",
    "dashboard_refund_full",
    "dashboard_refund_partial",
    "pays_by_bank",
    "pays_by_bank_fails_then_card",
}


class CutOff(Exception):
    """The load phase ended while this employer was still at work."""


class Unexpected(Exception):
    """A page the employer could not make sense of."""


@dataclass
class Outcome:
    """What one employer did and saw."""

    number: int
    profile: str
    posting_id: str = ""
    stage: str = "arriving"
    paid_sessions: list = field(default_factory=list)  # paid on Stripe's page
    late_session: str = ""  # a superseded session whose payment arrived late
    checkout_urls: list = field(default_factory=list)  # what each press of Pay opened
    saw_confirmation: bool = False
    withdrew: bool = False
    charge_id: str = ""  # the charge Stripe's side acted on (soak/bank.py)
    bank: list = field(default_factory=list)  # what Stripe's side did to it, in order
    expected: str = ""  # the posting's status that what was done calls for ("": the default)
    debit_session: str = ""  # a session paid by a delayed method, its debit not settled yet
    pay_while_processing: str = ""  # what a press of Pay got while the debit was processing
    renewal_sessions: list = field(default_factory=list)  # renewals paid (soak/returning.py)
    # A duplicate (soak/returning.py): posting_id is the copy from then on; the original
    # and the sessions that paid for it are kept here.
    original_id: str = ""
    original_sessions: list = field(default_factory=list)
    # An edit of a live posting (soak/returning.py): staff's decision and the title each
    # outcome leaves on the board.
    edit_decision: str = ""  # "approved" or "rejected"
    board_title: str = ""
    # The plan, currency, VAT answer and promotion code chosen (soak/choices.py), the code
    # typed on Stripe's page, and the upgrades paid (soak/returning.py).
    choices: object = None
    code_typed: str = ""
    upgrade_sessions: list = field(default_factory=list)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    retries: int = 0
    server_errors: list = field(default_factory=list)  # 500s and other 5xx but 503
    unexpected: str = ""
    cut_off: bool = False
    finished: bool = False
    seconds: float = 0.0

    @property
    def paid(self):
        return bool(self.paid_sessions)


class Browser:
    """One employer's browser. It keeps the app's cookies itself: with DEBUG off they are
    Secure, which Python's cookie jar sends only over https, while browsers also send
    them to http://127.0.0.1 (a "potentially trustworthy" origin)."""

    def __init__(self, web_urls, outcome, rng, stop, tab_of=None):
        self.web_urls = web_urls
        self.site_host = urlsplit(web_urls[0]).netloc  # the Host every backend is sent
        self.outcome = outcome
        self.rng = rng
        self.stop = stop
        self.http = requests.Session()
        self.http.trust_env = False  # no proxies: everything is on 127.0.0.1
        # Another tab of the same browser has the same cookies.
        self.cookies = dict(tab_of.cookies) if tab_of is not None else {}

    def new_tab(self):
        return Browser(self.web_urls, self.outcome, self.rng, self.stop, tab_of=self)

    # ---- requests --------------------------------------------------------------

    def route(self, path_or_url):
        """Where the load balancer sends a request: (URL, whether it is to the app)."""
        path = path_or_url
        for base in self.web_urls:
            if path_or_url.startswith(base):
                path = path_or_url.removeprefix(base)
        if path.startswith("http"):
            return path, False  # another site: Stripe's page
        return self.rng.choice(self.web_urls) + path, True

    def request(self, method, path_or_url, data=None, files=None):
        url, to_app = self.route(path_or_url)
        headers = {"Host": self.site_host} if to_app else {}
        if to_app and self.cookies:
            headers["Cookie"] = self.cookie_header()
        response = self.http.request(
            method,
            url,
            data=data,
            files=files,
            headers=headers,
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT,
        )
        if to_app:
            self.remember_cookies(response)
        self.outcome.requests += 1
        self.outcome.statuses[response.status_code] += 1
        if response.status_code >= 500 and response.status_code != 503:
            path = urlsplit(url).path
            self.outcome.server_errors.append(f"{method} {path} -> {response.status_code}")
        return response

    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def remember_cookies(self, response):
        self.http.cookies.clear()  # requests' own jar: unused
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":  # deleted
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value  # sent back as it came

    def get(self, path_or_url):
        return self.request("GET", path_or_url)

    def post(self, path_or_url, data, files=None):
        return self.request("POST", path_or_url, data, files)

    def think(self, low=0.2, high=1.2):
        """A person's pause between two actions; the end of the load phase stops them."""
        if self.stop.wait(self.rng.uniform(low, high)):
            raise CutOff()

    def retry_pause(self):
        self.outcome.retries += 1
        self.think(1.0, 3.0)


# ---- reading pages -------------------------------------------------------------------


def location(response):
    return response.headers.get("Location", "")


def path_of(url):
    return urlsplit(url).path


def form_value(page, name):
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    if not found:
        raise Unexpected(f"no {name} field in the page")
    return found[1]


def botcheck_field(page):
    """The emulated widget's field and the fresh token the page carries for it."""
    found = re.search(r'name="([^"]+)" value="" data-botcheck-token="([^"]+)"', page)
    if not found:
        raise Unexpected("no bot-check token in the payment page")
    return found[1], found[2]


def expect(response, *statuses, what):
    if response.status_code not in statuses:
        raise Unexpected(f"{what}: HTTP {response.status_code} at {response.url}")
    return response


# ---- the steps -----------------------------------------------------------------------


def details_fields(number, title=None, description=None):
    """What employer `number` types on the details step (and when editing a live posting)."""
    return {
        "company_name": f"Soak Company {number}",
        "title": title or f"Reliability Engineer #{number}",
        "workplace": "hybrid",
        "city": "Berlin",
        "country": "DE",
        "employment_type": "full_time",
        "salary_min": "70000",
        "salary_max": "90000",
        "salary_currency": "eur",
        "description": description or "Keep things running when everything fails at once.",
        "apply_url": f"https://soak.example/jobs/{number}",
        "apply_email": "",
        "contact_email": f"employer{number}@soak.example",
    }


class Visit:
    """One employer's way through the flow, step by step."""

    def __init__(self, browser, fakestripe, fakeproviders=None):
        self.b = browser
        self.fakestripe = fakestripe
        self.fakeproviders = fakeproviders
        self.outcome = browser.outcome
        self.number = self.outcome.number

    def step_path(self, step):
        return f"/post/{self.outcome.posting_id}/{step}/"

    def start(self):
        self.outcome.stage = "start"
        page = expect(self.b.get("/post/"), 200, what="start page")
        response = self.b.post(
            "/post/", {"csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken")}
        )
        expect(response, 302, what="start")
        found = re.fullmatch(rf"/post/({UUID})/logo/", path_of(location(response)))
        if not found:
            raise Unexpected(f"start led to {location(response)}")
        self.outcome.posting_id = found[1]

    def skip_logo(self):
        self.outcome.stage = "logo"
        page = expect(self.b.get(self.step_path("logo")), 200, what="logo page")
        token = form_value(page.text, "csrfmiddlewaretoken")
        response = self.b.post(self.step_path("logo"), {"csrfmiddlewaretoken": token, "skip": "1"})
        expect(response, 302, what="skip the logo")

    def details(self, title=None):
        """Save the details (again, to edit them); returns where the wizard went next."""
        self.outcome.stage = "details"
        while True:
            page = expect(self.b.get(self.step_path("details")), 200, what="details page")
            form = {
                "csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"),
                **details_fields(self.number, title),
            }
            response = self.b.post(self.step_path("details"), form)
            if response.status_code == 503:  # expiring the open checkout failed: again
                self.b.retry_pause()
                continue
            expect(response, 302, what="save the details")
            return location(response)

    def press_pay(self, tab=None):
        """Press Pay; returns the hosted checkout's URL, or "" when the posting turned out
        to be paid already (the wizard shows the confirmation)."""
        tab = tab or self.b
        self.outcome.stage = "pay"
        for _ in range(8):
            page = expect(tab.get(self.step_path("payment")), 200, 302, what="payment page")
            if page.status_code == 302:
                if path_of(location(page)) == self.step_path("confirmation"):
                    return ""
                if not path_of(location(page)).startswith(f"/post/{self.outcome.posting_id}/"):
                    raise Unexpected(f"payment page led to {location(page)}")
                choices.steps_to_payment(self, location(page))  # a step still to answer
                continue
            field_name, token = botcheck_field(page.text)
            form = {
                "csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"),
                "reviewed": form_value(page.text, "reviewed"),
                field_name: token,
                "pay": "",
            }
            tab.think(0.1, 0.5)
            response = tab.post(self.step_path("payment"), form)
            if response.status_code == 302:
                target = location(response)
                if target.startswith(self.fakestripe.url + "/checkout/"):
                    self.outcome.checkout_urls.append(target)
                    return target
                if path_of(target) == self.step_path("confirmation"):
                    return ""
                raise Unexpected(f"Pay led to {target}")
            if response.status_code in (503, 409, 422):  # Stripe down, page stale, check spent
                tab.retry_pause()
                continue
            raise Unexpected(f"Pay: HTTP {response.status_code}")
        raise Unexpected("Pay did not work after 8 tries")

    def open_checkout(self, checkout_url, tab=None):
        self.outcome.stage = "checkout"
        expect((tab or self.b).get(checkout_url), 200, what="Stripe's page")

    def pay_on_stripe(self, checkout_url, card=SUCCESS_CARD, tab=None):
        """Submit the hosted form: the success URL to return to, or None if not paid."""
        tab = tab or self.b
        choices.type_code(self, checkout_url, tab)
        self.outcome.stage = "checkout"
        response = tab.post(
            checkout_url.rstrip("/") + "/pay",
            {"card_number": card, "billing_country": tab.rng.choice(BILLING_COUNTRIES)},
        )
        if response.status_code == 303:
            self.outcome.paid_sessions.append(session_id(checkout_url))
            return location(response)
        return None

    def come_back(self, success_url, tab=None):
        """Follow the success URL; True when the wizard shows the confirmation."""
        tab = tab or self.b
        self.outcome.stage = "return"
        for _ in range(3):
            response = expect(tab.get(success_url), 302, what="return from Stripe")
            if path_of(location(response)) == self.step_path("confirmation"):
                return True
            tab.retry_pause()  # "we could not confirm your payment yet": reload
        return False

    def watch_confirmation(self, until_in_review=False, polls=15):
        """Look at the confirmation page a few times, as its polling does; True once it
        shows the posting in review (the withdraw button is offered then)."""
        self.outcome.stage = "confirmation"
        for _ in range(polls):
            page = self.b.get(self.step_path("confirmation"))
            expect(page, 200, 302, what="confirmation page")
            if page.status_code == 200:
                self.outcome.saw_confirmation = True
                if not until_in_review or 'name="withdraw"' in page.text:
                    return page
            self.b.think(1.5, 2.5)
        return None

    def withdraw(self):
        page = self.watch_confirmation(until_in_review=True, polls=30)
        if page is None:
            return
        self.outcome.stage = "withdraw"
        token = form_value(page.text, "csrfmiddlewaretoken")
        response = self.b.post(
            self.step_path("confirmation"), {"csrfmiddlewaretoken": token, "withdraw": "confirmed"}
        )
        expect(response, 200, what="withdraw")
        self.outcome.withdrew = True

    def cancel_on_stripe(self, checkout_url):
        response = expect(self.b.get(checkout_url.rstrip("/") + "/cancel"), 303, what="cancel")
        expect(self.b.get(location(response)), 200, what="back from Stripe's Cancel")


def session_id(checkout_url):
    return path_of(checkout_url).rstrip("/").split("/")[-1]


# ---- the profiles ----------------------------------------------------------------------


def through_details(visit):
    visit.start()
    visit.b.think()
    visit.skip_logo()
    visit.b.think()
    choices.steps_to_payment(visit, visit.details())
    visit.b.think()


def pay_and_return(visit, card=SUCCESS_CARD, watch=True):
    checkout = visit.press_pay()
    if not checkout:
        return
    visit.open_checkout(checkout)
    visit.b.think()
    success = visit.pay_on_stripe(checkout, card)
    if success is None:
        raise Unexpected("the card was refused")
    visit.b.think(0.1, 0.5)
    if visit.come_back(success) and watch:
        visit.watch_confirmation(polls=visit.b.rng.randint(1, 3))


def pays(visit):
    through_details(visit)
    pay_and_return(visit)


def declined_then_pays(visit):
    through_details(visit)
    checkout = visit.press_pay()
    if not checkout:
        return
    visit.open_checkout(checkout)
    if visit.pay_on_stripe(checkout, DECLINED_CARD) is not None:
        raise Unexpected("a declined card was accepted")
    visit.b.think()
    success = visit.pay_on_stripe(checkout, SUCCESS_CARD)
    if success is None:
        raise Unexpected("the second card was refused")
    visit.come_back(success)


def pays_never_returns(visit):
    through_details(visit)
    checkout = visit.press_pay()
    if checkout:
        visit.open_checkout(checkout)
        visit.b.think()
        visit.pay_on_stripe(checkout)


def double_clicks(visit):
    """Two tabs, each with its own payment page, press Pay at the same moment: both must be
    sent to the same checkout. Then Stripe's Pay is submitted twice at once (one payment),
    and both tabs come back at once."""
    through_details(visit)
    tabs = [visit.b, visit.b.new_tab()]
    urls = together(lambda tab: visit.press_pay(tab), tabs)
    urls = [url for url in urls if url]
    if not urls:
        return
    visit.open_checkout(urls[0])
    paid = together(lambda tab: visit.pay_on_stripe(urls[0], tab=tab), tabs)
    successes = [url for url in paid if url]
    if successes:
        together(lambda tab: visit.come_back(successes[0], tab=tab), tabs)
        visit.watch_confirmation(polls=2)


def edits_then_late_payment(visit):
    """Opens a checkout, goes back to edit (which expires it), pays a new checkout; then the
    first checkout's payment arrives after all (as a payment racing expiry can): the app
    must refund it and keep the posting paid once."""
    through_details(visit)
    first = visit.press_pay()
    if not first:
        return
    visit.open_checkout(first)
    visit.b.think()
    visit.details(title=f"Senior Reliability Engineer #{visit.number}")
    visit.b.think()
    pay_and_return(visit, watch=False)
    visit.outcome.stage = "late payment"
    visit.fakestripe.complete_session(session_id(first), force=True)
    visit.outcome.late_session = session_id(first)


def withdraws(visit):
    through_details(visit)
    pay_and_return(visit, watch=False)
    visit.withdraw()


def pays_then_stripe_acts(visit, act):
    """Pays and comes back; once the confirmation page shows the payment recorded (or
    after a while: then the reconciler must catch up), Stripe's side acts on the charge."""
    through_details(visit)
    pay_and_return(visit, watch=False)
    if not visit.outcome.paid:
        return
    visit.watch_confirmation(polls=10)
    visit.outcome.stage = "stripe acts"
    charge = bank.charge_of_session(visit.fakestripe.url, visit.outcome.paid_sessions[-1])
    if charge is None:
        raise Unexpected("the paid session has no charge at Stripe")
    visit.outcome.charge_id = charge["id"]
    act(bank.Bank(visit.fakestripe, visit.outcome, visit.b.think), charge)


def disputed_won(visit):
    pays_then_stripe_acts(visit, lambda stripe, charge: stripe.dispute(charge, "won"))


def disputed_lost(visit):
    pays_then_stripe_acts(visit, lambda stripe, charge: stripe.dispute(charge, "lost"))


def fraud_warning(visit):
    pays_then_stripe_acts(visit, lambda stripe, charge: stripe.early_fraud_warning(charge))


def dashboard_refund_full(visit):
    pays_then_stripe_acts(visit, lambda stripe, charge: stripe.dashboard_refund(charge))


def dashboard_refund_partial(visit):
    pays_then_stripe_acts(
        visit, lambda stripe, charge: stripe.dashboard_refund(charge, charge["amount"] // 4)
    )


def delayed_method_of(page):
    """The delayed method Stripe's page offers (a form of its own), or None."""
    found = re.search(r'name="payment_method" value="([a-z_]+)"', page)
    return found[1] if found else None


def pays_by_bank(visit, bank_succeeds=True):
    """Pays by the delayed method Stripe's page offers. While the debit is processing a
    stale tab presses Pay (it must open no checkout); then the bank settles the debit."""
    through_details(visit)
    stale_tab = visit.b.new_tab()
    stale_page = expect(stale_tab.get(visit.step_path("payment")), 200, what="payment page")
    checkout = visit.press_pay()
    if not checkout:
        return
    page = expect(visit.b.get(checkout), 200, what="Stripe's page")
    method = delayed_method_of(page.text)
    if method is None:
        raise Unexpected("Stripe's page offers no delayed method")
    visit.b.think()
    visit.outcome.stage = "checkout (bank account)"
    response = visit.b.post(
        checkout.rstrip("/") + "/pay",
        {"payment_method": method, "billing_country": visit.b.rng.choice(BILLING_COUNTRIES)},
    )
    expect(response, 303, what=f"pay by {method}")
    visit.outcome.debit_session = session_id(checkout)
    visit.outcome.expected = "payment_processing"
    visit.outcome.stage = "return"
    expect(visit.b.get(location(response)), 302, what="return from Stripe")
    visit.b.think(0.1, 0.5)
    press_pay_while_processing(visit, stale_tab, stale_page.text)
    visit.b.think(1.0, 3.0)  # the bank takes its time
    visit.outcome.stage = "the bank settles"
    settle_debit(visit.fakestripe, visit.outcome, bank_succeeds)
    if bank_succeeds:
        return
    wait_for_the_pay_button(visit)
    pay_and_return(visit)
    visit.outcome.expected = "in_review"


def press_pay_while_processing(visit, tab, stale_page):
    """Press Pay on a payment page drawn before the debit started: whatever the app knows
    yet (the return, the webhook), it must open no checkout (409, the processing page)."""
    visit.outcome.stage = "Pay while processing"
    field_name, token = botcheck_field(stale_page)
    form = {
        "csrfmiddlewaretoken": form_value(stale_page, "csrfmiddlewaretoken"),
        "reviewed": form_value(stale_page, "reviewed"),
        field_name: token,
        "pay": "",
    }
    for _ in range(4):
        response = tab.post(visit.step_path("payment"), form)
        if response.status_code == 503:  # Stripe could not be asked: again
            tab.retry_pause()
            continue
        target = location(response) if response.status_code == 302 else ""
        if target.startswith(visit.fakestripe.url + "/checkout/"):
            visit.outcome.checkout_urls.append(target)
        visit.outcome.pay_while_processing = f"{response.status_code} {target}".strip()
        return


def settle_debit(fakestripe, outcome, succeeded):
    """The bank's answer to a pending debit (fakestripe's async_result control)."""
    fakestripe.async_result(outcome.debit_session, succeeded)
    outcome.bank.append("debit succeeded" if succeeded else "debit failed")
    if succeeded:
        outcome.paid_sessions.append(outcome.debit_session)
        outcome.expected = "in_review"
    else:
        outcome.expected = "ready_to_pay"
    outcome.debit_session = ""


def wait_for_the_pay_button(visit, polls=30):
    """After a failed debit the payment step offers Pay again, once the app knows."""
    visit.outcome.stage = "back to pay"
    for _ in range(polls):
        page = expect(visit.b.get(visit.step_path("payment")), 200, what="payment page")
        if "data-botcheck-token" in page.text:
            return
        visit.b.think(1.5, 2.5)
    raise Unexpected("the payment step did not offer Pay again after the debit failed")


def pays_by_bank_fails_then_card(visit):
    pays_by_bank(visit, bank_succeeds=False)


def abandons_checkout(visit):
    through_details(visit)
    checkout = visit.press_pay()
    if checkout:
        visit.open_checkout(checkout)


def cancels_checkout(visit):
    through_details(visit)
    checkout = visit.press_pay()
    if checkout:
        visit.open_checkout(checkout)
        visit.b.think()
        visit.cancel_on_stripe(checkout)


def leaves_before_paying(visit):
    through_details(visit)
    expect(visit.b.get(visit.step_path("payment")), 200, what="payment page")


RUN = {
    "pays": pays,
    "declined_then_pays": declined_then_pays,
    "pays_never_returns": pays_never_returns,
    "double_clicks": double_clicks,
    "edits_then_late_payment": edits_then_late_payment,
    "withdraws": withdraws,
    "abandons_checkout": abandons_checkout,
    "cancels_checkout": cancels_checkout,
    "leaves_before_paying": leaves_before_paying,
    "disputed_won": disputed_won,
    "disputed_lost": disputed_lost,
    "fraud_warning": fraud_warning,
    "dashboard_refund_full": dashboard_refund_full,
    "dashboard_refund_partial": dashboard_refund_partial,
    "pays_by_bank": pays_by_bank,
    "pays_by_bank_fails_then_card": pays_by_bank_fails_then_card,
}


# Returning employers (soak/returning.py), who come back to a posting once it is live;
# the steps between the details and Pay, and the promotion codes (soak/choices.py).
from soak import choices, returning  # noqa: E402  (they build on the visits above)

PROFILES.update(returning.PROFILES)
PAYING.update(returning.PROFILES)
RUN.update(returning.RUN)


def together(action, tabs):
    """Run action(tab) for each tab at the same moment; their results, in order."""
    results = [None] * len(tabs)
    errors = []
    barrier = threading.Barrier(len(tabs))

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = action(tabs[index])
        except Exception as exc:  # re-raised in the employer's own thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def choose_profiles(count, rng, only=()):
    """count profiles in PROFILES' proportions (of those named in `only`, when given),
    shuffled."""
    weights = {name: weight for name, weight in PROFILES.items() if not only or name in only}
    if not weights:
        raise SystemExit(f"SOAK_ONLY names no profile; they are: {', '.join(PROFILES)}")
    names = list(weights)
    total = sum(weights.values())
    chosen = []
    for name in names:
        chosen += [name] * round(count * weights[name] / total)
    while len(chosen) < count:
        chosen.append(rng.choices(names, weights=weights.values())[0])
    rng.shuffle(chosen)  # before trimming a rounding's excess: no profile loses for its place
    chosen = chosen[:count]
    return chosen


def visit(number, profile, web_urls, emulators, seed, stop):
    """One employer, start to end, in the calling thread; returns their Outcome.
    `emulators`: (fakestripe, fakeproviders)."""
    outcome = Outcome(number=number, profile=profile)
    rng = random.Random(seed)
    outcome.choices = choices.choose(rng, profile, free_allowed=profile == "pays")
    began = time.monotonic()
    try:
        RUN[profile](Visit(Browser(web_urls, outcome, rng, stop), *emulators))
        outcome.finished = True
    except CutOff:
        outcome.cut_off = True
    except Unexpected as exc:
        outcome.unexpected = f"{outcome.stage}: {exc}"
    except (requests.RequestException, RuntimeError, OSError) as exc:
        outcome.unexpected = f"{outcome.stage}: {type(exc).__name__}: {exc}"
    outcome.seconds = time.monotonic() - began
    return outcome
