"""Image processing with Pillow: check, orient, strip, resize, re-encode, thumbnail, blurhash.

Pure functions of bytes (no database, no event loop): services run them through
`asyncio.to_thread`. The type comes from the content (`sniff`), the pixel count is checked from the
header before anything is decoded (decompression bombs), EXIF orientation is applied, and the
output is re-encoded from pixels alone, so EXIF (GPS, camera), XMP, comments and colour profiles
are gone (a non-sRGB profile is converted to sRGB first). Video and audio live in `av.py`.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from fedi.config import MediaConfig
from fedi.errors import Invalid
from fedi.media import blurhash
from fedi.media.sniff import FIELD, Sniffed, check_upload, sniff

logger = logging.getLogger(__name__)

JPEG_QUALITY = 85
THUMB_QUALITY = 80
AVATAR_SIZE = (400, 400)
HEADER_SIZE = (1500, 500)
MAX_GIF_FRAME_PIXELS = 400_000_000
"""Frames × pixels an animated GIF may hold (a bomb can also be a long animation)."""
CORRUPT = "This image could not be read; the file may be damaged or incomplete."
_SRGB = ImageCms.createProfile("sRGB")
# Orientation tag value -> the transpose that shows the image upright.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def corrupt(detail: str = "") -> Invalid:
    """The error for an image that cannot be decoded (the decoder's words stay in the log)."""
    return Invalid(CORRUPT, field_errors={FIELD: CORRUPT}, detail=detail)


@dataclass(frozen=True, slots=True, kw_only=True)
class Processed:
    """The result of processing one file: what to store and what to tell clients about it."""

    kind: str  # image | gifv | video | audio
    content_type: str
    data: bytes
    preview: bytes | None = None
    preview_type: str = ""
    blurhash: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Opened:
    """An image whose header passed the checks (pixels not decoded yet)."""

    image: Image.Image
    sniffed: Sniffed
    animated: bool


def dims(width: int, height: int) -> dict[str, Any]:
    """Mastodon's `meta.original` / `meta.small` shape for a width and height."""
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": round(width / height, 6) if height else 0,
    }


