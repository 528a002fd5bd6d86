"""Check the company against the registry: the employer gives its registry number, the
registry's name for it must be the company named on the details step."""

from django import forms
from django.contrib import messages

from tests.extension import registry
from wizard.flow.steps.base import Step
from wizard.providers.errors import ProviderRefused, ProviderUnavailable


class RegistryNumberForm(forms.Form):
    number = forms.CharField(label="Company registry number", max_length=32)


class CompanyStep(Step):
    name = "company"
    title = "Company check"
    template_name = "wizard/steps/company.html"
    reached_status = "company_checked"
    ledger_label = "Company checked"

    example_answers = {"number": "HRB-12345"}

    def is_complete(self, posting):
        data = self.data(posting)
        return bool(data.get("number")) and data.get("name") == posting.company_name

    def ledger_note(self, posting):
        return self.data(posting).get("number", "") if self.is_complete(posting) else ""

    def fill_in(self, posting):
        self.set_data(posting, number=self.example_answers["number"], name=posting.company_name)

    def context(self, posting, form=None):
        return {"form": form or RegistryNumberForm()}

    def post(self, request, posting):
        form = RegistryNumberForm(request.POST)
        if not form.is_valid():
            return self.render(request, posting, self.context(posting, form), 422)
        number = form.cleaned_data["number"].strip().upper()
        try:
            name = registry.lookup(number)  # the external call, before any lock
        except registry.NotRegistered:
            form.add_error("number", "No company has this number in the registry.")
            return self.render(request, posting, self.context(posting, form), 422)
        except (ProviderUnavailable, ProviderRefused):
            messages.error(request, "The registry is not answering; please try again.")
            return self.render(request, posting, self.context(posting, form), 503)
        if name != posting.company_name:
            form.add_error("number", f"This number belongs to {name}, not {posting.company_name}.")
            return self.render(request, posting, self.context(posting, form), 422)
        return self.save(
            request,
            posting,
            lambda locked: self.set_data(locked, number=number, name=name),
            why="Company checked",
            done_message="Company checked.",
        )
