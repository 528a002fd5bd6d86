"""Edits to a live posting: the employer proposes or withdraws them, staff approve or
reject them (wizard.postings.revisions holds the record).

Each runs under the posting's row lock, then the revision's (the order everywhere), so
an edit, a withdrawal and two staff deciding at once are applied one after the other:
a revision is decided once, and approving it twice applies it once.

Approving applies the values to the live posting, checked by the model's own rules
(full_clean: lengths, choices, addresses, and the location rule), through the
`apply_revision` transition (logged), then announces `events.revised`, to which the
employer's email and the search engines' notice subscribe. The posting's save moves the
board's version on (wizard.board.cache), so the board shows the new text at once.
Rejecting leaves the posting as it is and announces `events.revision_rejected`.
"""

import logging
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import can_proceed

from wizard.postings import events
from wizard.postings.models import REVIEW_PERMISSION, Actor, JobPosting
from wizard.postings.revisions import REVISED_FIELDS, PostingRevision, put, values_of
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)

State = PostingRevision.State

# What an employer's save did.
SAVED = "saved"  # a pending revision holds the changes now
UNCHANGED = "unchanged"  # the values are those already shown: nothing to do
UNDONE = "undone"  # the values are the live ones again: the pending revision is withdrawn


class RevisionRefused(Exception):
    """The revision cannot be made or decided now; `message` says why, in words for the page."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class NotLive(RevisionRefused):
    """The posting is not on the board (expired, withdrawn, refunded…)."""


class AlreadyDecided(RevisionRefused):
    """The revision was approved, rejected or withdrawn already."""


def propose(posting_id, values, *, employer=None):
    """Keep what `values` (every one of REVISED_FIELDS, as values_of gives them) changes
    of the live posting as its pending revision. Returns (what it did, the pending revision
    or None).

    Only the fields the employer changed are kept, and only those are applied when staff
    approve: a correction staff make to another field meanwhile is not undone."""
    values = {name: values[name] for name in REVISED_FIELDS}
    with locked_posting(posting_id) as posting:
        if not posting.is_public:
            raise NotLive(_not_live(posting, "changed here"))
        pending = posting.revisions.pending().select_for_update().first()
        live = values_of(posting)
        if values == ({**live, **pending.values} if pending else live):
            return UNCHANGED, pending
        changes = {name: value for name, value in values.items() if value != live[name]}
        if not changes:
            _close(pending, State.WITHDRAWN)
            return UNDONE, None
        if pending is None:
            pending = PostingRevision(posting=posting)
        pending.values, pending.employer = changes, employer
        pending.save()
        logger.info("Posting %s: edit %s waiting for review", posting.pk, pending.pk)
        return SAVED, pending


def withdraw(revision_id):
    """The employer takes back their pending changes."""
    with _locked(revision_id) as (posting, revision):
        _must_be_pending(revision)
        _close(revision, State.WITHDRAWN)
    return revision


def approve(revision_id, *, by):
    """Put the revision's values live. Raises PermissionDenied, AlreadyDecided, NotLive,
    or RevisionRefused when the values no longer pass the posting's rules."""
    _check_permission(by)
    with _locked(revision_id) as (posting, revision):
        _must_be_pending(revision)
        if not can_proceed(posting.apply_revision):
            raise NotLive(_not_live(posting, "put live"))
        changed = revision.changed_fields(posting)
        put(posting, revision.values)
        kept = [field.name for field in posting._meta.fields if field.name not in REVISED_FIELDS]
        try:
            posting.full_clean(exclude=kept, validate_unique=False)
        except ValidationError as error:
            problems = " ".join(error.messages)
            raise RevisionRefused(f"These changes break the posting's rules: {problems}") from error
        posting.apply_revision(by=by, why=f"Edit approved: {_named(changed)}"[:255])
        posting.save()
        _close(revision, State.APPROVED, by=by)
        events.revised.send(
            sender=JobPosting, posting=posting, revision=revision, by=by, why="Edit approved"
        )
    return revision


def reject(revision_id, *, by, reason):
    """Refuse the changes with a reason the employer will read; the live posting stays."""
    _check_permission(by)
    with _locked(revision_id) as (posting, revision):
        _must_be_pending(revision)
        revision.reason = reason
        _close(revision, State.REJECTED, by=by)
        events.revision_rejected.send(
            sender=JobPosting, posting=posting, revision=revision, by=by, why=reason
        )
    return revision


# --- Helpers ---------------------------------------------------------------------------


@contextmanager
def _locked(revision_id):
    """The revision's posting, then the revision, locked in one transaction."""
    posting_id = PostingRevision.objects.values_list("posting_id", flat=True).get(pk=revision_id)
    with locked_posting(posting_id) as posting:
        yield posting, PostingRevision.objects.select_for_update().get(pk=revision_id)


def _check_permission(by):
    if by.kind == Actor.STAFF and not by.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(f"{by.user} may not decide edits of postings.")


def _must_be_pending(revision):
    if not revision.is_pending:
        raise AlreadyDecided(
            f"These changes were {revision.get_state_display().lower()} already, "
            "so nothing was done."
        )


def _not_live(posting, what):
    return (
        f"This posting is {posting.status_label.lower()}, not on the board, so its "
        f"content cannot be {what}."
    )


def _close(revision, state, by=None):
    revision.state = state
    revision.decided_at = timezone.now()
    revision.decided_by = by.user if by is not None else None
    revision.save()


def _named(fields):
    names = [str(JobPosting._meta.get_field(name).verbose_name) for name in fields]
    return ", ".join(names) or "no field changed"
