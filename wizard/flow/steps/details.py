import copy

from django.conf import settings
from django.contrib import messages
from django.shortcuts import render
from django.utils.text import Truncator

from wizard.flow import edits, finish_later
from wizard.flow.forms import ContactEmailOnlyForm, DetailsForm
from wizard.flow.steps.base import Answer, Step
from wizard.jobs.runner import TooSoon
from wizard.postings.models import JobPosting
from wizard.templatetags.board import salary_range


class DetailsStep(Step):
    """What the job is, and where the receipt goes; the employer may ask to finish later."""

    name = "details"
    title = "Details"
    template_name = "wizard/steps/details.html"
    reached_status = "details_ready"
    ledger_label = "Details saved"

    # What an example employer writes.
    example_answers = {
        "company_name": "Acme Corp",
        "title": "Senior Django Engineer",
        "workplace": "hybrid",
        "city": "Berlin",
        "country": "DE",
        "employment_type": "full_time",
        "description": "Build reliable things with Django.",
        "apply_url": "https://acme.example/jobs/42",
        "contact_email": "hiring@acme.example",
    }

    def is_complete(self, posting):
        return posting.has_details

    def fill_in(self, posting):
        for field, value in self.example_answers.items():
            setattr(posting, field, value)

    def answers(self, posting):
        def label(field):
            return DetailsForm.base_fields[field].label

        if posting.is_remote:
            where = ("Applicants may live in", posting.applicant_country_names)
        else:
            where = ("Location", posting.place_name)
        rows = [
            (label("company_name"), posting.company_name, "company_name"),
            (label("title"), posting.title, "title"),
            (label("employment_type"), posting.get_employment_type_display(), "employment_type"),
            (label("workplace"), posting.get_workplace_display(), "workplace"),
            (*where, "applicant_countries" if posting.is_remote else "city"),
            ("Salary", salary_range(posting) or "Not given", "salary_min"),
            (label("description"), Truncator(posting.description).chars(160), "description"),
            (
                "How to apply",
                "\n".join(filter(None, [posting.apply_url, posting.apply_email])),
                "apply_url",
            ),
            ("Receipt to", posting.contact_email, "contact_email"),
        ]
        return [
            Answer(text, str(value), self.change_url(posting, field)) for text, value, field in rows
        ]

    def context(self, posting, form=None):
        return {"form": form or DetailsForm(instance=posting)}

    def post(self, request, posting):
        # "resume_link": the button's first name, still sent by pages drawn before it changed.
        if "finish_later_link" in request.POST or "resume_link" in request.POST:
            return self.email_finish_later_link(request, posting)
        # The form validates a detached copy (the page is drawn from `posting` as it was);
        # the edit applies the clean data to the locked row.
        form = DetailsForm(request.POST, instance=copy.copy(posting))
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form), 422)

        def change(posting):
            # From the validated copy, as the model's clean() left it (a workplace's
            # unused location fields emptied), not from cleaned_data.
            for field in JobPosting.DETAILS_FIELDS:
                setattr(posting, field, getattr(form.instance, field))

        return self.save(
            request, posting, change, why="Details saved", done_message="Details saved."
        )

    def email_finish_later_link(self, request, posting):
        """Save only the contact email and email a link to finish later.

        The page comes back with what was typed still in the form, unsaved.
        """
        form = ContactEmailOnlyForm(request.POST, instance=JobPosting.objects.get(pk=posting.pk))
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form), 422)
        email = form.cleaned_data["contact_email"]
        try:
            finish_later.request_link(posting.pk, email, finish_later.Client.of(request))
        except edits.PostingLocked:
            return self.locked_response(request, posting)
        except finish_later.DraftClosed:
            return render(request, "wizard/abandoned.html", {"posting": posting}, status=410)
        except TooSoon:
            messages.warning(
                request,
                "We just sent you a link; please wait a few minutes before asking again.",
            )
            return self.render(request, posting, self.context(posting, form))
        except finish_later.TooManyLinks as limit:
            if limit.scope == "address":
                text = (
                    f"We have already sent several links to {email} today, so we sent no "
                    "other. Please use one of those, or try again tomorrow."
                )
            else:
                text = (
                    "You have asked for many links in the last hour, so we sent no other. "
                    "Please try again later."
                )
            messages.error(request, f"{text} Nothing was saved.")
            return self.render(request, posting, self.context(posting, form))
        days = settings.FINISH_LATER_LINK_MAX_AGE_DAYS
        messages.success(
            request,
            f"We emailed a link to {email}. It works for {days} day{'s' if days != 1 else ''}. "
            "Only your email address was saved: the other details are saved when you press "
            "“Save and continue”.",
        )
        posting = JobPosting.objects.get(pk=posting.pk)
        return self.render(request, posting, self.context(posting, form))
