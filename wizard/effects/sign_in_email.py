"""The sign-in email: the one-time code and link of a request to sign in (layer 3, one
kind of job). It belongs to the employer's account when the address has one; until the
address is proven by a first sign-in there is no account, and it belongs to nothing
(the request names it: the job's name is the request's id) until `adopt` gives it to the
account that sign-in makes.

The address is not proven: anyone may type anyone's. So the email carries only our own
words, the code and the link: not even the address typed.
"""

from django.conf import settings
from django.urls import reverse

from wizard.effects.email import EmailKind, render_email
from wizard.employers import sign_in
from wizard.jobs import runner
from wizard.jobs.kinds import register, send_email
from wizard.jobs.models import Job

KIND = "sign_in_email"


class SignInEmailKind(EmailKind):
    name = KIND
    label = "Sign-in email"

    def describe(self, effect):
        return "Email: sign-in code"

    def target(self, effect):
        request = _request_of(effect)
        return request.email if request else ""

    def perform(self, effect):
        request = _request_of(effect)
        if request is None or not sign_in.code_of(request):
            # Used, ended by a newer request, or dead: a code that cannot work is not sent.
            return "", {"not_sent": "the sign-in request can no longer be used"}
        return send_email(compose(effect, request))


register(SignInEmailKind())


def _request_of(effect):
    return sign_in.SignInRequest.objects.filter(pk=int(effect.name)).first()


def compose(effect, request):
    token = sign_in.link_token_of(request)
    context = {
        "code": sign_in.code_of(request),
        "link_url": settings.SITE_URL.rstrip("/") + reverse("wizard:sign_in_link", args=[token]),
        "minutes": settings.SIGN_IN_CODE_MINUTES,
        "site_url": settings.SITE_URL,
    }
    return render_email(effect, "sign_in", context, to=request.email)


def queue(request, employer=None):
    """Queue the email of a new sign-in request, in the caller's transaction."""
    return runner.queue_new(KIND, str(request.pk), employer=employer)


def adopt(request, employer):
    """The request proved the address: its email is the account's job from now on."""
    Job.objects.filter(kind=KIND, name=str(request.pk), employer=None).update(employer=employer)
