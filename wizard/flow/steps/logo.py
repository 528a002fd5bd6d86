from wizard.flow import edits
from wizard.flow.forms import LogoForm
from wizard.flow.steps.base import Answer, Step
from wizard.postings.logos import LogoStorageError


class LogoStep(Step):
    """Upload a logo, or go on without one."""

    name = "logo"
    title = "Logo"
    template_name = "wizard/steps/logo.html"
    reached_status = "logo_ready"
    ledger_label = "Logo"
    example_answers = {"skip": "1"}

    def ledger_note(self, posting):
        if not self.is_complete(posting):
            return ""
        return "uploaded" if posting.logo else "skipped"

    def is_complete(self, posting):
        return bool(posting.logo) or self.data(posting).get("skipped", False)

    def fill_in(self, posting):
        self.set_data(posting, skipped=True)

    def copied_data(self, posting):
        """A choice to go on without a logo carries over; a logo is copied as a file."""
        return {"skipped": True} if self.data(posting).get("skipped") and not posting.logo else {}

    def answers(self, posting):
        change_url = self.change_url(posting, "logo")
        if posting.logo:
            return [Answer("Logo", "Your logo", change_url, image_url=posting.logo.url)]
        return [Answer("Logo", "No logo", change_url)]

    def context(self, posting, form=None):
        return {"form": form or LogoForm()}

    def post(self, request, posting):
        if "skip" in request.POST:
            return self.save(
                request,
                posting,
                lambda posting: self.set_data(posting, skipped=True),
                why="Continued without a logo" if not posting.logo else "Kept the logo",
            )
        form = LogoForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form), 422)
        try:
            return self.apply_edit(
                request,
                posting,
                lambda: edits.attach_logo(self.flow, posting.pk, form.png_bytes),
                done_message="Logo saved.",
            )
        except LogoStorageError:
            form.add_error(
                None,
                "We could not store your logo just now. Nothing was changed; please try again.",
            )
            return self.render(request, posting, self.context(posting, form), 503)
