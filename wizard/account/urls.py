"""The account's URLs, under /account/ (included by wizard.urls, names in "wizard:")."""

from django.urls import path
from django.views.decorators.cache import never_cache

from wizard.account import views

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
]
