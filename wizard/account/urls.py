"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

from django.urls import path

from wizard.account import renewal

urlpatterns = [
    path("postings/<uuid:posting_id>/renew/", renewal.renew, name="renew"),
]
