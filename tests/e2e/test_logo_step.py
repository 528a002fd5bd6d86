"""The logo step in Chromium (issue 19, item 9): the chosen file is previewed before it is
uploaded (with JavaScript, from a blob: URL the CSP allows), a file dropped on the drop
zone is chosen; without JavaScript the plain input uploads; with no file, the page says
what to do; "Continue without a logo" goes on with none. At both sizes, with screenshots."""

import base64

import pytest
from playwright.sync_api import expect

from tests.conftest import image_bytes
from tests.e2e.conftest import screenshot_path
from tests.e2e.test_posting_a_job import start_posting
from tests.e2e.walk import expect_step
from wizard.flow.order import FLOW
from wizard.models import JobPosting

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOGO = {"name": "acme.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}
DROP_A_FILE = """(zone, png) => {
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
  for (const type of ["dragenter", "dragover", "drop"]) {
    const event = { bubbles: true, cancelable: true, dataTransfer: files };
    zone.dispatchEvent(new DragEvent(type, event));
  }
}"""


def loaded(image):
    """The image was drawn (a CSP refusal of its blob: URL leaves it broken, 0 wide)."""
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("size", SIZES)
def test_the_chosen_logo_is_previewed_before_upload(browser, app, size):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Refused" in message.text else None,
    )
    start_posting(page, app)
    expect(page.get_by_role("heading", name="Company logo (optional)")).to_be_visible()
    expect(page.get_by_text("or drag and drop the file here")).to_be_visible()

    page.get_by_label("Choose your company logo").set_input_files(LOGO)
    preview = page.get_by_role("img", name="Preview of acme.png")
    expect(preview).to_be_visible()
    assert preview.get_attribute("src").startswith("blob:")
    page.wait_for_function("img => img.complete", arg=preview.element_handle())
    assert loaded(preview)
    expect(page.locator("[data-logo-preview] figcaption")).to_contain_text(
        "acme.png (1 KB) is chosen"
    )
    page.screenshot(path=screenshot_path(f"logo-preview-{size}"), full_page=True, caret="initial")
    assert not JobPosting.objects.get().logo  # nothing is sent before the press

    zone = page.locator("[data-dropzone]")
    zone.evaluate(DROP_A_FILE, base64.b64encode(image_bytes("PNG", (32, 32))).decode())
    expect(page.get_by_role("img", name="Preview of dropped.png")).to_be_visible()
    assert page.get_by_label("Choose your company logo").evaluate("i => i.files[0].name") == (
        "dropped.png"
    )
    page.get_by_role("button", name="Upload and continue").click()
    expect_step(page, "details")
    assert JobPosting.objects.get().logo
    assert refused == []
    context.close()


def test_without_javascript_the_plain_input_uploads(browser, app):
    context = browser.new_context(java_script_enabled=False, viewport=SIZES["phone"])
    page = context.new_page()
    start_posting(page, app)
    expect(page.get_by_text("or drag and drop the file here")).to_be_hidden()
    page.get_by_role("button", name="Upload and continue").click()
    expect(
        page.get_by_text("Choose a logo to upload, or continue without a logo").first
    ).to_be_visible()
    page.screenshot(path=screenshot_path("logo-no-file-no-js"), full_page=True, caret="initial")

    page.get_by_label("Choose your company logo").set_input_files(LOGO)
    page.get_by_role("button", name="Upload and continue").click()
    expect_step(page, "details")
    assert JobPosting.objects.get().logo
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_no_file_says_what_to_do_and_going_on_without_one_works(browser, app, size):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    start_posting(page, app)
    page.get_by_role("button", name="Upload and continue").click()
    expect(
        page.get_by_text("Choose a logo to upload, or continue without a logo").first
    ).to_be_visible()
    expect(page.get_by_text("This field is required")).to_have_count(0)
    page.screenshot(path=screenshot_path(f"logo-no-file-{size}"), full_page=True, caret="initial")

    page.get_by_role("button", name="Continue without a logo").click()
    expect_step(page, "details")
    posting = JobPosting.objects.get()
    assert not posting.logo and FLOW["logo"].ledger_note(posting) == "skipped"
    context.close()
