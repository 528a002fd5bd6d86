"""Every page a person can reach, in Chromium at desktop (1280×900) and phone (390×844)
sizes. On each one:

- axe-core finds no violation of WCAG 2.1 A and AA, nor of its best practices;
- the page is no wider than the window (no sideways scrolling);
- the browser reports no Content Security Policy violation, htmx swaps included;
- a full-page screenshot is saved as var/screenshots/every-page/<page>-<size>.png, for a
  person to look at.

axe-core is the copy bundled by the axe-playwright-python package (pinned in uv.lock). It
is injected with page.evaluate, which runs through the DevTools protocol and is not subject
to the page's CSP: the site's strict policy (SECURE_CSP: scripts only from 'self' or with a
nonce, no inline style) stays in force, so what the CSP check hears is what a visitor's
browser would report. A `bypass_csp` context or `add_script_tag` would not do: the first
switches off the very policy the CSP check listens to, and the second is refused by it.
Running axe itself reports no CSP violation (it adds no script or style element).

Pages are reached the way a person reaches them (links, buttons, htmx swaps) where that
exercises something; the data behind them (published jobs, paid postings, side effects,
refunds, Stripe events) is made directly in the database (tests.factories).
"""

import re
from datetime import timedelta
from unittest import mock

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts import employer
from tests.attempts import attempt_for
from tests.conftest import image_bytes
from tests.e2e.accounts import signed_in
from tests.e2e.conftest import screenshot_path
from tests.e2e.walk import complete_steps, expect_step, fill_in
from tests.events import stored_event
from tests.factories import posting_at
from wizard.flow.order import FLOW
from wizard.jobs import staff_alert
from wizard.jobs.models import Job, StaffNotice
from wizard.models import Actor, DailyNumbers, JobPosting, Status
from wizard.payments.chargebacks import Dispute
from wizard.payments.models import PaymentAttempt, Refund, RefundMade
from wizard.postings.links import make_finish_later_token, make_manage_token

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# The rules: every axe rule tagged for WCAG 2.0/2.1 levels A and AA, plus axe's best
# practices (landmarks, one h1, heading order, …). Nothing is switched off. WCAG 2.2's
# new rule (target-size) and axe's experimental rules are not asked for.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}

