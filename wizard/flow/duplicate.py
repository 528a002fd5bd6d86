"""A copy of a posting: a new draft with everything the employer wrote, to check and pay.

What is copied: the details (JobPosting.DETAILS_FIELDS: company, title, workplace and
place, employment type, salary, description, how to apply, contact email), the logo as a
file of the copy's own, and of each step's own data what that step says a copy may carry
(Step.copied_data: never a check made for the original, such as a verified phone). Never
the status, payments, slug, dates or link nonces: the copy is a fresh draft.
"""

import logging

from wizard.flow import edits
from wizard.flow.order import FLOW
from wizard.postings.logos import LogoStorageError, copy_logo, delete_logo
from wizard.postings.models import Actor, JobPosting
from wizard.postings.transitions import locked_posting

logger = logging.getLogger(__name__)


def duplicate(source, *, session="", client="", employer=None):
    """A new draft copied from `source`, counted against the draft limits as any new draft
    (edits.TooManyDrafts when over). A logo that cannot be copied leaves the copy without
    one (its logo step to do), never sharing the original's file."""
    draft = edits.create_draft(session, client, employer=employer)
    logo = _copied_logo(source, draft)
    try:
        with locked_posting(draft.pk) as draft:
            for field in JobPosting.DETAILS_FIELDS:
                setattr(draft, field, getattr(source, field))
            draft.logo.name = logo
            for step in FLOW:
                step.carry_over(source, draft)
            FLOW.sync_status(draft, by=Actor.employer(), why=f"Copied from {source.reference}")
            draft.save()
    except BaseException:
        delete_logo(logo)  # the row does not reference it: leave no orphan
        raise
    return draft


def _copied_logo(source, draft):
    if not source.logo:
        return ""
    try:
        return copy_logo(draft.pk, source.logo.name)
    except LogoStorageError as error:
        logger.warning("Could not copy the logo of %s to %s: %s", source.pk, draft.pk, error)
        return ""
