"""A request to sign in by email: the one-time code and link we email, and their checks.

Nothing that signs anyone in is stored. Each request keeps a random `seed`; the code and
the link's secret are HMACs of it under SECRET_KEY (`code_of`, `link_token_of`), made again
when the email is composed (so a retried email carries the same code and the job holds no
secret), and the row keeps only their salted hashes, against which what is typed or
opened is checked. A request works once, until `expires_at` (SIGN_IN_CODE_MINUTES), and
dies after SIGN_IN_WRONG_CODE_LIMIT wrong codes; a newer request for the same address
ends it. Using or killing a request wipes its seed.

The link is `<id>.<secret>` signed with django.core.signing (its own salt), so a token
that was cut or made up is refused before the database is asked.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from wizard.employers.models import normalise_email

LINK_SALT = "jobwizard.sign-in.link"


class SignInFailed(Exception):
    """A code or link that cannot sign anyone in; `reason` says why, for the page."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason  # "wrong", "dead" (too many wrong codes), "expired", "invalid"


class SignInRequestQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, expires_at__gt=now).exclude(seed="")


class SignInRequest(models.Model):
    """One "email me a code" by one address. Belongs to no account: the account is made
    at the first sign-in that proves the address."""

    email = models.EmailField(help_text="Lower case, as typed; not yet proven.")
    seed = models.CharField(max_length=64, blank=True, help_text="Wiped once used or dead.")
    code_hash = models.CharField(max_length=64)
    link_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    wrong_codes = models.PositiveSmallIntegerField(default=0)

    objects = SignInRequestQuerySet.as_manager()

    class Meta:
        db_table = "wizard_sign_in_request"
        indexes = [models.Index(fields=["email", "created_at"], name="sign_in_email_created")]

    def __str__(self):
        return f"sign-in request {self.pk}"


def _derive(purpose, seed):
    return salted_hmac(f"jobwizard.sign-in.{purpose}", seed, algorithm="sha256").hexdigest()


def _hash(purpose, seed, value):
    # The seed is in the salt: one request's hash says nothing about another's.
    return _derive(f"{purpose}-hash.{seed}", value)


def code_of(request):
    """The six digits emailed for `request` (empty once it is used or dead)."""
    if not request.seed:
        return ""
    return f"{int(_derive('code', request.seed), 16) % 1_000_000:06d}"


def _secret_of(seed):
    return _derive("link", seed)[:32]


def link_token_of(request):
    """The token of the emailed link, /account/sign-in/<token>/."""
    return signing.Signer(salt=LINK_SALT).sign(f"{request.pk}.{_secret_of(request.seed)}")


def create(email, now=None):
    """A new request for `email`, ending the address's earlier ones that are still live.
    In the caller's transaction (which has taken the address's limit, serialising two
    requests for one address)."""
    now = now or timezone.now()
    email = normalise_email(email)
    SignInRequest.objects.filter(email=email).live(now).update(expires_at=now, seed="")
    seed = secrets.token_urlsafe(32)
    request = SignInRequest(
        email=email,
        seed=seed,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.SIGN_IN_CODE_MINUTES),
    )
    request.code_hash = _hash("code", seed, code_of(request))
    request.link_hash = _hash("link", seed, _secret_of(seed))
    request.save()
    return request


def latest(email):
    """The address's newest request, live or not (None if it never asked)."""
    return SignInRequest.objects.filter(email=normalise_email(email)).order_by("-pk").first()


def use_code(email, code, now=None):
    """Spend the address's live request with `code` and return it, or raise SignInFailed.
    A wrong code is counted (and kills the request at the limit) even though it raises:
    the count is committed on its own."""
    now = now or timezone.now()
    code = "".join(code.split())
    with transaction.atomic():
        request = _locked(SignInRequest.objects.filter(email=normalise_email(email)), now)
        if constant_time_compare(_hash("code", request.seed, code), request.code_hash):
            return _spend(request, now)
        request.wrong_codes += 1
        dead = request.wrong_codes >= settings.SIGN_IN_WRONG_CODE_LIMIT
        if dead:
            request.seed = ""
        request.save(update_fields=["wrong_codes", "seed"])
    raise SignInFailed("dead" if dead else "wrong")


def check_link(token, now=None):
    """The request a link opens, if it can still sign in; spends nothing (a GET)."""
    request_id, secret = _read_token(token)
    request = SignInRequest.objects.filter(pk=request_id).first()
    return _checked(request, secret, now or timezone.now())


def use_link(token, now=None):
    """Spend the request the link opens and return it, or raise SignInFailed."""
    now = now or timezone.now()
    request_id, secret = _read_token(token)
    with transaction.atomic():
        request = SignInRequest.objects.select_for_update().filter(pk=request_id).first()
        return _spend(_checked(request, secret, now), now)


def _read_token(token):
    try:
        request_id, secret = signing.Signer(salt=LINK_SALT).unsign(token).split(".", 1)
        return int(request_id), secret
    except (signing.BadSignature, ValueError):
        raise SignInFailed("invalid") from None


def _checked(request, secret, now):
    if request is None or not request.seed:
        raise SignInFailed("invalid" if request is None else _why_dead(request))
    if request.expires_at <= now:
        raise SignInFailed("expired")
    if not constant_time_compare(_hash("link", request.seed, secret), request.link_hash):
        raise SignInFailed("invalid")
    return request


def _locked(requests, now):
    """The newest request of `requests`, locked, if it can still be used."""
    request = requests.select_for_update().order_by("-pk").first()
    if request is None:
        raise SignInFailed("expired")
    if not request.seed:
        raise SignInFailed(_why_dead(request))
    if request.expires_at <= now:
        raise SignInFailed("expired")
    return request


def _why_dead(request):
    if request.wrong_codes >= settings.SIGN_IN_WRONG_CODE_LIMIT:
        return "dead"
    return "used" if request.used_at else "expired"


KEEP_ENDED = timedelta(days=1)  # long enough for staff looking into a failed sign-in


def prune(now=None):
    """Delete the requests that ended more than KEEP_ENDED ago. Returns how many."""
    now = now or timezone.now()
    deleted, _ = SignInRequest.objects.filter(expires_at__lt=now - KEEP_ENDED).delete()
    return deleted


def _spend(request, now):
    request.used_at = now
    request.seed = ""
    request.save(update_fields=["used_at", "seed"])
    return request
