"""What a kind of job is: the one class a new kind subclasses, and the registry.

A kind says what to do (`perform`), which failures retrying cannot fix
(`is_permanent`), optionally its provider's budget (`budget`), and what its success
or failure means for the posting. Everything else (the record, ordering with the state
change, retries with backoff, a provider's Retry-After, crash recovery, the ledger,
staff alerts) is the runner's.
"""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings

# The longest a provider's Retry-After is honoured for; a longer one (or a date far off)
# is taken as this.
MAX_RETRY_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Budget:
    """At most `calls` attempts per window of `per` (windows start at midnight UTC, one
    after another). Over it, jobs wait for the next window, oldest first."""

    calls: int
    per: timedelta = timedelta(days=1)


_REGISTRY = {}


class JobKind:
    name = ""  # stored on each Job; never rename one that has records
    label = ""  # for people: "Email", "Search indexing"
    # Who does the work at the other end, for staff (the dashboard groups failures by it).
    provider = ""
    # Run once right after the transaction that queued it commits, in that process,
    # before the worker gets to it: for effects whose outcome someone is waiting for.
    run_at_once = False
    # Whether the employer sees it: an email to them, their refund. Then it is in their
    # ledger (and the page polls while it is under way), and a final failure is recorded
    # on the posting as a sentence for them. Otherwise it is staff's alone (a search-engine
    # notice, a staff notification): staff see every job in the admin, whatever its kind.
    employer_sees = False

    # A provider's quota (a Budget), or None for none.
    budget = None

    @property
    def max_attempts(self):
        return settings.EFFECT_MAX_ATTEMPTS

    def describe(self, effect):
        """A line for the employer's ledger and the admin."""
        return f"{self.label}: {effect.name}"

    def in_worker(self):
        """The surroundings of an attempt made by the task worker, where no one waits for
        it (a context manager): e.g. a provider's longer background deadline. An attempt
        made at once in a request (`run_at_once`) runs without it."""
        return nullcontext()

    def target(self, effect):
        """Where this attempt goes (an address, a URL), recorded on the effect."""
        return ""

    def perform(self, effect):
        """Make the external call. Return the provider's id for it (or ""), or the id and
        a dict of what the provider said, kept as the effect's `payload["outcome"]`; raise
        on failure."""
        raise NotImplementedError

    def is_permanent(self, exc):
        """True when retrying cannot help: fail at once and alert staff."""
        return False

    def retry_after(self, exc):
        """How long the provider asked us to wait (a timedelta), or None: the Retry-After
        header of its answer, on the exception or one it was raised from (`headers`, as
        wizard.providers' errors and Stripe's carry them)."""
        while exc is not None:
            wait = retry_after(getattr(exc, "headers", None))
            if wait is not None:
                return wait
            exc = exc.__cause__
        return None

    def succeeded(self, effect, posting):
        """Called in the transaction that records success, with the posting locked."""

    def failed(self, effect, posting, exc=None):
        """Called in the transaction that records a final failure, with the posting locked
        (None for a job of no posting: staff see it failed), and the last attempt's
        exception (None for a provider's later report, such as a bounce).

        By default, for a kind the employer sees, they see a friendly sentence on the
        posting and staff the detail; staff see a failed job of any kind in the admin.
        """
        if posting is None or not self.employer_sees:
            return
        posting.record_error(
            self.failure_message(effect, exc),
            f"{self.describe(effect)} failed: {effect.last_error}",
        )
        posting.save()

    def is_done(self, effect):
        """Whether the employer's ledger shows it done (a provider may finish it later)."""
        return effect.state in (effect.State.SENT, effect.State.DELIVERED)

    def employer_note(self, effect):
        """A few words for the employer's ledger while it is under way."""
        return ""

    def failure_message(self, effect, exc=None):
        """The employer's sentence for a final failure (`exc` as given to `failed`)."""
        return f"{self.describe(effect)} did not go through. Our staff have been told."


def retry_after(headers, now=None):
    """A Retry-After header's wait (seconds, or an HTTP date), at most MAX_RETRY_AFTER; None
    without one or when it cannot be read."""
    value = None
    if headers:
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - (now or datetime.now(UTC))
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def register(kind):
    """Make a kind known to the runner; returns it, so a module can keep a reference."""
    if kind.name in _REGISTRY and type(_REGISTRY[kind.name]) is not type(kind):
        raise ValueError(f"Job kind {kind.name!r} is registered twice.")
    _REGISTRY[kind.name] = kind
    return kind


def registered():
    """Every registered kind, in registration order."""
    return list(_REGISTRY.values())


def kind_names():
    """The names of every registered kind, sorted."""
    return sorted(_REGISTRY)


def kind_named(name):
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"No effect kind {name!r} is registered.") from None


def send_email(message):
    """Send an email (a kind's perform): the provider's id for it, as perform returns it
    (anymail's message id; "" from a mailer that gives none)."""
    message.send()
    status = getattr(message, "anymail_status", None)
    message_id = status.message_id if status is not None else None
    return "" if message_id is None else str(message_id)
