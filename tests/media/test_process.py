"""Processing uploaded files: type from content, metadata stripped, bombs and junk refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fedi.config import MediaConfig
from fedi.errors import Invalid
from fedi.media import blurhash
from fedi.media.av import find_tools, process_upload
from fedi.media.process import process_image, process_profile_image
from fedi.media.sniff import sniff
from tests.media import files

LIMITS = MediaConfig()


def test_gps_exif_is_gone_and_orientation_applied():
    """A phone photo's GPS position and camera never reach the stored file; it stands upright."""
    data = files.jpeg_with_gps(orientation=6, width=800, height=600)
    assert b"SecretCam" in data

    result = process_image(data, limits=LIMITS)

    assert result.content_type == "image/jpeg"
    assert b"SecretCam" not in result.data and b"Exif" not in result.data
    stored = Image.open(io.BytesIO(result.data))
    assert not stored.getexif()
    assert stored.size == (600, 800)  # rotated upright: the tag said "rotate 90°"
    assert result.meta["original"] == {
        "width": 600,
        "height": 800,
        "size": "600x800",
        "aspect": 0.75,
    }
    # The red marker of the top-left corner is now at the top-right.
    red, _, blue = stored.convert("RGB").getpixel((580, 20))
    assert red > 150 and blue < 100


def test_thumbnail_and_blurhash():
    """A thumbnail no larger than the configured size and a blurhash come with every image."""
    result = process_image(files.jpeg(1600, 1200), limits=LIMITS)

    thumb = Image.open(io.BytesIO(result.preview or b""))
    assert max(thumb.size) == LIMITS.thumbnail_size
    assert result.meta["small"]["width"] == 640 and result.meta["small"]["height"] == 480
    assert result.blurhash and len(result.blurhash) == 4 + 2 * (4 * 3 - 1) + 2


def test_large_images_are_resized_to_the_bound():
    """An image above `resize_to` pixels is scaled down to fit it, keeping its aspect."""
    limits = MediaConfig(resize_to=1_000_000, max_image_pixels=33_177_600)
    result = process_image(files.jpeg(2000, 1500), limits=limits)

    width, height = result.meta["original"]["width"], result.meta["original"]["height"]
    assert width * height <= 1_000_000 and abs(width / height - 4 / 3) < 0.01


def test_png_named_jpg_stays_png():
    """The type comes from the bytes, so a PNG is stored as PNG whatever its name said."""
    result = process_image(files.png(transparent=True), limits=LIMITS)

    assert result.content_type == "image/png"
    assert Image.open(io.BytesIO(result.data)).mode == "RGBA"


def test_text_file_is_refused():
    """A text file is refused with a message naming the supported types."""
    with pytest.raises(Invalid) as caught:
        process_image(b"just some text, not an image\n", limits=LIMITS)
    assert "not supported" in caught.value.field_errors["file"]


def test_decompression_bomb_is_refused_before_decoding():
    """A small file claiming a gigantic picture is refused from its header alone."""
    with pytest.raises(Invalid) as caught:
        process_image(files.bomb_png(), limits=LIMITS)
    assert "too many pixels" in caught.value.field_errors["file"]


def test_too_large_file_is_refused():
    """A file above the byte limit is refused with the limit in the message."""
    with pytest.raises(Invalid) as caught:
        process_image(files.jpeg(), limits=MediaConfig(max_image_bytes=1000))
    assert caught.value.field_errors["file"].startswith("This file is")
    assert "can be at most 1 KB" in caught.value.field_errors["file"]


def test_truncated_image_is_refused():
    """A damaged (cut off) JPEG is refused as unreadable."""
    with pytest.raises(Invalid) as caught:
        process_image(files.jpeg(1200, 900)[:3000], limits=LIMITS)
    assert "could not be read" in caught.value.field_errors["file"]


def test_avatar_is_cropped_square():
    """An avatar is cropped to a 400×400 square."""
    result = process_profile_image(files.jpeg(900, 500), limits=LIMITS, size=(400, 400))
    assert Image.open(io.BytesIO(result.data)).size == (400, 400)


def test_sniffing_ignores_names_and_knows_containers():
    """Magic bytes decide: JPEG, PNG, WebM, WAV are known; text is not."""
    assert sniff(files.jpeg()).content_type == "image/jpeg"  # type: ignore[union-attr]
    assert sniff(files.png()).content_type == "image/png"  # type: ignore[union-attr]
    assert sniff(files.webm_video(1)).content_type == "video/webm"  # type: ignore[union-attr]
    assert sniff(files.wav_audio()).content_type == "audio/wav"  # type: ignore[union-attr]
    assert sniff(b"hello") is None


def test_blurhash_of_a_flat_colour():
    """The blurhash of one colour carries that colour as its average."""
    value = blurhash.encode(Image.new("RGB", (40, 30), (255, 0, 0)))
    assert value[0] == "L"  # 4×3 components
    assert value[2:6] == "TI:j"  # base83 of 0xFF0000, the average colour
    assert len(value) == 28


def test_video_is_transcoded_with_poster_and_duration():
    """A WebM video becomes H.264 MP4 with a poster frame, its duration, and no metadata."""
    tools = find_tools(LIMITS)
    assert tools is not None, "ffmpeg is installed by make test"

    result = process_upload(files.webm_video(2), limits=LIMITS, tools=tools)

    assert result.kind == "video" and result.content_type == "video/mp4"
    assert result.data[4:8] == b"ftyp" and b"Secret title" not in result.data
    assert result.preview and Image.open(io.BytesIO(result.preview)).size == (320, 240)
    assert 1.5 < result.meta["original"]["duration"] < 2.5
    assert result.meta["original"]["width"] == 320 and result.meta["fps"] == 15
    assert result.blurhash


def test_audio_is_transcoded_to_mp3():
    """A WAV recording becomes MP3 with its duration."""
    tools = find_tools(LIMITS)
    assert tools is not None

    result = process_upload(files.wav_audio(1), limits=LIMITS, tools=tools)

    assert result.kind == "audio" and result.content_type == "audio/mpeg"
    assert 0.8 < result.meta["original"]["duration"] < 1.3


def test_animated_gif_becomes_gifv():
    """An animated GIF becomes a looping MP4 (gifv) with ffmpeg, and stays a GIF without it."""
    tools = find_tools(LIMITS)
    gif = files.animated_gif()

    with_ffmpeg = process_upload(gif, limits=LIMITS, tools=tools)
    without = process_upload(gif, limits=LIMITS, tools=None)

    assert with_ffmpeg.kind == "gifv" and with_ffmpeg.content_type == "video/mp4"
    assert without.kind == "image" and without.content_type == "image/gif" and without.data == gif


def test_without_ffmpeg_video_is_kept_as_is():
    """Without ffmpeg a recognised video container is stored unchanged."""
    video = files.webm_video(1)
    result = process_upload(video, limits=LIMITS, tools=None)
    assert result.kind == "video" and result.content_type == "video/webm" and result.data == video