# The browser reports a CSP violation twice over: as a console message (Chromium's wording
# has changed over versions: "Refused to …", "… violates the following Content Security
# Policy directive …") and as a `securitypolicyviolation` event, which this listener,
# installed before any page script runs, passes to the test.
CSP_CONSOLE = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || location.href}:${event.lineNumber})`
  );
});
"""


class Visitor:
    """One browser context at one size, checking each page it is shown."""

    def __init__(self, context, size, base_url):
        self.size = size
        self.base_url = base_url
        self.problems = []
        self.csp = []
        context.expose_function(
            "reportCspViolation", lambda text: self.csp.append(f"event: {text}")
        )
        context.add_init_script(CSP_LISTENER)
        self.page = context.new_page()
        self.page.on("console", self.hear)

    def hear(self, message):
        if CSP_CONSOLE.search(message.text):
            self.csp.append(f"console: {message.text}")

    @property
    def phone(self):
        return self.size == "phone"

    def goto(self, path, status=200):
        response = self.page.goto(self.base_url + path)
        assert response.status == status, f"{path}: {response.status}, expected {status}"
        return response

    def check(self, name, *, screenshot=True):
        """Check the page as it is now; record what is wrong, and save a screenshot."""
        page, label = self.page, f"{name}-{self.size}"
        page.wait_for_load_state()
        for violation in self.axe():
            nodes = "".join(
                f"\n      {' '.join(node['target'])}: {node['html'][:160]}"
                f"\n        {node.get('failureSummary', '').replace(chr(10), ' ')}"
                for node in violation["nodes"]
            )
            self.problems.append(
                f"[{label}] axe {violation['id']} ({violation['impact']}): "
                f"{violation['help']} <{violation['helpUrl']}>{nodes}"
            )
        scroll_width, window_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > window_width:
            widest = page.evaluate(WIDEST_ELEMENTS, window_width)
            self.problems.append(
                f"[{label}] the page is {scroll_width}px wide in a {window_width}px window; "
                f"too wide: {widest}"
            )
        self.report_csp(label)
        # caret="initial": Playwright's default (hiding the text caret) leaves an empty
        # style="" attribute on form fields, and htmx, settling a swap, copies an old
        # element's style attribute onto its replacement, which the CSP then refuses
        # ("Applying inline style violates … style-src 'self'"): a violation made by the
        # test, not the site.
        if screenshot:
            page.screenshot(
                path=screenshot_path(f"every-page/{label}"), full_page=True, caret="initial"
            )

    def report_csp(self, label):
        self.page.evaluate("() => 0")  # a round trip: what the page reported before has arrived
        self.problems.extend(f"[{label}] CSP: {text}" for text in self.csp)
        self.csp.clear()

    def axe(self):
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(AXE_SCRIPT)
        return self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)[
            "violations"
        ]

    def assert_no_problems(self):
        self.report_csp(f"end-{self.size}")
        assert not self.problems, f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems)


# The elements that stick out to the right of the window, outermost first.
WIDEST_ELEMENTS = """
width => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .slice(0, 5)
  .map((el) => {
    const classes = typeof el.className === "string" ? el.className.trim() : "";
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (classes ? "." + classes.split(/\\s+/).join(".") : "");
    return `${name} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`;
  })
"""


def test_the_checks_hear_what_they_look_for(browser, live_server):
    """Without this, "no problem" could mean "not listening": an image without a text
    alternative, an element wider than the window, and an inline style set the way htmx
    would set one are each reported (the CSP violation on both channels)."""
    context = browser.new_context(viewport=SIZES["phone"])
    visitor = Visitor(context, "phone", live_server.url)
    visitor.goto("/post/")
    visitor.page.evaluate(
        """() => {
          document.querySelector("h1").setAttribute("style", "color: red");
          document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<img src="/static/img/favicon.svg" class="too-wide">'
          );
          document.querySelector("img.too-wide").width = 800;
        }"""
    )
    visitor.check("self-test", screenshot=False)
    problems = "\n".join(visitor.problems)
    assert "axe image-alt" in problems
    assert "img.too-wide (right edge" in problems
    assert "CSP: console: " in problems and "CSP: event: style-src-attr" in problems
    context.close()


@pytest.fixture(params=list(SIZES))
def visitor(request, browser, live_server):
    context = browser.new_context(viewport=SIZES[request.param])
    visitor = Visitor(context, request.param, live_server.url)
    yield visitor
    context.close()


def box(locator):
    return locator.bounding_box()


def fill_in_page(page, heading, following):
    """Fill the details page under `heading` with the example answers it asks for, and
    press Continue until the page under `following` shows."""
    for field_name, value in FLOW["details"].example_answers.items():
        field = page.locator(f'#step-panel [name="{field_name}"]')
        if not field.count():
            continue
        if field.first.get_attribute("type") == "radio":
            page.locator(f'[name="{field_name}"][value="{value}"]').check()
            expect(page.locator(".htmx-request")).to_have_count(0)
        elif field.first.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", name=following)).to_be_visible()


# --- The wizard, before payment --------------------------------------------------------

LONG_APPLY_URL = "https://careers.acme.example/jobs/" + "senior-django-engineer-" * 6 + "42"


def test_the_wizard_before_payment(visitor, settings):
    v, page = visitor, visitor.page
    v.goto("/")
    expect(page.get_by_text("No jobs are open right now")).to_be_visible()
    v.check("board-empty")

    page.get_by_role("link", name="Post a job").click()
    expect(page.get_by_role("heading", name="Post a job")).to_be_visible()
    v.check("start")

    page.get_by_role("button", name="Start my posting").click()
    expect_step(page, "logo")
    v.check("logo")

    # Not an image: the form comes back with its error, swapped in by htmx (422).
    page.get_by_label("Company logo").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not an image"}
    )
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.locator(".field--invalid")).to_have_count(1)
    v.check("logo-errors")

    page.get_by_role("button", name="Continue without a logo").click()
    expect_step(page, "details")
    v.check("details")

    # The details, page by page: an empty first page says what to do, field by field.
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.locator(".errorlist").get_by_text("Enter the job title")).to_be_visible()
    v.check("details-errors")
    # "Finish later" from a page without the email field asks where to send the link.
    page.get_by_role("button", name="Finish later").click()
    expect(page.get_by_role("heading", name="Finish later")).to_be_visible()
    v.check("details-finish-later")
    page.get_by_role("link", name="Back to your answers").click()
    expect(page.get_by_role("heading", name="About the job")).to_be_visible()
    fill_in_page(page, "About the job", "Where the work is")
    v.check("details-where")
    page.get_by_label("Remote").check()
    expect(page.get_by_role("searchbox", name="Countries applicants may live in")).to_be_visible()
    v.check("details-where-remote")
    page.get_by_label("Hybrid").check()
    expect(page.get_by_label("Town or city")).to_be_visible()
    v.check("details-where-office")
    fill_in_page(page, "Where the work is", "Salary and how to apply")

    # A salary range the wrong way round and no currency.
    page.get_by_label("Salary from").fill("90000")
    page.get_by_label("Salary to").fill("70000")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_focused()
    v.check("details-apply-errors")
    salary = [page.get_by_label(name) for name in ("Salary from", "Salary to", "Currency")]
    boxes = [box(field) for field in salary]
    currency_error = page.locator(".field--invalid", has=page.get_by_label("Currency"))
    currency_error = currency_error.locator(".errorlist")
    if v.phone:
        # One column: each field under the previous one, as wide as the form.
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"], boxes
        assert {round(b["x"]) for b in boxes} == {round(boxes[0]["x"])}, boxes
        assert boxes[2]["width"] > 250, boxes
        # An error reads as a line of text, not one word per line.
        assert box(currency_error)["height"] < 3 * 24, box(currency_error)
    else:
        # One row: side by side (a select is a few pixels shorter than a text input).
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"], boxes
        assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < 10, boxes

    # Back to an earlier step through the progress bar, and forward again (an htmx swap):
    # the details open on the page with answers still to save, as typed.
    page.get_by_role("navigation", name="Progress").get_by_role(
        "link", name=re.compile("Logo")
    ).click()
    expect_step(page, "logo")
    page.get_by_role("button", name="Continue without a logo").click()
    expect_step(page, "details")
    expect(page.get_by_label("Salary from")).to_have_value("90000")

    # Ask for a link to finish later (needs the contact email only).
    page.get_by_label("Your email address").fill("hiring@acme.example")
    page.get_by_role("button", name="Finish later").click()
    expect(page.get_by_role("status")).to_be_visible()
    v.check("details-link-sent")

    details = {
        "salary_min": "70000",
        "salary_max": "90000",
        "salary_currency": "eur",
        "description": "Build reliable things with Django, with a kind team.",
        "apply_url": LONG_APPLY_URL,
    }
    complete_steps(page, "payment", details=details)
    expect(page.get_by_role("heading", name="Review and pay")).to_be_visible()
    expect(page.get_by_text(LONG_APPLY_URL)).to_be_visible()
    v.check("payment")  # the long URL wraps: the page keeps the window's width

    # The emailed "finish later" link opens a page that asks before it spends the link.
    posting = JobPosting.objects.get()
    v.goto(reverse("wizard:finish_later", args=[make_finish_later_token(posting)]))
    expect(page.get_by_role("heading", name="Continue your draft")).to_be_visible()
    v.check("finish-later-link")
    page.get_by_role("button", name="Continue your draft").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()

    v.goto(reverse("wizard:finish_later", args=["not-a-real-token"]), status=400)
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    v.check("link-not-valid")

    JobPosting.objects.filter(pk=posting.pk).update(status=Status.ABANDONED)
    v.goto(reverse("wizard:payment", args=[posting.pk]), status=410)
    v.check("draft-closed")

    # One more new draft than the browser may start this hour: a page says so (429).
    settings.DRAFTS_PER_SESSION_PER_HOUR = 1
    v.goto("/post/")
    page.get_by_role("button", name="Start my posting").click()
    expect(page.get_by_role("heading", name="Too many new drafts for now")).to_be_visible()
    v.check("too-many-drafts")
    v.assert_no_problems()


def test_every_step_of_the_flow(visitor):
    """Each step in FLOW, whichever they are, reached by the example employer's walk (its
    own example answers), then each step after payment on a paid posting."""
    v, page = visitor, visitor.page
    v.goto("/post/")
    page.get_by_role("button", name="Start my posting").click()
    for step in FLOW.applicable(JobPosting()):
        if step is FLOW.payment:
            break
        expect_step(page, step.name)
        v.check(f"flow-{step.name}")
        fill_in(page, step.name)
    expect_step(page, FLOW.payment.name)
    v.check(f"flow-{FLOW.payment.name}")

    posting = paid_posting()
    v.goto(reverse("wizard:manage", args=[make_manage_token(posting)]))
    after = FLOW.applicable(posting)[FLOW.applicable(posting).index(FLOW.payment) + 1 :]
    for step in after:
        v.goto(step.url(posting))
        expect_step(page, step.name)
        v.check(f"flow-{step.name}")
    v.assert_no_problems()


def test_every_step_of_the_flow_with_a_step_added(company_step, visitor):
    """The same walk, with the company step of tests/extension in the flow."""
    assert company_step in FLOW.applicable(JobPosting())  # so the walk checks its page
    test_every_step_of_the_flow(visitor)


# --- After payment ---------------------------------------------------------------------


def paid_posting(payment_intent_id="pi_every_page", **fields):
    posting = posting_at(
        Status.AWAITING_PAYMENT,
        salary_min=70000,
        salary_max=90000,
        salary_currency="eur",
        **fields,
    )
    attempt_for(posting, session_id=f"cs_{payment_intent_id}", payment_intent_id=payment_intent_id)
    with transaction.atomic():
        posting.mark_paid(by=Actor.system(), why="Webhook")
        posting.save()
    return posting


def test_the_confirmation_and_its_live_updates(visitor):
    v, page = visitor, visitor.page
    posting = paid_posting()  # its confirmation email is queued; no worker runs here
    with page.expect_response(re.compile(r"/confirmation/$")):
        v.goto(reverse("wizard:manage", args=[make_manage_token(posting)]))
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    v.check("confirmation-paid")

    # The page polls its status partial every 2 s and swaps it in (htmx).
    with page.expect_response(re.compile(r"/status/\?phase=")):
        pass
    page.wait_for_timeout(100)
    v.check("confirmation-polled")

    # The email goes out (the posting was in review all along): the next poll swaps in
    # the page that waits for the review.
    Job.objects.filter(posting=posting).update(
        state=Job.State.SENT, attempts=1, target=posting.contact_email, sent_at=timezone.now()
    )
    expect(page.get_by_role("heading", name="Your job is in review")).to_be_visible(timeout=5_000)
    v.check("confirmation-in-review")

    # The receipt bounces: the page says so and asks for a correct address.
    Job.objects.filter(posting=posting).update(state=Job.State.BOUNCED, failed_at=timezone.now())
    v.goto(reverse("wizard:confirmation", args=[posting.pk]))
    expect(page.get_by_role("heading", name="We could not email your receipt")).to_be_visible()
    expect(page.get_by_label("Send it to")).to_have_value(posting.contact_email)
    v.check("confirmation-receipt-bounced")

    page.get_by_role("button", name="Withdraw before review").click()  # htmx: asks first
    expect(page.get_by_text("Withdraw this posting?")).to_be_visible()
    v.check("confirmation-withdraw")

    # An emailed manage link whose nonce was replaced since.
    old = make_manage_token(posting)
    JobPosting.objects.filter(pk=posting.pk).update(manage_nonce="a-newer-nonce")
    v.goto(reverse("wizard:manage", args=[old]), status=410)
    expect(page.get_by_role("heading", name="This link was replaced")).to_be_visible()
    v.check("link-replaced")
    v.assert_no_problems()


# --- Money at its edges: a dispute, refunds made in Stripe's Dashboard -----------------


def disputed(posting, status):
    """The posting's payment disputed through the bank, the dispute now `status`."""
    now = timezone.now()
    before = posting.status
    with transaction.atomic():
        posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
        posting.take_down_for_dispute(by=Actor.system(), why="Dispute opened")
        if status == "lost":
            posting.end_for_lost_dispute(by=Actor.system(), why="Dispute lost")
        posting.save()
    Dispute.objects.create(
        posting=posting,
        payment=posting.current_attempt,
        stripe_dispute_id=f"dp_every_page_{status}",
        charge_id="ch_every_page",
        amount=9900,
        currency="usd",
        reason="fraudulent",
        status=status,
        evidence_due_by=now + timedelta(days=7),
        posting_status_before=before,
        opened_at=now,
        closed_at=now if status == "lost" else None,
    )


def refunded_at_stripe(posting, amount):
    """A refund of `amount` made in Stripe's Dashboard; in full, the posting ends."""
    payment = posting.current_attempt
    RefundMade.objects.create(
        payment=payment,
        stripe_refund_id=f"re_every_page_{amount}",
        amount=amount,
        currency="usd",
        status="succeeded",
    )
    PaymentAttempt.objects.filter(pk=payment.pk).update(amount_refunded=amount)
    if amount < payment.amount:
        return
    Refund.objects.create(
        posting=posting,
        payment_intent_id=payment.payment_intent_id,
        amount=amount,
        currency="usd",
        reason=Refund.Reason.EXTERNAL,
        state=Refund.State.SUCCEEDED,
    )
    with transaction.atomic():
        posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
        posting.end_with_refund(by=Actor.system(), why="Refunded in Stripe's Dashboard")
        posting.save()


def test_the_employers_page_after_a_dispute_or_a_refund_made_elsewhere(visitor):
    v, page = visitor, visitor.page
    cases = [
        ("disputed", lambda p: disputed(p, "needs_response"), "off the board for now"),
        ("dispute-lost", lambda p: disputed(p, "lost"), "This posting has ended"),
        (
            "refunded-at-stripe",
            lambda p: refunded_at_stripe(p, 9900),
            "was refunded in full, so the posting has ended",
        ),
        ("partly-refunded", lambda p: refunded_at_stripe(p, 2500), "Refund of USD 25.00"),
    ]
    for name, happen, shown in cases:
        posting = paid_posting(payment_intent_id=f"pi_every_page_{name}")
        happen(posting)
        v.goto(reverse("wizard:manage", args=[make_manage_token(posting)]))
        expect(page.get_by_text(shown).first).to_be_visible()
        if name != "partly-refunded":  # nothing left to review, nor withdrawn by them
            expect(page.get_by_text("our staff will review it shortly")).to_have_count(0)
            expect(page.get_by_text("withdrawn before review")).to_have_count(0)
        v.check(f"money-{name}")
    v.assert_no_problems()


# --- The optional phone step -----------------------------------------------------------


def test_the_phone_step(visitor, fakeproviders, settings):
    settings.PHONE_VERIFICATION_ENABLED = True
    v, page = visitor, visitor.page
    posting = posting_at("details_ready", finish_later_nonce="every-page-nonce")
    v.goto(reverse("wizard:finish_later", args=[make_finish_later_token(posting)]))
    page.get_by_role("button", name="Continue your draft").click()
    expect_step(page, "phone")
    v.check("phone")

    page.get_by_label("Mobile phone number").fill("0171 12")
    page.get_by_role("button", name="Send code").click()
    expect(
        page.locator(".errorlist").get_by_text("Enter a mobile phone number, like")
    ).to_be_visible()
    v.check("phone-errors")

    page.get_by_label("Mobile phone number").fill("+14155550123")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code from the SMS")).to_be_visible()
    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_role("button", name="Check code").click()
    expect(page.locator(".errorlist").get_by_text("That code is not right")).to_be_visible()
    v.check("phone-code")
    page.get_by_role("link", name="Use another number").click()
    expect(page.get_by_label("Mobile phone number")).to_be_visible()
    v.check("phone-another")
    v.assert_no_problems()


# --- The public board and the error pages ----------------------------------------------


def publish(title, *, days_ago, **fields):
    published_at = timezone.now() - timedelta(days=days_ago)
    return posting_at(
        Status.PUBLISHED,
        title=title,
        slug=re.sub(r"\W+", "-", title.lower()),
        published_at=published_at,
        expires_at=published_at + timedelta(days=30),
        **fields,
    )


def test_the_board_and_the_error_pages(visitor, settings):
    settings.BOARD_PAGE_SIZE = 2
    v, page = visitor, visitor.page
    django = publish(
        "Django Engineer",
        days_ago=1,
        salary_min=70000,
        salary_max=90000,
        salary_currency="eur",
        logo=default_storage.save("logos/acme.png", ContentFile(image_bytes())),
        apply_email="jobs@acme.example",
        # Employers write ## for their sections: the job page must keep the heading order.
        description="## About the role\n\nYou will own our API.\n\n#### Perks\n\n- Remote",
    )
    publish("Product Designer", days_ago=2, company_name="Pixel Ltd", workplace="on_site")
    publish(
        "Data Intern",
        days_ago=3,
        company_name="Numbers Inc",
        workplace="on_site",
        city="Paris",
        country="FR",
        employment_type="internship",
    )
    publish("Unvisited", days_ago=4)

    v.goto("/")
    expect(page.locator(".job-card")).to_have_count(2)
    v.check("board")

    page.get_by_label("Type").select_option("internship")  # htmx swaps the results
    expect(page.locator(".job-card")).to_have_count(1)
    v.check("board-filtered")

    page.get_by_label("Search").fill("astronaut")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_text("No jobs match your search")).to_be_visible()
    v.check("board-no-match")

    page.get_by_role("link", name="Show all jobs").click()
    expect(page.locator(".job-card")).to_have_count(2)
    page.get_by_role("link", name="Older jobs").click()  # htmx
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    v.check("board-page-2")

    page.get_by_role("link", name="Newer jobs").click()
    page.get_by_role("link", name="Django Engineer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Django Engineer")
    expect(page.get_by_role("heading", level=3)).to_have_text("About the role")
    v.check("job")
    assert django.slug in page.url

    v.goto("/jobs/no-such-job/", status=404)
    v.check("404")

    with mock.patch("wizard.flow.views.render", side_effect=RuntimeError("a bug")):
        v.goto("/post/", status=500)
    v.check("500")

    unreachable = mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    )
    with unreachable:
        v.goto("/jobs/unvisited/", status=503)
    v.check("503")

    # A body over the limit is refused before it is read. A plain form post (the logo
    # step's htmx form does not swap in a 413), over a limit lowered to keep it quick.
    settings.MAX_REQUEST_BYTES = 64 * 1024
    v.goto("/post/")
    page.get_by_role("button", name="Start my posting").click()
    expect_step(page, "logo")
    with page.expect_navigation():
        page.evaluate(POST_TOO_LARGE, settings.MAX_REQUEST_BYTES + 1)
    expect(page.get_by_role("heading", name="That file is too large")).to_be_visible()
    v.check("413")
    v.assert_no_problems()


POST_TOO_LARGE = """
size => {
  const form = document.createElement("form");
  form.method = "post";
  form.enctype = "multipart/form-data";
  form.action = location.pathname;
  const field = document.createElement("textarea");
  field.name = "padding";
  field.value = "x".repeat(size);
  form.append(field);
  document.body.append(form);
  form.submit();
}
"""


# --- The employer's account ------------------------------------------------------------


def account_with_postings():
    """An employer with a posting in each state the account words differently, a paid
    one with its receipt and numbers, and enough ended ones for a second page."""
    account = employer("boss@acme.example", company_name="Acme Corp")
    now = timezone.now()
    draft = posting_at("logo_ready", employer=account, title="Backend Developer")
    posting_at(Status.IN_REVIEW, employer=account, title="Data Engineer")
    rejected = posting_at(
        Status.REJECTED,
        employer=account,
        title="Too vague",
        rejection_reason="The description does not say what the job is.",
    )
    live = publish("Senior Django Engineer", days_ago=3, employer=account)
    attempt = attempt_for(live, session_id="cs_account", payment_intent_id="pi_account")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        paid_at=now, receipt_url="https://pay.stripe.com/receipts/r_account"
    )
    DailyNumbers.objects.create(posting=live, day=now.date(), views=42, apply_clicks=5)
    expired = [
        posting_at(
            Status.EXPIRED,
            employer=account,
            title=f"Older job {n}",
            published_at=now - timedelta(days=60 + n),
            expires_at=now - timedelta(days=30 + n),
        )
        for n in range(3)
    ]
    return account, {"draft": draft, "live": live, "rejected": rejected, "expired": expired[0]}


def test_the_account_pages(visitor, settings, monkeypatch):
    """Signing in (each page, its errors, a bad link, too many codes), then, signed in,
    every page of the account: the postings (by state, a second page), each kind of
    posting's page, the payments, the company profile and its errors, a live posting's
    edit, a renewal, signing out; and an account with nothing yet. The pages reached
    only through an email or a payment are checked where those are made: the sign-in
    link and the postings found (test_sign_in), a renewal paid (test_renew), a receipt
    not made yet (test_receipts), an edit waiting and staff's diff (test_live_edit)."""
    v, page = visitor, visitor.page
    v.goto(reverse("wizard:sign_in"))
    expect(page.locator("label[for=id_email]")).to_have_text("Email address")  # no colon
    v.check("account-sign-in")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_focused()
    v.check("account-sign-in-errors")
    page.get_by_label("Email address").fill("boss@acme.example")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.locator("label[for=id_code]")).to_have_text("Code")
    v.check("account-check-email")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_be_focused()
    v.check("account-check-email-errors")
    v.goto(reverse("wizard:sign_in_link", args=["not-a-real-link"]), status=400)
    v.check("account-link-invalid")
    settings.SIGN_IN_CODES_PER_CLIENT_PER_HOUR = 1  # this browser asked once already
    v.goto(reverse("wizard:sign_in"))
    page.get_by_label("Email address").fill("boss@acme.example")
    with page.expect_response(re.compile(r"/account/sign-in/$")) as refused:
        page.get_by_role("button", name="Continue").click()
    assert refused.value.status == 429
    v.check("account-too-many-codes")

    account, postings = account_with_postings()
    signed_in(page.context, v.base_url, account)
    monkeypatch.setattr("wizard.account.postings.PER_PAGE", 2)  # a second page, quickly
    pages = [
        ("account-postings", reverse("wizard:account_postings")),
        ("account-postings-ended", reverse("wizard:account_postings") + "?state=ended&page=2"),
        *[
            (f"account-posting-{name}", reverse("wizard:account_posting", args=[posting.pk]))
            for name, posting in postings.items()
        ],
        ("account-payments", reverse("wizard:account_payments")),
        ("account-edit-live", reverse("wizard:edit_live", args=[postings["live"].pk])),
        ("account-renew", reverse("wizard:renew", args=[postings["expired"].pk])),
        ("account-sign-out", reverse("wizard:sign_out")),
        ("account-profile", reverse("wizard:account_profile")),
    ]
    for name, path in pages:
        v.goto(path)
        v.check(name)
    page.get_by_label("Website").fill("ftp://acme.example")
    page.get_by_role("button", name="Save company profile").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    v.check("account-profile-errors")

    signed_in(page.context, v.base_url, employer("new@acme.example"))
    v.goto(reverse("wizard:account_postings"))
    expect(page.get_by_role("heading", name="You have no postings yet")).to_be_visible()
    v.check("account-postings-none")
    v.goto(reverse("wizard:account_payments"))
    v.check("account-payments-none")
    v.assert_no_problems()


# --- The staff's admin -----------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def staff_data():
    """A posting in review with everything that can happen to one, and a published one."""
    User.objects.create_superuser("reviewer", "reviewer@jobwizard.test", PASSWORD)
    posting = paid_posting(title="Principal Django Engineer")  # in review at once
    Job.objects.filter(posting=posting).update(
        state=Job.State.FAILED,
        attempts=10,
        last_error="AnymailAPIError: ESP answered 422",
        failed_at=timezone.now(),
    )
    refund = Refund.objects.create(
        posting=posting,
        payment_intent_id="pi_every_page_refund",
        amount=9900,
        currency="usd",
        reason=Refund.Reason.STAFF,
        state=Refund.State.FAILED,
        error="card_declined",
    )
    event = stored_event(
        "evt_every_page",
        "checkout.session.completed",
        posting=posting,
        payload={"id": "evt_every_page", "type": "checkout.session.completed"},
        body='{"id": "evt_every_page"}',
        state=Job.State.FAILED,
        error="StripeError: no such session",
    )
    published = publish("Staff Django Engineer", days_ago=2)
    with transaction.atomic():
        staff_alert.alert(posting, "every-page", "A notice for staff", "Something to look at.")
    return posting, published, refund, event


def test_the_admin(visitor):
    v, page = visitor, visitor.page
    posting, published, refund, event = staff_data()
    effect = Job.objects.filter(posting=posting).first()

    v.goto("/admin/")
    expect(page.get_by_label("Username")).to_be_visible()
    v.check("admin-login")

    def log_in(username, password):
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    log_in("reviewer", "wrong")
    expect(page.locator(".errornote")).to_be_visible()
    v.check("admin-login-errors")

    for _ in range(4):  # a stranger trying passwords is locked out (django-axes)
        log_in("intruder", "wrong")
    with page.expect_response(re.compile(r"/admin/login/")) as lockout:
        log_in("intruder", "wrong")
    assert lockout.value.status == 429
    v.check("admin-lockout")

    v.goto("/admin/login/")
    log_in("reviewer", PASSWORD)
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    v.check("admin-index")

    v.goto("/admin/dashboard/")
    expect(page.get_by_role("heading", name="Needs doing now")).to_be_visible()
    v.check("admin-dashboard")

    v.goto("/admin/wizard/jobposting/")
    v.check("admin-postings")
    v.goto("/admin/wizard/jobposting/?attention=any")
    expect(page.get_by_text("Principal Django Engineer")).to_be_visible()
    v.check("admin-postings-needs-attention")

    v.goto(f"/admin/wizard/jobposting/{posting.pk}/change/")
    expect(page.get_by_role("link", name="Reject and refund…")).to_be_visible()
    v.check("admin-posting")

    v.goto(f"/admin/wizard/jobposting/{posting.pk}/transition/approve/")
    v.check("admin-approve")
    v.goto(f"/admin/wizard/jobposting/{posting.pk}/transition/reject/")
    v.check("admin-reject")
    page.get_by_role("button", name="Reject and refund").click()  # no reason chosen
    expect(page.locator(".errorlist")).to_be_visible()
    v.check("admin-reject-errors")
    v.goto(f"/admin/wizard/jobposting/{published.pk}/transition/withdraw/")
    v.check("admin-withdraw")

    for action, name in [
        ("reject_selected", "admin-bulk-reject"),
        ("refund_payments", "admin-refund"),
    ]:
        v.goto("/admin/wizard/jobposting/?status__exact=in_review")
        page.get_by_role("checkbox", name=re.compile("Select this object")).first.check()
        page.locator("select[name=action]").select_option(action)
        page.get_by_role("button", name="Run").click()
        expect(page.get_by_label("Reason").or_(page.get_by_label("Spam or scam"))).to_be_visible()
        v.check(name)

    for path, name in [
        ("/admin/wizard/job/", "admin-effects"),
        (f"/admin/wizard/job/{effect.pk}/change/", "admin-effect"),
        ("/admin/wizard/stripeevent/", "admin-stripe-events"),
        (f"/admin/wizard/stripeevent/{event.pk}/change/", "admin-stripe-event"),
        ("/admin/wizard/refund/", "admin-refunds"),
        (f"/admin/wizard/refund/{refund.pk}/change/", "admin-refund-record"),
        ("/admin/axes/accessattempt/", "admin-access-attempts"),
        ("/admin/wizard/staffnotice/", "admin-staff-notices"),
        (f"/admin/wizard/staffnotice/{StaffNotice.objects.get().pk}/change/", "admin-staff-notice"),
    ]:
        v.goto(path)
        v.check(name)
    v.assert_no_problems()
