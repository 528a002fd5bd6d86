"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

from django.urls import path
from django.views.decorators.cache import never_cache

from wizard.account import export, payments, postings, profile

# Every account page is one employer's own: never kept by a shared cache or Back.
urlpatterns = [
    path("postings/", never_cache(postings.your_postings), name="account_postings"),
    path("postings.csv", never_cache(export.export), name="account_export"),
    path("postings/<uuid:posting_id>/", never_cache(postings.posting_page), name="account_posting"),
    path("payments/", never_cache(payments.your_payments), name="account_payments"),
    path("company/", never_cache(profile.company_profile), name="account_profile"),
    path(
        "postings/<uuid:posting_id>/save-company-profile/",
        never_cache(profile.profile_from_posting),
        name="account_profile_from_posting",
    ),
]
