"""The postings list's columns of views and apply clicks, and the totals on a posting's
page: annotated on the admin's queryset (wizard.postings.numbers.with_numbers, two
subqueries in the list's one query), never a query per row."""

from django.contrib import admin


class PostingNumbers:
    """A ModelAdmin mixin; its get_queryset must annotate with_numbers."""

    @admin.display(description="Views", ordering="views")
    def views_total(self, posting):
        return posting.views

    @admin.display(description="Apply clicks", ordering="apply_clicks")
    def apply_clicks_total(self, posting):
        return posting.apply_clicks
