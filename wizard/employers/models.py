"""An employer's account: one per email address, made at the first sign-in."""

from django.db import models

from wizard.postings.models import new_nonce


class EmployerQuerySet(models.QuerySet):
    def with_email(self, email):
        return self.filter(email=normalise_email(email))


class Employer(models.Model):
    """Who signs in by email (no password) and owns the postings made while signed in.

    `session_nonce` is kept in each signed-in session; a new one signs every session out
    ("sign out everywhere"). The company profile is offered to each new posting."""

    email = models.EmailField(unique=True, help_text="Lower case; proven by the sign-in.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)
    session_nonce = models.CharField(max_length=32, default=new_nonce)

    company_name = models.CharField(max_length=120, blank=True)
    company_website = models.URLField(max_length=500, blank=True)
    company_logo = models.ImageField(blank=True, max_length=255)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        db_table = "wizard_employer"
        ordering = ["email"]

    def __str__(self):
        return self.email


def normalise_email(email):
    """The form an address is stored and compared in: trimmed, lower case."""
    return (email or "").strip().lower()
