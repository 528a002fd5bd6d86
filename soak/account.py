"""An employer's account over HTTP, as a returning employer uses it (soak/returning.py):
signing in with the code of the email, Your postings, a posting's actions, a logo upload.

The code is read as the employer reads it: from the email the soak's mailer accepted
(soak/mailer.py records each message with its address and subject; the sign-in email's
subject carries the code). The email is a job like any other, so it may wait behind a
killed worker or a failed send; the employer checks their inbox until it is there.
"""

import io
import os
import re

from soak.employer import Unexpected, expect, form_value, location, path_of
from soak.mailer import read_log

CODE_SUBJECT = re.compile(r"sign-in code: (\d{6})\b")
INBOX_CHECKS = 40  # an inbox checked every 1 to 2.5 s: about a minute at most


def address_of(visit):
    """The address the employer signs in with (the details' contact address too)."""
    return f"employer{visit.number}@soak.example"


def sign_in(visit):
    """Ask for a code, read it in the email, enter it: signed in, on Your postings."""
    visit.outcome.stage = "sign in"
    address = address_of(visit)
    page = expect(visit.b.get("/account/sign-in/"), 200, what="sign-in page")
    form = {"csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"), "email": address}
    response = expect(visit.b.post("/account/sign-in/", form), 302, what="ask for a code")
    if path_of(location(response)) != "/account/sign-in/code/":
        raise Unexpected(f"asking for a code led to {location(response)}")
    page = expect(visit.b.get("/account/sign-in/code/"), 200, what="check your email page")
    code = read_code(visit, address)
    visit.outcome.stage = "enter the code"
    form = {"csrfmiddlewaretoken": form_value(page.text, "csrfmiddlewaretoken"), "code": code}
    response = expect(visit.b.post("/account/sign-in/code/", form), 302, what="enter the code")
    if path_of(location(response)) != "/account/postings/":
        raise Unexpected(f"the code led to {location(response)}, not Your postings")
    # Only a signed-in employer gets the page (anyone else is sent to sign in).
    expect(visit.b.get("/account/postings/"), 200, what="Your postings")


def read_code(visit, address):
    """The code of the newest sign-in email to `address` the mailer accepted."""
    visit.outcome.stage = "wait for the sign-in email"
    folder = os.environ["SOAK_MAIL_DIR"]
    for _ in range(INBOX_CHECKS):
        codes = [
            found[1]
            for entry in read_log(folder)
            if entry["outcome"] == "sent" and address in entry["to"]
            for found in [CODE_SUBJECT.search(entry["subject"])]
            if found
        ]
        if codes:
            return codes[-1]  # read_log is in the order the mailer accepted them
        visit.b.think(1.0, 2.5)
    raise Unexpected("the sign-in email never arrived")


def your_postings_lists(visit, posting_id):
    """Your postings lists the posting (a link to its page)."""
    visit.outcome.stage = "Your postings"
    page = expect(visit.b.get("/account/postings/"), 200, what="Your postings")
    if f"/account/postings/{posting_id}/" not in page.text:
        raise Unexpected(f"Your postings does not list {posting_id}")


def press_action(visit, posting_id, action_path):
    """Press a POST action (its own form) on the posting's account page; the response."""
    page_path = f"/account/postings/{posting_id}/"
    page = expect(visit.b.get(page_path), 200, what="the posting's account page")
    form = re.search(
        rf'<form method="post" action="{re.escape(action_path)}">(.*?)</form>', page.text, re.S
    )
    if form is None:
        raise Unexpected(f"the posting's page offers no {action_path}")
    token = form_value(form[1], "csrfmiddlewaretoken")
    return visit.b.post(action_path, {"csrfmiddlewaretoken": token})


def png_logo(number):
    """A small PNG of the employer's own (its colour from their number)."""
    from PIL import Image

    image = Image.new("RGB", (64, 64), ((number * 37) % 256, (number * 91) % 256, 128))
    data = io.BytesIO()
    image.save(data, format="PNG")
    return data.getvalue()


def upload_logo(visit):
    """The logo step with a file, instead of skipping it."""
    visit.outcome.stage = "logo upload"
    path = visit.step_path("logo")
    page = expect(visit.b.get(path), 200, what="logo page")
    token = form_value(page.text, "csrfmiddlewaretoken")
    for _ in range(4):
        files = {"logo": ("logo.png", png_logo(visit.number), "image/png")}
        response = visit.b.post(path, {"csrfmiddlewaretoken": token}, files=files)
        if response.status_code == 503:  # the storage failed: nothing changed, again
            visit.b.retry_pause()
            continue
        expect(response, 302, what="upload the logo")
        return
    raise Unexpected("the logo could not be stored after 4 tries")
