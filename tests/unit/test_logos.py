"""Logo uploads are decoded under a pixel cap and re-encoded; anything else is refused."""

import struct
import zlib
from io import BytesIO
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import image_bytes
from wizard.postings.logos import reencode_logo


def upload(data, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def decoded(png):
    image = Image.open(BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_accepted_formats_are_reencoded_as_png(fmt):
    result = decoded(reencode_logo(upload(image_bytes(fmt))))
    assert result.format == "PNG"
    assert result.size == (64, 48)


def test_a_png_html_polyglot_loses_its_payload():
    payload = b"<html><script>alert(document.cookie)</script></html>"
    result = reencode_logo(upload(image_bytes("PNG") + payload))
    assert payload not in result
    assert b"<script>" not in result
    assert decoded(result).size == (64, 48)


def test_exif_data_is_stripped():
    image = Image.new("RGB", (32, 32), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert b"SecretCameraMaker" in buffer.getvalue()

    result = reencode_logo(upload(buffer.getvalue(), "photo.jpg", "image/jpeg"))
    assert b"SecretCameraMaker" not in result
    assert not decoded(result).getexif()


def test_large_images_are_bounded(settings):
    result = decoded(reencode_logo(upload(image_bytes("PNG", size=(2000, 1000)))))
    assert max(result.size) == settings.LOGO_MAX_DIMENSION
    assert result.size == (512, 256)


def test_svg_is_rejected_with_a_clear_message():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError, match="PNG, JPEG or WebP") as error:
        reencode_logo(upload(svg, "logo.svg", "image/svg+xml"))
    assert error.value.code == "unsupported_format"


def test_other_image_formats_are_rejected():
    with pytest.raises(ValidationError) as error:
        reencode_logo(upload(image_bytes("GIF"), "logo.gif", "image/gif"))
    assert error.value.code == "unsupported_format"


def test_an_image_renamed_to_png_is_judged_by_its_content():
    with pytest.raises(ValidationError) as error:
        reencode_logo(upload(image_bytes("BMP"), "logo.png", "image/png"))
    assert error.value.code == "unsupported_format"


def test_oversized_uploads_are_rejected_before_decoding(settings):
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * settings.LOGO_MAX_UPLOAD_BYTES
    with pytest.raises(ValidationError, match="2 MB") as error:
        reencode_logo(upload(data))
    assert error.value.code == "too_large"


def png_claiming_size(width, height):
    """A tiny, valid PNG header that declares huge dimensions: a decompression bomb."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # A few compressed rows of zeros: decoding all rows would need gigabytes.
    body = zlib.compress(b"\0" * (width * 3 + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width,height", [(6000, 6000), (50_000, 50_000)])
def test_decompression_bombs_are_rejected(width, height):
    bomb = png_claiming_size(width, height)
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(ValidationError) as error:
        reencode_logo(upload(bomb))
    assert error.value.code == "too_many_pixels"


def test_truncated_images_are_rejected():
    with pytest.raises(ValidationError) as error:
        reencode_logo(upload(image_bytes("PNG")[:60]))
    assert error.value.code == "corrupt"


def test_a_huge_image_is_refused_before_its_pixels_are_decoded(settings):
    big = image_bytes("PNG", size=(2100, 2000), color=(0, 0, 0))  # 4.2 million pixels
    with mock.patch.object(Image.Image, "load", side_effect=AssertionError("decoded")):
        with pytest.raises(ValidationError, match="too many pixels"):
            reencode_logo(SimpleUploadedFile("big.png", big, content_type="image/png"))


def test_a_large_jpeg_is_decoded_reduced_and_accepted(settings):
    photo = image_bytes("JPEG", size=(4000, 3000), color=(200, 30, 30))  # 12 MP
    png = reencode_logo(SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg"))
    with Image.open(BytesIO(png)) as logo:
        assert max(logo.size) == settings.LOGO_MAX_DIMENSION


def jpeg_with_orientation(orientation):
    """A real JPEG, 40 wide and 20 tall as stored, red in its top-left corner, whose EXIF
    orientation tag (0x0112) says how to turn it for display."""
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = BytesIO()
    image.save(out, format="JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def test_a_logo_is_turned_the_way_its_exif_orientation_says():
    data = jpeg_with_orientation(6)  # "rotate 90° clockwise to display", as phones write it
    with Image.open(BytesIO(data)) as original:
        assert original.getexif()[0x0112] == 6
        assert original.size == (40, 20)
    result = decoded(reencode_logo(upload(data, "photo.jpg", "image/jpeg")))
    assert result.size == (20, 40)  # upright: portrait, as the phone showed it
    # Turned clockwise, the stored top-left corner is now the top-right.
    red, top_left = result.getpixel((15, 4)), result.getpixel((4, 4))
    assert red[0] > 200 and red[1] < 60
    assert top_left[:3] == (255, 255, 255) or min(top_left[:3]) > 230
    assert 0x0112 not in result.getexif()


@pytest.mark.parametrize(("orientation", "size"), [(1, (40, 20)), (3, (40, 20)), (8, (20, 40))])
def test_every_orientation_is_applied(orientation, size):
    result = decoded(reencode_logo(upload(jpeg_with_orientation(orientation), "p.jpg")))
    assert result.size == size
