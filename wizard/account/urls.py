"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

from django.urls import path
from django.views.decorators.cache import never_cache

from wizard.account import edit_live

urlpatterns = [
    path(
        "postings/<uuid:posting_id>/edit/",
        never_cache(edit_live.edit_live),
        name="edit_live",
    ),
    path(
        "postings/<uuid:posting_id>/edit/withdraw/",
        never_cache(edit_live.withdraw_edit),
        name="withdraw_edit",
    ),
]
