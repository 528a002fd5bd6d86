"""The company profile: a name, a website and a logo kept on the employer's account and
offered to each new posting (wizard.flow.edits.offer_company_profile).

The logo is validated and re-encoded as on the logo step, stored under a key of the
account's own (logos.store_company_logo) before the row changes, and the old file is
deleted only once the new one is saved: a failure at any point leaves the profile as it
was and no file behind.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.core.validators import URLValidator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from wizard.account.access import employer_required, own
from wizard.account.actions import action
from wizard.employers.models import Employer
from wizard.flow.forms import SeenTextField
from wizard.postings import logos
from wizard.postings.models import JobPosting

STORAGE_FAILED = "We could not store your logo just now. Nothing was changed; please try again."


class WebsiteField(forms.URLField):
    """A web address: http or https only (the default also takes ftp)."""

    default_validators = [URLValidator(schemes=["http", "https"])]


class CompanyProfileForm(forms.Form):
    company_name = SeenTextField(
        label="Company name", max_length=120, required=False, help_text="As job seekers know it."
    )
    company_website = WebsiteField(
        label="Website",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="For example, https://example.com",
        error_messages={"invalid": "Enter the website's address, like https://example.com"},
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or WebP, up to 2 MB. We resize it to fit 512 × 512 pixels.",
        error_messages={"empty": "The chosen file is empty: choose another"},
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.png_bytes = None

    def clean_logo(self):
        upload = self.cleaned_data["logo"]
        if upload:
            self.png_bytes = logos.reencode_logo(upload)
        return upload


def save_profile(employer, name, website, png_bytes=None, remove_logo=False):
    """Store the new logo first (an external call), then change the locked account row."""
    stored = logos.store_company_logo(employer.pk, png_bytes) if png_bytes else ""
    try:
        with transaction.atomic():
            account = Employer.objects.select_for_update().get(pk=employer.pk)
            old_logo = account.company_logo.name
            account.company_name = name
            account.company_website = website
            if stored or remove_logo:
                account.company_logo.name = stored
                transaction.on_commit(partial(logos.delete_logo, old_logo))
            account.save(update_fields=["company_name", "company_website", "company_logo"])
            return account
    except BaseException:
        logos.delete_logo(stored)  # the row does not reference it: leave no orphan
        raise


@require_http_methods(["GET", "POST"])
@employer_required
def company_profile(request):
    employer = request.employer
    initial = {"company_name": employer.company_name, "company_website": employer.company_website}
    form = CompanyProfileForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = CompanyProfileForm(request.POST, request.FILES, initial=initial)
        if form.is_valid():
            try:
                save_profile(
                    employer,
                    form.cleaned_data["company_name"],
                    form.cleaned_data["company_website"],
                    form.png_bytes,
                    remove_logo=form.cleaned_data["remove_logo"],
                )
            except logos.LogoStorageError:
                form.add_error("logo", STORAGE_FAILED)
                status = 503
            else:
                messages.success(
                    request, "Company profile saved. Your next posting starts with it."
                )
                return redirect("wizard:account_profile")
        else:
            status = 422
    return render(
        request,
        "account/profile.html",
        {"form": form, "employer": employer, "error_forms": [form] if form.errors else []},
        status=status,
    )


@action("Save as my company profile", order=90, method="post")
def offer_saving_profile(posting):
    """Offered while the account has no profile and the posting names its company."""
    employer = posting.employer
    if employer is None or not posting.company_name:
        return None
    if employer.company_name or employer.company_logo:
        return None
    return reverse("wizard:account_profile_from_posting", args=[posting.pk])


@require_POST
@employer_required
def profile_from_posting(request, posting_id):
    """Keep a posting's company name and logo (copied: the account's own file) as the
    company profile, for the postings to come."""
    employer = request.employer
    posting = own(JobPosting.objects.all(), employer, pk=posting_id)
    back = reverse("wizard:account_posting", args=[posting.pk])
    try:
        png_bytes = logos.read_logo(posting.logo.name) if posting.logo else None
        save_profile(employer, posting.company_name, employer.company_website, png_bytes)
    except logos.LogoStorageError:
        messages.error(request, STORAGE_FAILED)
        return redirect(back)
    messages.success(
        request, f"{posting.company_name} is your company profile now: new postings start with it."
    )
    return redirect(back)
