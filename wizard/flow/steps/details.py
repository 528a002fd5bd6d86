"""The details step: what the job is, where, and how to apply, on three short pages.

One step of the flow ("Details"), complete when the posting has its details
(JobPosting.has_details, the single rule). Its pages (`?page=<slug>`) each save their own
fields to the posting once valid. What is typed and not (yet) valid is kept as typed in
the step's data (`typed`: the raw form values by field) on every POST, and by the
autosave while typing, so that a reload, a second visit or the finish-later link shows
it again; typed values never change what is paid for (the columns), nor the status.
"""

import copy
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import Truncator

from wizard.flow import edits, finish_later
from wizard.flow.forms import DetailsForm
from wizard.flow.steps.base import Answer, Step
from wizard.jobs.runner import TooSoon
from wizard.postings.location import Workplace
from wizard.postings.models import JobPosting
from wizard.templatetags.board import salary_range


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    fields: tuple


PAGES = (
    Page("job", "About the job", ("company_name", "title", "employment_type", "description")),
    Page(
        "where",
        "Where the work is",
        ("workplace", "city", "region", "country", "applicant_countries"),
    ),
    Page(
        "apply",
        "Salary and how to apply",
        (
            "salary_min",
            "salary_max",
            "salary_currency",
            "apply_url",
            "apply_email",
            "contact_email",
        ),
    ),
)
JOB, WHERE, APPLY = PAGES
# Not one of the pages in turn: where "Finish later" asks where to send the link.
FINISH_LATER = Page("finish-later", "Finish later", ("contact_email",))
# Every field in one POST, as the page drawn before the details were split sends them.
WHOLE = Page("", "Details", tuple(JobPosting.DETAILS_FIELDS))

# The location fields each workplace uses (JobPosting.clean_location empties the others).
OFFICE = ("city", "region", "country")
LOCATION_FIELDS = {
    Workplace.ON_SITE: OFFICE,
    Workplace.HYBRID: OFFICE,
    Workplace.REMOTE: ("applicant_countries",),
}
SEVERAL = {"applicant_countries"}


def as_posted(value):
    """A saved value as a browser posts it."""
    return "" if value is None else str(value)


def saved_values(posting):
    """The saved details as the form would post them (read from the posting: a form
    costs its 250 countries' choices)."""
    return {
        name: [country.code for country in getattr(posting, name)]
        if name in SEVERAL
        else as_posted(getattr(posting, name))
        for name in JobPosting.DETAILS_FIELDS
    }


def posted_values(data, fields):
    return {name: data.getlist(name) if name in SEVERAL else data.get(name, "") for name in fields}


