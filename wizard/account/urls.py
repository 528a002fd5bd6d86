"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

from django.urls import path

from wizard.account import duplicate, renewal

urlpatterns = [
    path("postings/<uuid:posting_id>/renew/", renewal.renew, name="renew"),
    path("postings/<uuid:posting_id>/duplicate/", duplicate.duplicate_posting, name="duplicate"),
]
