"""The invariants of the returning employers (soak/returning.py), on the facts soak/checks.py
gathers: live edits decided once and applied once, duplicates that share nothing with their
original. The renewals' money is checked with every other charge's (checks 5 and 6).

Import after django.setup().
"""

from collections import Counter, defaultdict

from django.conf import settings

from wizard.effects import indexing
from wizard.payments.models import PaymentAttempt
from wizard.postings.models import Status
from wizard.postings.revisions import PostingRevision

State = PostingRevision.State


def revision_notice_name(revision):
    """The name of the search engines' notice an approved revision queues
    (wizard.effects.indexing.announce_revision_to_search_engines)."""
    return f"{indexing.URL_UPDATED}:revision:{revision.pk}"


def check_revisions(facts, check):
    """At most one pending revision per posting; each approved revision applied once (one
    apply_revision transition logged) and announced to the search engines once (one
    indexing job of its own); a rejected or withdrawn one neither."""
    notices = Counter(
        (str(effect.posting_id), effect.name)
        for effect in facts.effects
        if effect.kind == indexing.KIND
    )
    pending, approved = Counter(), Counter()
    for revision in facts.revisions:
        posting_id = str(revision.posting_id)
        pending[posting_id] += revision.state == State.PENDING
        approved[posting_id] += revision.state == State.APPROVED
        wanted = int(revision.state == State.APPROVED and settings.SEARCH_INDEXING_ENABLED)
        found = notices[(posting_id, revision_notice_name(revision))]
        if found != wanted:
            check.violations.append(
                f"revision {revision.pk} of posting {posting_id} ({revision.state}): "
                f"{found} search-engine notices, not {wanted}"
            )
    for posting_id in sorted(set(pending) | set(facts.applied_revisions)):
        if pending[posting_id] > 1:
            check.violations.append(
                f"posting {posting_id}: {pending[posting_id]} pending revisions"
            )
        if facts.applied_revisions.get(posting_id, 0) != approved[posting_id]:
            check.violations.append(
                f"posting {posting_id}: {facts.applied_revisions.get(posting_id, 0)} "
                f"apply_revision transitions for {approved[posting_id]} approved revisions"
            )
    return check


def check_returning(facts, outcomes, check):
    """No two postings share a logo file. Each duplicate is a posting of its own, its logo
    (if any) a file of its own that exists, its payment its own (a first payment); its
    original stays published. Each live edit left the title staff decided on."""
    by_logo = defaultdict(list)
    for posting_id, posting in facts.postings.items():
        if posting.logo:
            by_logo[posting.logo.name].append(posting_id)
    for name, sharing in by_logo.items():
        if len(sharing) > 1:
            check.violations.append(f"postings {', '.join(sharing)} share the logo file {name}")
    for outcome in outcomes:
        who = f"employer {outcome.number} ({outcome.profile})"
        if outcome.original_id:
            check.violations += [f"{who}: {problem}" for problem in copy_problems(facts, outcome)]
        if outcome.edit_decision:
            posting = facts.postings.get(outcome.posting_id)
            if posting is None or posting.title != outcome.board_title:
                title = posting.title if posting else "missing"
                check.violations.append(
                    f"{who}: edit {outcome.edit_decision}, the posting's title is {title!r}, "
                    f"not {outcome.board_title!r}"
                )
    return check


def copy_problems(facts, outcome):
    original = facts.postings.get(outcome.original_id)
    copy = facts.postings.get(outcome.posting_id)
    if original is None or copy is None or copy.pk == original.pk:
        return [f"copy {outcome.posting_id} of {outcome.original_id}: not two postings"]
    problems = []
    if original.status != Status.PUBLISHED:
        problems.append(f"the original {original.pk} is {original.status}, not published")
    for posting in (original, copy):
        if posting.logo and posting.logo.name not in facts.logo_files:
            problems.append(f"posting {posting.pk}'s logo file {posting.logo.name} is missing")
    if copy.logo and copy.logo.name == original.logo.name:
        problems.append(f"the copy {copy.pk} shares its original's logo file")
    paid = defaultdict(set)  # each PaymentIntent is one attempt's, of one posting
    for intent, payment in facts.payments.items():
        paid[payment.posting_id].add(intent)
    if outcome.paid:
        own = copy.current_attempt
        if own is None or own.payment_intent_id not in paid[copy.pk]:
            problems.append(f"the copy {copy.pk} was paid for, has no payment of its own")
        elif own.purpose != PaymentAttempt.Purpose.FIRST:
            problems.append(f"the copy {copy.pk}'s payment is a {own.purpose}, not a first one")
    return problems
