"""Limits on what one client may do: one mechanism, counted atomically, for every limit.

`take(name, key, limit, window)` counts one use of the limit `name` by `key` (an email
address, a browser session, a client's IP address, …) and answers whether it is allowed:
at most `limit` uses in any `window` (a sliding window: "5 in the last hour"). Refused
uses are not counted.

It is atomic under concurrency: the uses of one (name, key) are counted under the lock of
that pair's row (SELECT … FOR UPDATE on PostgreSQL; SQLite takes its write lock at the
start of every transaction), so ten simultaneous requests get exactly `limit` allowed. It
runs in the caller's transaction: a request that takes two limits and is refused by the
second, or fails later, rolls the first use back with its own work. Take several limits
in the order LIMITS lists them, so two requests never wait on each other's locks.

Keys are stored as keyed hashes only (never the address, session key or IP itself), and
uses older than their window are deleted by the periodic maintenance (`prune_uses`).

Every limit the app applies is named in LIMITS below, with the setting that holds its
number; docs/configuration.md ("Limits") lists them all (tests/unit/test_docs.py checks).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac


class LimitKey(models.Model):
    """One limit's one key (hashed): the row whose lock serialises its uses."""

    name = models.CharField(max_length=64)
    key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "key"], name="limit_key_unique_name_key")
        ]

    def __str__(self):
        return f"{self.name} {self.key[:8]}…"


class LimitUse(models.Model):
    """One allowed use, kept while it still counts (until `expires_at`)."""

    limit_key = models.ForeignKey(LimitKey, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["limit_key", "at"], name="limit_use_key_at")]


def digest(name, key):
    """The stored form of a key: a keyed hash, so no address or session key is kept."""
    return salted_hmac(f"jobwizard.limits.{name}", str(key), algorithm="sha256").hexdigest()[:40]


def take(name, key, limit, window, *, now=None):
    """Count one use of `name` by `key` and return True, unless `limit` uses in the last
    `window` were counted already: then count nothing and return False."""
    if not key:
        raise ValueError(f"Limit {name!r} needs a key.")
    now = now or timezone.now()
    hashed = digest(name, key)
    with transaction.atomic():
        row = None
        while row is None:  # a prune may delete an unused key between the two statements
            LimitKey.objects.bulk_create([LimitKey(name=name, key=hashed)], ignore_conflicts=True)
            row = LimitKey.objects.select_for_update().filter(name=name, key=hashed).first()
        if row.uses.filter(at__gt=now - window).count() >= limit:
            return False
        LimitUse.objects.create(limit_key=row, at=now, expires_at=now + window)
        return True


def uses(name, key, window, *, now=None):
    """How many uses of `name` by `key` count now (for pages and tests; not atomic)."""
    now = now or timezone.now()
    return LimitUse.objects.filter(
        limit_key__name=name, limit_key__key=digest(name, key), at__gt=now - window
    ).count()


def prune_uses(now=None):
    """Delete the uses that no longer count, and keys left without any. Returns how many
    uses were deleted."""
    now = now or timezone.now()
    deleted, _ = LimitUse.objects.filter(expires_at__lte=now).delete()
    with transaction.atomic():
        # Under the keys' own locks (those a request holds are skipped), so that no use
        # is being added to a key as it is deleted.
        unused = LimitKey.objects.exclude(pk__in=LimitUse.objects.values("limit_key"))
        locked = list(unused.select_for_update(skip_locked=True).values_list("pk", flat=True))
        unused.filter(pk__in=locked).delete()
    return deleted


@dataclass(frozen=True)
class Limit:
    """A limit the app applies: its name, the setting holding its number, its window,
    and what one key is (for the docs)."""

    name: str
    setting: str
    window: timedelta
    per: str

    @property
    def limit(self):
        return getattr(settings, self.setting)

    def take(self, key, *, now=None):
        return take(self.name, key, self.limit, self.window, now=now)

    def uses(self, key, *, now=None):
        return uses(self.name, key, self.window, now=now)


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# Every limit, in the order a request takes them.
DRAFTS_PER_SESSION = Limit("drafts.session", "DRAFTS_PER_SESSION_PER_HOUR", HOUR, "browser session")
DRAFTS_PER_CLIENT = Limit("drafts.client", "DRAFTS_PER_CLIENT_PER_HOUR", HOUR, "client address")
LINKS_TO_ADDRESS = Limit(
    "finish_later.to", "FINISH_LATER_LINKS_PER_ADDRESS_PER_DAY", DAY, "recipient email address"
)
LINKS_PER_SESSION = Limit(
    "finish_later.session", "FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR", HOUR, "browser session"
)
LINKS_PER_CLIENT = Limit(
    "finish_later.client", "FINISH_LATER_LINKS_PER_CLIENT_PER_HOUR", HOUR, "client address"
)
# The phone step's SMS (wizard.flow.steps.phone): different numbers one draft may text
# (counted once per new number; the window outlives any draft), then every SMS asked for.
MONTH = timedelta(days=30)  # longer than any draft is kept
SMS_NUMBERS_PER_DRAFT = Limit("sms.draft", "PHONE_NUMBERS_PER_DRAFT", MONTH, "draft")
SMS_PER_SESSION = Limit("sms.session", "PHONE_SMS_PER_SESSION_PER_HOUR", HOUR, "browser session")
SMS_PER_CLIENT = Limit("sms.client", "PHONE_SMS_PER_CLIENT_PER_HOUR", HOUR, "client address")
SMS_SITE_WIDE = Limit("sms.all", "PHONE_SMS_PER_HOUR", HOUR, "site (all numbers)")
SITE = "all"  # SMS_SITE_WIDE's one key
# Sign-in codes (wizard.account.sign_in): per address asked for, and per client address.
SIGN_IN_TO_ADDRESS = Limit(
    "sign_in.to", "SIGN_IN_CODES_PER_ADDRESS_PER_HOUR", HOUR, "email address signing in"
)
SIGN_IN_PER_CLIENT = Limit(
    "sign_in.client", "SIGN_IN_CODES_PER_CLIENT_PER_HOUR", HOUR, "client address"
)
LIMITS = [
    DRAFTS_PER_SESSION,
    DRAFTS_PER_CLIENT,
    LINKS_TO_ADDRESS,
    LINKS_PER_SESSION,
    LINKS_PER_CLIENT,
    SMS_NUMBERS_PER_DRAFT,
    SMS_PER_SESSION,
    SMS_PER_CLIENT,
    SMS_SITE_WIDE,
    SIGN_IN_TO_ADDRESS,
    SIGN_IN_PER_CLIENT,
]
