"""What a file is, from its first bytes (never from its name or the client's content type)."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.config import MediaConfig
from fedi.errors import Invalid

FIELD = "file"
UNSUPPORTED = (
    "This file type is not supported. Upload a JPEG, PNG, GIF, WebP or AVIF image, an MP4 or "
    "WebM video, or an MP3, Ogg, WAV, FLAC or M4A audio file."
)
# ISO base media (MP4/QuickTime) brands that are audio-only.
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ")
_IMAGE_BRANDS = (b"avif", b"avis")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")


@dataclass(frozen=True, slots=True, kw_only=True)
class Sniffed:
    """A recognised file: its family (image, video, audio) and content type."""

    family: str
    content_type: str
    pillow_format: str = ""

    @property
    def is_image(self) -> bool:
        return self.family == "image"


def sniff(data: bytes) -> Sniffed | None:
    """Recognise a supported image, video or audio container by its magic bytes; None if not."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(family="image", content_type="image/jpeg", pillow_format="JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(family="image", content_type="image/png", pillow_format="PNG")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed(family="image", content_type="image/gif", pillow_format="GIF")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(family="image", content_type="image/webp", pillow_format="WEBP")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed(family="audio", content_type="audio/wav")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _IMAGE_BRANDS:
            return Sniffed(family="image", content_type="image/avif", pillow_format="AVIF")
        if brand in _HEIF_BRANDS:
            return None
        if brand in _AUDIO_BRANDS:
            return Sniffed(family="audio", content_type="audio/mp4")
        return Sniffed(family="video", content_type="video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed(family="video", content_type="video/webm")
    if head.startswith(b"OggS"):
        return Sniffed(family="audio", content_type="audio/ogg")
    if head.startswith(b"fLaC"):
        return Sniffed(family="audio", content_type="audio/flac")
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return Sniffed(family="audio", content_type="audio/mpeg")
    return None


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3 without an ID3 tag): sync bits and no reserved values."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and rate != 0b11


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_upload(data: bytes, limits: MediaConfig) -> Sniffed:
    """The sniffed type of an upload within the size limits; Invalid("file") otherwise."""
    if not data:
        raise Invalid.field(FIELD, "The file is empty.")
    found = sniff(data)
    if found is None:
        raise Invalid.field(FIELD, UNSUPPORTED)
    limit = limits.max_image_bytes if found.is_image else limits.max_video_bytes
    if len(data) > limit:
        what = "images" if found.is_image else "videos and audio files"
        raise Invalid.field(
            FIELD, f"This file is {_mb(len(data))}; {what} can be at most {_mb(limit)}."
        )
    return found
