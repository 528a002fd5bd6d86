"""Search engines as an effect: tell Google (Indexing API) and IndexNow that a posting's
public URL was published, or that it left the board.

The URL is captured when the effect is queued: a posting keeps its slug after it expires,
but the notice must name the URL as it was, whatever happens to the posting later. Both
calls are idempotent, so a retry (or a duplicate after a crash) that repeats one is
harmless. Google grants so many calls a day (GOOGLE_INDEXING_DAILY_QUOTA): the kind
declares that budget, and notices over it wait for the next day, oldest first; a 429's
Retry-After is waited out without spending an attempt. A failure is the staff's business
alone: the effect shows up as needing attention in the admin, and the employer sees
nothing.
"""

from django.conf import settings
from django.dispatch import receiver

from wizard.jobs import runner
from wizard.jobs.kinds import Budget, JobKind, register
from wizard.postings import events, links
from wizard.postings.statuses import Status
from wizard.providers import google_indexing, indexnow
from wizard.providers.errors import ProviderRefused

KIND = "indexing"
URL_UPDATED = google_indexing.URL_UPDATED
URL_DELETED = google_indexing.URL_DELETED


class IndexingKind(JobKind):
    name = KIND
    label = "Search engines notified"
    provider = "Google, IndexNow"
    employer_sees = False  # staff's business alone (see above)

    @property
    def budget(self):
        """Google's daily quota of publish calls: notices over it wait for the next day."""
        return Budget(settings.GOOGLE_INDEXING_DAILY_QUOTA)

    def describe(self, effect):
        notice = notice_type(effect)
        what = "removed" if notice == URL_DELETED else "published"
        return f"{self.label}: {'updated' if notice != effect.name else what}"

    def target(self, effect):
        return effect.payload.get("url", "")

    def perform(self, effect):
        url = effect.payload["url"]
        google_indexing.publish(url, notice_type(effect))
        indexnow.submit([url])
        return ""  # neither answer carries an id of its own

    def is_permanent(self, exc):
        return isinstance(exc, ProviderRefused)


register(IndexingKind())


def notice_type(effect):
    """URL_UPDATED or URL_DELETED: the job's name, or for an approved edit (a job of its
    own per revision, named after it) its payload's."""
    return effect.payload.get("type", effect.name)


def queue_notice(posting, name, notice=None):
    """Queue a notice about the posting's public URL in the caller's transaction, if the
    posting has one and indexing is enabled; returns the effect, or None. `notice` is the
    type when the job's `name` is not."""
    if not settings.SEARCH_INDEXING_ENABLED:
        return None
    url = links.public_url(posting)
    if not url:
        return None  # never published: nothing for the search engines to forget
    payload = {"url": url} if notice is None else {"url": url, "type": notice}
    return runner.queue(posting, KIND, name, payload=payload)


@receiver(events.published)
@receiver(events.relisted)
def announce_to_search_engines(sender, posting, **kwargs):
    queue_notice(posting, URL_UPDATED)


@receiver(events.revised)
def announce_revision_to_search_engines(sender, posting, revision, **kwargs):
    """An approved edit changed the live page: a notice of its own per edit."""
    queue_notice(posting, f"{URL_UPDATED}:revision:{revision.pk}", notice=URL_UPDATED)


@receiver(events.expired)
@receiver(events.withdrawn)
@receiver(events.refunded)
def remove_from_search_engines(sender, posting, **kwargs):
    queue_notice(posting, URL_DELETED)


@receiver(events.disputed)
@receiver(events.dispute_lost)
def remove_disputed_from_search_engines(sender, posting, source, **kwargs):
    """A posting taken down for a dispute (or ended by one while still on the board)."""
    if source == Status.PUBLISHED:
        queue_notice(posting, URL_DELETED)


@receiver(events.reinstated)
def announce_reinstated_to_search_engines(sender, posting, **kwargs):
    """A won dispute puts the posting back; on the board only if its time is not up."""
    if posting.status == Status.PUBLISHED:
        queue_notice(posting, URL_UPDATED)
