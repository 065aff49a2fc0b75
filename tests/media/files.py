"""Real media files made by the tests (Pillow, ffmpeg): photos with EXIF, bombs, video, audio."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def photo(
    width: int = 800, height: int = 600, *, color: tuple[int, int, int] = (200, 60, 40)
) -> Image.Image:
    """A picture with a clear top-left marker (red square on a blue-ish ground) to check rotation."""
    image = Image.new("RGB", (width, height), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 4, height // 4), fill=color)
    draw.ellipse((width // 2, height // 2, width - 10, height - 10), fill=(240, 220, 60))
    return image


def jpeg_with_gps(*, orientation: int = 1, width: int = 800, height: int = 600) -> bytes:
    """A JPEG carrying GPS coordinates, a camera make and an orientation tag in its EXIF."""
    image = photo(width, height)
    exif = Image.Exif()
    exif[MAKE] = "SecretCam"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def png(width: int = 320, height: int = 200, *, transparent: bool = False) -> bytes:
    """A PNG (with real transparency when asked)."""
    image = photo(width, height).convert("RGBA")
    if transparent:
        image.putpixel((0, 0), (0, 0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def jpeg(width: int = 640, height: int = 480, *, quality: int = 90) -> bytes:
    """A plain JPEG."""
    buf = io.BytesIO()
    photo(width, height).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def bomb_png(side: int = 60_000) -> bytes:
    """A tiny PNG whose header claims side×side pixels (a decompression bomb); a few KB on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * (side // 8 + 1) * 64, 9)  # the first rows only
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def animated_gif(frames: int = 6, size: int = 64) -> bytes:
    """A short animated GIF."""
    images = [
        Image.new("RGB", (size, size), (i * 40 % 255, 80, 200 - i * 20)) for i in range(frames)
    ]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return buf.getvalue()


def ffmpeg_file(args: list[str], suffix: str) -> bytes:
    """Run ffmpeg with a lavfi source and return the file it wrote."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed by the media tests (make test installs it)"
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / f"out{suffix}"
        subprocess.run(
            [ffmpeg, "-nostdin", "-v", "error", "-y", *args, str(out)], check=True, timeout=120
        )
        return out.read_bytes()


def webm_video(seconds: int = 2) -> bytes:
    """A small VP8/Vorbis WebM with a test pattern and a tone, tagged with a title."""
    return ffmpeg_file(
        [
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=320x240:rate=15:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libvpx",
            "-b:v",
            "200k",
            "-c:a",
            "libvorbis",
            "-metadata",
            "title=Secret title",
            "-shortest",
        ],
        ".webm",
    )


def wav_audio(seconds: int = 1) -> bytes:
    """A short sine tone as WAV."""
    return ffmpeg_file(["-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}"], ".wav")