class DetailsStep(Step):
    """What the job is, and where the receipt goes; the employer may ask to finish later."""

    name = "details"
    title = "Details"
    template_name = "wizard/steps/details.html"
    reached_status = "details_ready"
    ledger_label = "Details saved"

    # What an example employer writes (a walk sends it all to the step's URL at once, or
    # page by page in a browser).
    example_answers = {
        "company_name": "Acme Corp",
        "title": "Senior Django Engineer",
        "employment_type": "full_time",
        "description": "Build reliable things with Django.",
        "workplace": "hybrid",
        "city": "Berlin",
        "country": "DE",
        "apply_url": "https://acme.example/jobs/42",
        "contact_email": "hiring@acme.example",
    }

    def is_complete(self, posting):
        return posting.has_details

    def fill_in(self, posting):
        for field, value in self.example_answers.items():
            setattr(posting, field, value)

    def answers(self, posting):
        # Short names, as GOV.UK's summary lists have (the pages ask questions).
        if posting.is_remote:
            where = ("Applicants may live in", posting.applicant_country_names)
        else:
            where = ("Location", posting.place_name)
        rows = [
            ("Company name", posting.company_name, "company_name"),
            ("Job title", posting.title, "title"),
            ("Employment type", posting.get_employment_type_display(), "employment_type"),
            ("Workplace", posting.get_workplace_display(), "workplace"),
            (*where, "applicant_countries" if posting.is_remote else "city"),
            ("Salary", salary_range(posting) or "Not given", "salary_min"),
            ("Description", Truncator(posting.description).chars(160), "description"),
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

    # --- Pages and what was typed on them --------------------------------------------

    def typed(self, posting):
        return self.data(posting).get("typed", {})

    def values(self, posting):
        """What the pages show: what was typed over what is saved."""
        return {**saved_values(posting), **self.typed(posting)}

    def page_url(self, posting, page):
        return f"{self.url(posting)}?page={page.slug}"

    def change_url(self, posting, field):
        page = next(page for page in PAGES if field in page.fields)
        return f"{self.page_url(posting, page)}&change=1#id_{field}"

    def requested_page(self, request):
        slug = request.GET.get("page")
        return next((page for page in (*PAGES, FINISH_LATER) if page.slug == slug), None)

    def first_open_page(self, posting):
        """The first page with typed answers still to save, or whose saved ones are not
        valid; the first page when every one is done."""
        typed = self.typed(posting)
        form = DetailsForm(saved_values(posting), instance=copy.copy(posting))
        form.is_valid()
        for page in PAGES:
            if any(name in typed or name in form.errors for name in page.fields):
                return page
        return JOB

    def shown_fields(self, page, data):
        """The fields the page's form showed, so sent (a field not shown is not emptied)."""
        if page is WHERE:
            return ("workplace", *LOCATION_FIELDS.get(data.get("shown_workplace"), ()))
        return page.fields

    def keep_typed(self, posting, typed):
        """Keep what was typed (valid or not) on the locked draft; values equal to the
        saved ones are not kept. Raises PostingLocked once paid."""

        def change(locked):
            saved = saved_values(locked)
            kept = {**self.typed(locked), **typed}
            self.set_data(
                locked, typed={name: v for name, v in kept.items() if v != saved.get(name)}
            )

        return edits.keep_draft(posting.pk, change)

    # --- Requests ------------------------------------------------------------------------

    def context(self, posting, page=None, form=None, change=False):
        if page in (None, WHOLE):
            page = self.first_open_page(posting)
        form = form or DetailsForm(instance=posting, initial=self.typed(posting))
        workplace = form["workplace"].value()
        return {
            "form": form,
            "page": page,
            "page_number": PAGES.index(page) + 1 if page in PAGES else None,
            "page_count": len(PAGES),
            "step_url": self.page_url(posting, page),
            "back_url": self.url(posting),
            "change": change,
            "shown_workplace": workplace if workplace in LOCATION_FIELDS else "",
            "location": [form[name] for name in LOCATION_FIELDS.get(workplace, ())],
        }

    def show(self, request, posting, page, form=None, status=200):
        change = request.GET.get("change") == "1" or request.POST.get("change") == "1"
        return self.render(request, posting, self.context(posting, page, form, change), status)

    def get(self, request, posting):
        page = self.requested_page(request) or self.first_open_page(posting)
        if request.htmx and page is WHERE and "workplace" in request.GET:
            return self.reveal(request, posting, request.GET["workplace"])
        return self.show(request, posting, page)

    def reveal(self, request, posting, workplace):
        """The location fields a workplace uses, for the radio button just chosen."""
        form = DetailsForm(
            instance=posting, initial={**self.typed(posting), "workplace": workplace}
        )
        return render(
            request, "wizard/steps/details.html#location", self.context(posting, WHERE, form)
        )

    def post(self, request, posting):
        page = self.requested_page(request) or WHOLE
        typed = posted_values(request.POST, self.shown_fields(page, request.POST))
        try:
            if "autosave" in request.POST:
                self.keep_typed(posting, typed)
                return HttpResponse(status=204)
            # "resume_link": the button's first name, still sent by pages drawn before.
            if "finish_later_link" in request.POST or "resume_link" in request.POST:
                return self.email_finish_later_link(request, posting, page, typed)
            values = {**self.values(posting), **typed}
            if page is WHERE and values["workplace"] in LOCATION_FIELDS:
                if values["workplace"] != request.POST.get("shown_workplace"):
                    # Without JavaScript: the chosen workplace's fields, shown now.
                    return self.show(request, self.keep_typed(posting, typed), page)
            # The form validates a detached copy (the page is drawn from `posting` as it
            # was); the edit applies the clean data to the locked row.
            form = DetailsForm(values, instance=copy.copy(posting), checked=page.fields)
            if not form.is_valid():
                posting = self.keep_typed(posting, typed)
                if page is WHOLE:  # shown on the first page with an error
                    page = next(page for page in PAGES if form.errors.keys() & page.fields)
                    form = DetailsForm(values, instance=copy.copy(posting), checked=page.fields)
                return self.show(request, posting, page, form, 422)
        except edits.PostingLocked:
            return self.locked_response(request, posting)

        def change(locked):
            # From the validated copy, as the model's clean() left it (a workplace's
            # unused location fields emptied), not from cleaned_data.
            for name in page.fields:
                setattr(locked, name, getattr(form.instance, name))
            kept = {name: v for name, v in self.typed(locked).items() if name not in page.fields}
            self.set_data(locked, typed=kept)

        last = page not in PAGES[:-1]
        return self.save(
            request,
            posting,
            change,
            why="Details saved",
            done_message="Details saved." if last else None,
        )

    def go_on(self, request, posting):
        """The next page of the step, else on as every step (back to the review from a
        Change link)."""
        page = self.requested_page(request)
        if page in PAGES[:-1] and not self.back_to_review(request, posting):
            following = PAGES[PAGES.index(page) + 1]
            if request.htmx:
                return self.show(request, posting, following)
            return redirect(self.page_url(posting, following))
        return super().go_on(request, posting)

    def email_finish_later_link(self, request, posting, page, typed):
        """Keep everything typed, save the contact email, and email a link to finish later.
        A page without the email field first asks for it."""
        if "contact_email" not in page.fields:
            return self.show(request, self.keep_typed(posting, typed), FINISH_LATER)
        form = DetailsForm(
            {**self.values(posting), **typed},
            instance=copy.copy(posting),
            checked=["contact_email"],
        )
        if not form.is_valid():
            page = APPLY if page is WHOLE else page  # where the email field is
            return self.show(request, self.keep_typed(posting, typed), page, form, 422)
        email = form.cleaned_data["contact_email"]
        # The email goes to its column with the link; the rest stays as typed.
        typed.pop("contact_email")
        posting = self.keep_typed(posting, typed)
        try:
            finish_later.request_link(posting.pk, email, finish_later.Client.of(request))
        except finish_later.DraftClosed:
            return render(request, "wizard/abandoned.html", {"posting": posting}, status=410)
        except TooSoon:
            messages.warning(
                request,
                "We just sent you a link; please wait a few minutes before asking again.",
            )
            return self.show(request, posting, page)
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
            messages.error(request, f"{text} No email was sent.")
            return self.show(request, posting, page)
        days = settings.FINISH_LATER_LINK_MAX_AGE_DAYS
        messages.success(
            request,
            f"We emailed a link to {email}. It works for {days} day{'s' if days != 1 else ''} "
            "and opens your draft with everything you typed.",
        )
        posting = JobPosting.objects.get(pk=posting.pk)
        return self.show(request, posting, page)
