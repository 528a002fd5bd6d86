"""Logo uploads: validate, decode safely, re-encode, and store under a server-made key."""

import logging
import uuid
import warnings
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP"}
LOGO_PREFIX = "logos"
# A company profile's logo (wizard.employers) is kept apart: the orphan sweeper deletes
# what no posting references under LOGO_PREFIX, and no posting references these.
COMPANY_LOGO_PREFIX = "company-logos"

logger = logging.getLogger(__name__)


class LogoStorageError(Exception):
    """Storage refused or failed to keep the file; nothing was changed."""


def reencode_logo(upload):
    """Return the upload re-encoded as PNG bytes, or raise ValidationError.

    Decoding the pixels and writing a fresh file drops EXIF data, comments and
    anything appended after the image data (a PNG+HTML polyglot, say). The image is first
    turned the way its EXIF orientation says (a phone's photo tagged "rotate 90°"), since
    the tag does not survive the re-encoding.
    """
    if upload.size > settings.LOGO_MAX_UPLOAD_BYTES:
        limit_mb = settings.LOGO_MAX_UPLOAD_BYTES / (1024 * 1024)
        raise ValidationError(
            f"The logo is too large: the limit is {limit_mb:g} MB.", code="too_large"
        )
    upload.seek(0)
    data = upload.read(settings.LOGO_MAX_UPLOAD_BYTES + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as image:
                # JPEG can be decoded at 1/2, 1/4 or 1/8 scale: no more pixels than the
                # logo needs are ever held in memory.
                target = settings.LOGO_MAX_DIMENSION
                image.draft(image.mode, (target, target))
                width, height = image.size
                if width * height > settings.LOGO_MAX_PIXELS:
                    raise ValidationError(
                        "The logo has too many pixels to process safely.", code="too_many_pixels"
                    )
                image.load()
                logo = _bounded(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "The logo has too many pixels to process safely.", code="too_many_pixels"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            "Please upload a PNG, JPEG or WebP image. Other formats, SVG included, "
            "are not accepted.",
            code="unsupported_format",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            "The image file is damaged and could not be read.", code="corrupt"
        ) from None
    output = BytesIO()
    logo.save(output, format="PNG", optimize=True)
    return output.getvalue()


def _bounded(image):
    image = image.convert("RGBA")
    image.thumbnail((settings.LOGO_MAX_DIMENSION, settings.LOGO_MAX_DIMENSION))
    return image


def store_logo(posting_id, png_bytes):
    """Save under a fresh server-generated key and return the stored name."""
    return _store(f"{LOGO_PREFIX}/{posting_id}/{uuid.uuid4().hex}.png", png_bytes)


def store_company_logo(employer_id, png_bytes):
    """Save a company profile's logo under a fresh key of its own; return the stored name."""
    return _store(f"{COMPANY_LOGO_PREFIX}/{employer_id}/{uuid.uuid4().hex}.png", png_bytes)


def _store(key, png_bytes):
    try:
        return default_storage.save(key, ContentFile(png_bytes))
    except Exception as exc:
        raise LogoStorageError(str(exc)) from exc


def delete_logo(name):
    """Delete a stored logo; a failure is left for the orphan sweeper, not raised."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:
        logger.exception("Could not delete logo %s", name)


def read_logo(name):
    """A stored logo's bytes; LogoStorageError when storage cannot give them (a file
    missing included)."""
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except Exception as exc:
        raise LogoStorageError(str(exc)) from exc


def copy_logo(posting_id, name):
    """Copy a stored logo (another posting's, or a company profile's) to a fresh key of
    `posting_id`'s own and return its name: each posting deletes only its own file."""
    return store_logo(posting_id, read_logo(name))
