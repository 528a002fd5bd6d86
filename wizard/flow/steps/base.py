"""What every step is: a page of the wizard that knows, from its own data, whether it is done."""

from dataclasses import dataclass

from django.contrib import messages
from django.urls import reverse

from wizard.flow import edits
from wizard.flow.navigation import go_to_step, redirect_to, render_step, returning_to_review
from wizard.payments.exceptions import PaymentError

PROCESSING_LOCK_MESSAGE = (
    "Your payment is being processed, so this posting can no longer be edited."
)


@dataclass(frozen=True)
class Answer:
    """One row of the review's "check your answers" list: what was asked, what the
    employer answered (lines joined by newlines, or a picture), and where to change it."""

    label: str
    value: str
    change_url: str
    image_url: str = ""


class Step:
    """One page of the wizard. `flow` is set when the step is listed in a Flow.

    A step before payment declares `reached_status`: the posting's status once it and
    every applicable step before it are complete (the flow advances the status).
    """

    flow = None
    name = ""
    title = ""
    template_name = ""
    reached_status = ""
    # Steps that change what is paid for are closed once the posting is paid.
    locked_once_paid = True
    # The step at which the posting is paid for (exactly one in a flow).
    takes_payment = False
    # Counted and listed in the progress ("Step 2 of 4"); a page after payment that asks
    # nothing (the confirmation) is not.
    counts_as_step = True

    @property
    def ledger_label(self):
        """How the employer's ledger names this step once done."""
        return f"{self.title} done"

    def ledger_note(self, posting):
        return ""

    @property
    def url_name(self):
        return f"wizard:{self.name}"

    def url(self, posting):
        # Asked a dozen times a page (the progress, the Change links, the forms): the
        # URL is reversed once per loaded posting (its id never changes).
        urls = posting.__dict__.setdefault("_step_urls", {})
        if self.url_name not in urls:
            urls[self.url_name] = reverse(self.url_name, args=[posting.pk])
        return urls[self.url_name]

    def postings(self):
        """The query the step's page loads its posting with (what it reads of other rows
        may be annotated on, saving a query)."""
        return None

    def is_applicable(self, posting):
        """A step may be switched off (by a setting, say); the flow then skips it."""
        return True

    def is_complete(self, posting):
        raise NotImplementedError

    # --- The review before payment --------------------------------------------------------

    def answers(self, posting):
        """The rows this step adds to the review's "check your answers" (Answer)."""
        return []

    def change_url(self, posting, field):
        """Where a Change link for `field` goes: this step, at the field, then back."""
        return self.url(posting) + f"?change=1#id_{field}"

    def next_after_save(self, request, posting):
        """Where a saved edit goes on to: back to the review when the employer came from
        one of its Change links and nothing else is missing, else the flow's next step."""
        if self.back_to_review(request, posting):
            return self.flow.payment
        return self.flow.next_after(self, posting)

    def back_to_review(self, request, posting):
        """The employer came from one of the review's Change links and nothing else is
        missing: a save goes back to the review."""
        return returning_to_review(request) and self.flow.ready_to_pay(posting)

    # --- The step's own data, kept on the posting under the step's name ---------------

    def data(self, posting):
        return posting.step_data.get(self.name, {})

    def set_data(self, posting, **values):
        posting.step_data = {**posting.step_data, self.name: {**self.data(posting), **values}}

    def copied_data(self, posting):
        """What a copy of the posting (wizard.flow.duplicate) may carry of this step's own
        data: nothing by default, since a step's data may record a check made for this
        posting alone (a verified phone number), which a copy must make again."""
        return {}

    def carry_over(self, source, draft):
        """Give the copy `draft` what it may carry of `source` for this step (its own data,
        as copied_data says; a step whose choice lives on the posting sets that too)."""
        carried = self.copied_data(source)
        if carried:
            self.set_data(draft, **carried)

    # --- An example employer ------------------------------------------------------------

    # What an example employer sends to complete the step (its form's POST data; a
    # button's name for a button): the walks in tests, by test client or by browser.
    example_answers = {}

    def fill_in(self, posting):
        """Complete this step on `posting` with example data, as an employer would (not
        saved). Test factories and seed data walk the flow with it, so a new step before
        payment needs no change there; the wizard itself never calls it."""
        raise NotImplementedError(f"{type(self).__name__} has no example data.")

    # --- Requests ----------------------------------------------------------------------

    def get(self, request, posting):
        return self.render(request, posting)

    def post(self, request, posting):
        return self.get(request, posting)

    def context(self, posting, **extra):
        return extra

    def render(self, request, posting, context=None, status=200):
        return render_step(request, posting, self, context or self.context(posting), status)

    def locked_response(self, request, posting):
        """Where a request lands when the posting is paid, or its payment processing,
        before an edit could apply."""
        posting = type(posting).objects.get(pk=posting.pk)  # as it is now
        if posting.is_payment_processing:
            messages.info(request, PROCESSING_LOCK_MESSAGE)
            return redirect_to(request, self.flow.payment.url(posting))
        messages.info(request, "This posting is paid, so it can no longer be edited.")
        return redirect_to(request, self.flow.after_payment().url(posting))

    def save(self, request, posting, change, *, why, done_message=None, done_level=None):
        """Apply an edit (`change(posting)` on the locked row), then go on to the first
        step that is not complete: steps still complete are not shown again."""
        return self.apply_edit(
            request,
            posting,
            lambda: edits.edit(self.flow, posting.pk, change, why=why, seen=posting),
            done_message=done_message,
            done_level=done_level,
        )

    def apply_edit(self, request, posting, edit, done_message=None, done_level=None):
        """Run an edit; on success go on, else explain the refusal. `done_message` is said
        as a success, or at `done_level` (messages.WARNING: saved, but something to heed)."""
        try:
            posting = edit()
        except edits.PostingLocked:
            return self.locked_response(request, posting)
        except PaymentError as error:
            messages.error(request, error.message)
            return self.render(request, posting, status=503)
        if done_message:
            messages.add_message(request, done_level or messages.SUCCESS, done_message)
        return self.go_on(request, posting)

    def go_on(self, request, posting):
        """Where a successful edit leads (a step with pages of its own goes to its next)."""
        return go_to_step(request, posting, self.next_after_save(request, posting))
