"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

urlpatterns = []
