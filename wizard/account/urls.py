"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:").

Every account page is one employer's own: never kept by a shared cache or Back."""

from django.urls import path
from django.views.decorators.cache import never_cache

from wizard.account import (
    duplicate,
    edit_live,
    export,
    payments,
    postings,
    profile,
    receipts,
    renewal,
    upgrade,
    views,
)

urlpatterns = [
    path("sign-in/", never_cache(views.sign_in), name="sign_in"),
    # Before the link's pattern: neither is a token.
    path("sign-in/code/", never_cache(views.enter_code), name="sign_in_code"),
    path("sign-in/found/", never_cache(views.found), name="sign_in_found"),
    path("sign-in/<str:token>/", never_cache(views.link), name="sign_in_link"),
    path("sign-out/", never_cache(views.sign_out), name="sign_out"),
    path(
        "sign-out/everywhere/", never_cache(views.sign_out_everywhere), name="sign_out_everywhere"
    ),
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
    path("postings/<uuid:posting_id>/edit/", never_cache(edit_live.edit_live), name="edit_live"),
    path(
        "postings/<uuid:posting_id>/edit/withdraw/",
        never_cache(edit_live.withdraw_edit),
        name="withdraw_edit",
    ),
    path("postings/<uuid:posting_id>/renew/", renewal.renew, name="renew"),
    path("postings/<uuid:posting_id>/feature/", upgrade.feature, name="feature"),
    path("postings/<uuid:posting_id>/feature/paid/", upgrade.featured, name="featured"),
    path("postings/<uuid:posting_id>/duplicate/", duplicate.duplicate_posting, name="duplicate"),
    # Receipts and invoices (wizard.account.receipts): the signed-in owner's, and the
    # confirmation email's signed link.
    path("payments/<int:attempt_id>/receipt/", receipts.receipt, name="receipt"),
    path("receipts/<str:token>/", receipts.receipt_link, name="receipt_link"),
]
