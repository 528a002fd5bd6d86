"""Staff screens for plans: what employers may buy, its prices per currency, retiring one.

A plan is retired (active off: the list's action, or the field), never deleted once paid
for: its payments keep it (PROTECT), and the delete page says so instead of failing. A
draft's choice does not keep it (the posting's plan is SET_NULL).
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse

from wizard.payments.models import PaymentAttempt
from wizard.postings.money import SUPPORTED, major_units, minor_units, money, stripe_refusal
from wizard.postings.plans import Plan, PlanPrice

HAS_PAYMENTS = (
    "“{plan}” has payments, so it cannot be deleted: what they bought stays on record. "
    "Retire it instead (untick Active): employers no longer see it, its paid postings "
    "stay as they are."
)


class PlanPriceForm(forms.ModelForm):
    """A price typed in the currency's units (49.00 EUR, 4900 JPY, 9.900 KWD), stored in
    minor units, refused when Stripe would refuse to charge it."""

    currency = forms.CharField(
        max_length=3, help_text="ISO 4217 code, e.g. eur, gbp, usd, jpy.", strip=True
    )
    amount = forms.DecimalField(
        min_value=0,
        max_digits=12,
        decimal_places=3,
        help_text="In the currency's units: 49.00 for €49, 4900 for ¥4,900.",
    )

    class Meta:
        model = PlanPrice
        fields = ["currency", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["amount"] = major_units(self.instance.amount, self.instance.currency)

    def clean_currency(self):
        currency = self.cleaned_data["currency"].lower()
        if currency not in SUPPORTED:
            raise forms.ValidationError(
                f"Stripe does not take {currency.upper()!r}: enter a three-letter currency "
                "code it supports (docs.stripe.com/currencies), such as eur, gbp or usd."
            )
        return currency

    def clean(self):
        cleaned = super().clean()
        currency, major = cleaned.get("currency"), cleaned.get("amount")
        if currency is None or major is None:
            return cleaned
        amount = minor_units(major, currency)
        if amount is None:
            self.add_error("amount", f"{currency.upper()} has fewer decimals than {major}.")
            return cleaned
        refusal = stripe_refusal(amount, currency)
        if refusal is not None:
            self.add_error("amount", f"Stripe would refuse this price: {refusal.reason}.")
            return cleaned
        cleaned["amount"] = amount
        return cleaned


class PlanPriceInline(admin.TabularInline):
    model = PlanPrice
    form = PlanPriceForm
    extra = 1
    fields = ["currency", "amount", "shown"]
    readonly_fields = ["shown"]

    @admin.display(description="Shown as")
    def shown(self, price):
        return money(price.amount, price.currency) if price.pk else "–"


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "lifetime_days", "featured", "prices", "active", "paid_postings"]
    list_filter = ["active", "featured"]
    search_fields = ["name"]
    fields = ["name", "includes", "lifetime_days", "featured", "order", "active"]
    inlines = [PlanPriceInline]
    actions = ["retire"]

    def get_queryset(self, request):
        paid = (
            PaymentAttempt.objects.filter(plan=OuterRef("pk"), state=PaymentAttempt.State.PAID)
            .order_by()
            .values("plan")
            .annotate(n=Count("posting", distinct=True))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related("prices")
            .annotate(paid_count=Coalesce(Subquery(paid), 0))
        )

    @admin.display(description="Prices")
    def prices(self, plan):
        return " · ".join(money(price.amount, price.currency) for price in plan.prices.all())

    @admin.display(description="Paid postings", ordering="paid_count")
    def paid_postings(self, plan):
        return plan.paid_count

    @admin.action(
        description="Retire the selected plans (no longer offered)", permissions=["change"]
    )
    def retire(self, request, queryset):
        count = 0
        for plan in queryset.filter(active=True):
            plan.active = False
            plan.save(update_fields=["active", "updated_at"])  # the signal empties the cache
            count += 1
        self.message_user(
            request,
            f"{count} plan{'s' if count != 1 else ''} retired. Their paid postings stay as "
            "they are.",
            messages.SUCCESS,
        )

    def has_payments(self, plan):
        return PaymentAttempt.objects.filter(plan=plan).exists()

    def delete_view(self, request, object_id, extra_context=None):
        plan = self.get_object(request, object_id)
        if plan is not None and self.has_payments(plan):
            self.message_user(request, HAS_PAYMENTS.format(plan=plan), messages.ERROR)
            return redirect(reverse("admin:wizard_plan_change", args=[plan.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        paid = [plan for plan in queryset if self.has_payments(plan)]
        if paid:
            for plan in paid:
                self.message_user(request, HAS_PAYMENTS.format(plan=plan), messages.ERROR)
            queryset = queryset.exclude(pk__in=[plan.pk for plan in paid])
        super().delete_queryset(request, queryset)