def open_image(data: bytes, sniffed: Sniffed, limits: MediaConfig) -> Opened:
    """Open an image lazily and refuse bombs and damaged headers before any pixel is decoded."""
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[sniffed.pillow_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid.field(FIELD, _too_many_pixels(limits)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise corrupt(str(exc)) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise corrupt()
    if width * height > limits.max_image_pixels:
        raise Invalid.field(FIELD, _too_many_pixels(limits, width, height))
    frames = int(getattr(image, "n_frames", 1) or 1) if sniffed.pillow_format == "GIF" else 1
    if frames * width * height > MAX_GIF_FRAME_PIXELS:
        raise Invalid.field(FIELD, "This animation has too many frames for its size.")
    return Opened(image=image, sniffed=sniffed, animated=frames > 1)


def _too_many_pixels(limits: MediaConfig, width: int = 0, height: int = 0) -> str:
    size = f" ({width}×{height})" if width else ""
    return (
        f"This image has too many pixels{size}; the limit is "
        f"{limits.max_image_pixels:,} pixels (about {int(math.sqrt(limits.max_image_pixels))}"
        f"×{int(math.sqrt(limits.max_image_pixels))})."
    )


def _fit_pixels(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    if width * height <= max_pixels:
        return width, height
    scale = math.sqrt(max_pixels / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _normalise_mode(image: Image.Image) -> Image.Image:
    """RGB, L or RGBA (RGBA only when some pixel is actually transparent)."""
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        low, _ = rgba.getchannel("A").getextrema()
        return rgba if low < 255 else rgba.convert("RGB")
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit (or wider) greyscale: scale to 8 bits instead of clipping everything to white.
        return image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels from an embedded colour profile to sRGB (the profile itself is dropped)."""
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower().replace(" ", ""):
            return image
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # Unusable profile: keep the pixels as they are.
    return converted if converted is not None else image


def decode_upright(opened: Opened, target: tuple[int, int] | None = None) -> Image.Image:
    """Decode the (first frame of the) image, scaled to fit `target` pixels, upright, in sRGB.

    `target` is (max_pixels, 0) for an area bound; JPEG decoding is scaled in the DCT when it
    can be (`draft`), and the resize happens before rotating, on fewer pixels.
    """
    image = opened.image
    try:
        exif = image.getexif()
        orientation = int(exif.get(0x0112, 1) or 1)
    except Exception:  # A broken EXIF block never stops an upload: it is dropped anyway.
        orientation = 1
    icc = image.info.get("icc_profile")
    width, height = image.size
    out_w, out_h = _fit_pixels(width, height, target[0]) if target else (width, height)
    try:
        if opened.sniffed.pillow_format == "JPEG" and (out_w, out_h) != (width, height):
            image.draft(None, (out_w, out_h))
        image.load()
        image = _normalise_mode(image)
        if image.size != (out_w, out_h):
            # Area averaging (BOX) is a proper downscaling filter and the fastest one in Pillow.
            image = image.resize((out_w, out_h), Image.Resampling.BOX)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise corrupt(str(exc)) from None
    except Image.DecompressionBombError:
        raise Invalid.field(FIELD, "This image has too many pixels.") from None
    if orientation in _ORIENTATION:
        image = image.transpose(_ORIENTATION[orientation])
    return _to_srgb(image, icc if isinstance(icc, bytes) else None)


def encode(image: Image.Image, fmt: str, *, quality: int = JPEG_QUALITY) -> tuple[bytes, str]:
    """Re-encode pixels alone (no EXIF, ICC or text chunks); return bytes and content type."""
    buf = io.BytesIO()
    if fmt == "PNG":
        image.save(buf, "PNG", compress_level=6)
        return buf.getvalue(), "image/png"
    if fmt == "WEBP":
        image.save(buf, "WEBP", quality=quality, method=4)
        return buf.getvalue(), "image/webp"
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buf, "JPEG", quality=quality, optimize=False, progressive=False)
    return buf.getvalue(), "image/jpeg"


def _stored_format(source: str, image: Image.Image) -> str:
    """Keep PNG and WebP; transparent images stay PNG; everything else becomes JPEG."""
    if source in ("PNG", "WEBP"):
        return source
    return "PNG" if image.mode == "RGBA" else "JPEG"


def thumbnail(image: Image.Image, size: int) -> tuple[bytes, str, Image.Image]:
    """A preview no larger than size×size: JPEG, or WebP when it has transparency."""
    width, height = image.size
    scale = min(1.0, size / max(width, height))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    thumb = image.resize(target, Image.Resampling.BICUBIC, reducing_gap=1.0)
    data, ctype = encode(thumb, "WEBP" if thumb.mode == "RGBA" else "JPEG", quality=THUMB_QUALITY)
    return data, ctype, thumb


def still_image(opened: Opened, limits: MediaConfig) -> Processed:
    """Process a still image (or the first frame of an animation) to the stored sizes."""
    image = decode_upright(opened, (limits.resize_to, 0))
    data, ctype = encode(image, _stored_format(opened.sniffed.pillow_format, image))
    preview, preview_type, thumb = thumbnail(image, limits.thumbnail_size)
    return Processed(
        kind="image",
        content_type=ctype,
        data=data,
        preview=preview,
        preview_type=preview_type,
        blurhash=blurhash.encode(thumb),
        meta={"original": dims(*image.size), "small": dims(*thumb.size)},
    )


def gif_as_is(data: bytes, opened: Opened, limits: MediaConfig) -> Processed:
    """An animated GIF kept as uploaded (no ffmpeg to make a video of it), with a still preview."""
    first = decode_upright(opened)
    preview, preview_type, thumb = thumbnail(first, limits.thumbnail_size)
    return Processed(
        kind="image",
        content_type=opened.sniffed.content_type,
        data=data,
        preview=preview,
        preview_type=preview_type,
        blurhash=blurhash.encode(thumb),
        meta={"original": dims(*first.size), "small": dims(*thumb.size)},
    )


def process_image(data: bytes, *, limits: MediaConfig) -> Processed:
    """Check and process an image upload; Invalid("file") with a clear message if refused.

    Animated GIFs are kept as GIF here; `av.process_upload` turns them into video when ffmpeg is
    there.
    """
    sniffed = check_upload(data, limits)
    if not sniffed.is_image:
        raise Invalid.field(FIELD, "This is not an image.")
    opened = open_image(data, sniffed, limits)
    if opened.animated:
        return gif_as_is(data, opened, limits)
    return still_image(opened, limits)


NOT_AN_IMAGE = "This file type is not supported here. Choose a JPEG, PNG, GIF, WebP or AVIF image."


def process_profile_image(data: bytes, *, limits: MediaConfig, size: tuple[int, int]) -> Processed:
    """An avatar (square) or header (3:1): cropped to fill `size`, centred, re-encoded."""
    found = sniff(data)
    if data and (found is None or not found.is_image):
        # Not the general "an image, a video or audio" message: only images fit here.
        raise Invalid.field(FIELD, NOT_AN_IMAGE)
    sniffed = check_upload(data, limits)
    opened = open_image(data, sniffed, limits)
    width, height = opened.image.size
    scale = max(size[0] / width, size[1] / height)
    bound = int(width * height * min(1.0, scale * 1.05) ** 2) + 1
    image = decode_upright(opened, (bound, 0))
    fitted = ImageOps.fit(image, size, Image.Resampling.BICUBIC)
    data_out, ctype = encode(fitted, "PNG" if fitted.mode == "RGBA" else "JPEG")
    return Processed(
        kind="image",
        content_type=ctype,
        data=data_out,
        blurhash=blurhash.encode(fitted),
        meta={"original": dims(*fitted.size)},
    )
