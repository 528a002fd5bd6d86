"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

from django.urls import path

from wizard.account import receipts

urlpatterns = [
    # Receipts and invoices (wizard.account.receipts): the signed-in owner's, and the
    # confirmation email's signed link.
    path("payments/<int:attempt_id>/receipt/", receipts.receipt, name="receipt"),
    path("receipts/<str:token>/", receipts.receipt_link, name="receipt_link"),
]
