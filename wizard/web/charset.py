"""Refuse a form whose body is declared in another encoding than UTF-8, with the 400 page.

Browsers send forms in UTF-8 (the pages say so) and never name a charset; a form posted
with `charset=utf-16` is crafted. Django refuses it as a BadRequest when request.POST is
first read, and reads it again while drawing its 400 page (the CSRF check of
`requires_csrf_token`), so the visitor got a 500. This middleware, placed before anything
reads the body, answers such a form with the site's 400 page before it is parsed. Only
the name `utf-8` (any case) passes, as in Django's own check: an alias such as `utf8` or
a charset Python does not know is refused too.
"""

from wizard.web.errors import bad_request_page

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_utf8(charset):
    return charset.strip().lower() == "utf-8"


class RefuseNonUtf8Forms:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.content_type in FORM_TYPES:
            charset = request.content_params.get("charset")
            if charset is not None and not is_utf8(charset):
                return bad_request_page()
        return self.get_response(request)
