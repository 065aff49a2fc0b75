"""Video, audio and animated GIFs through ffmpeg/ffprobe (Debian's `ffmpeg` package), if installed.

With ffmpeg: video becomes H.264/AAC MP4 (at most 1920 px on the longest side, metadata
dropped, `faststart` for streaming), an animated GIF becomes a silent MP4 (`gifv`), audio becomes
MP3; a poster frame of a video is the preview; ffprobe gives duration, frame rate and bitrate.
Without ffmpeg: a file whose container we recognise is stored as uploaded (no transcoding, no
poster, no duration; its own metadata stays), and an animated GIF stays a GIF.

Everything here is synchronous (subprocesses with time limits): run it through asyncio.to_thread.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedi.config import MediaConfig
from fedi.errors import Invalid
from fedi.media.blurhash import encode as blurhash_encode
from fedi.media.process import (
    Processed,
    dims,
    gif_as_is,
    open_image,
    still_image,
    thumbnail,
)
from fedi.media.sniff import FIELD, Sniffed, check_upload

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 30
TRANSCODE_TIMEOUT = 15 * 60
MAX_SIDE = 1920
UNREADABLE = "This video or audio file could not be read; it may be damaged."


@dataclass(frozen=True, slots=True, kw_only=True)
class Tools:
    """Where ffmpeg and ffprobe are."""

    ffmpeg: str
    ffprobe: str


def find_tools(limits: MediaConfig) -> Tools | None:
    """ffmpeg from `[media] ffmpeg` (or PATH) and ffprobe beside it; None when either is missing."""
    ffmpeg = shutil.which(limits.ffmpeg) if limits.ffmpeg else shutil.which("ffmpeg")
    if not ffmpeg:
        return None
    beside = Path(ffmpeg).with_name("ffprobe")
    ffprobe = str(beside) if beside.exists() else shutil.which("ffprobe")
    return Tools(ffmpeg=ffmpeg, ffprobe=ffprobe) if ffprobe else None


def needs_worker(sniffed: Sniffed) -> bool:
    """Whether processing this kind of file is slow enough for the media worker (video, audio)."""
    return not sniffed.is_image


def _run(args: list[str], *, timeout: int) -> subprocess.CompletedProcess[bytes]:
    try:
        result = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Invalid.field(FIELD, "This file took too long to process.") from None
    if result.returncode != 0:
        logger.info("ffmpeg failed args=%s stderr=%s", args[:3], result.stderr[-500:])
        raise Invalid(
            UNREADABLE,
            field_errors={FIELD: UNREADABLE},
            detail=result.stderr[-300:].decode(errors="replace"),
        )
    return result


def probe(tools: Tools, path: Path) -> dict[str, Any]:
    """ffprobe's JSON (format and streams) of a file."""
    result = _run(
        [
            tools.ffprobe,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        timeout=PROBE_TIMEOUT,
    )
    try:
        return dict(json.loads(result.stdout or b"{}"))
    except ValueError:
        raise Invalid.field(FIELD, UNREADABLE) from None


def _streams(info: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        s
        for s in info.get("streams", [])
        if s.get("codec_type") == kind and not (s.get("disposition") or {}).get("attached_pic")
    ]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None  # NaN check


def av_meta(info: dict[str, Any]) -> dict[str, Any]:
    """Mastodon-style meta from ffprobe output: size, duration, frame rate, bitrate."""
    fmt = info.get("format") or {}
    duration = _number(fmt.get("duration"))
    bitrate = _number(fmt.get("bit_rate"))
    original: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    video = _streams(info, "video")
    if video:
        width, height = int(video[0].get("width") or 0), int(video[0].get("height") or 0)
        if width and height:
            original.update(dims(width, height))
            meta.update(dims(width, height))
        rate = str(video[0].get("avg_frame_rate") or video[0].get("r_frame_rate") or "")
        num, _, den = rate.partition("/")
        if num.isdigit() and den.isdigit() and int(den):
            original["frame_rate"] = rate
            meta["fps"] = round(int(num) / int(den))
    if duration is not None:
        original["duration"] = round(duration, 3)
        meta["duration"] = round(duration, 3)
        total = int(duration)
        meta["length"] = f"{total // 3600}:{total // 60 % 60:02d}:{duration % 60:05.2f}"
    if bitrate is not None:
        original["bitrate"] = int(bitrate)
    meta["original"] = original
    return meta


def _video_args(tools: Tools, source: Path, target: Path, *, audio: bool) -> list[str]:
    scale = (
        f"scale=w='min({MAX_SIDE},iw)':h='min({MAX_SIDE},ih)'"
        ":force_original_aspect_ratio=decrease:force_divisible_by=2"
    )
    args = [tools.ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:v:0"]
    args += ["-map", "0:a:0?"] if audio else ["-an"]
    args += ["-vf", scale, "-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]
    args += ["-pix_fmt", "yuv420p", "-threads", "2"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "128k"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"]
    return [*args, "-f", "mp4", str(target)]


def _poster(tools: Tools, video: Path, work: Path, duration: float | None) -> Path:
    poster = work / "poster.png"
    at = min(1.0, (duration or 0) / 2)
    _run(
        [tools.ffmpeg, "-nostdin", "-v", "error", "-y", "-ss", f"{at:.2f}", "-i", str(video)]
        + ["-frames:v", "1", "-f", "image2", "-c:v", "png", str(poster)],
        timeout=PROBE_TIMEOUT,
    )
    return poster


def _with_poster(
    processed_kind: str, tools: Tools, work: Path, out: Path, limits: MediaConfig
) -> Processed:
    info = probe(tools, out)
    meta = av_meta(info)
    poster_path = _poster(tools, out, work, meta.get("duration"))
    poster_data = poster_path.read_bytes()
    sniffed = Sniffed(family="image", content_type="image/png", pillow_format="PNG")
    opened = open_image(poster_data, sniffed, limits)
    preview_image = opened.image.convert("RGB")
    preview, preview_type, thumb = thumbnail(preview_image, limits.thumbnail_size)
    meta["small"] = dims(*thumb.size)
    return Processed(
        kind=processed_kind,
        content_type="video/mp4",
        data=out.read_bytes(),
        preview=preview,
        preview_type=preview_type,
        blurhash=blurhash_encode(thumb),
        meta=meta,
    )


def transcode(data: bytes, sniffed: Sniffed, tools: Tools, limits: MediaConfig) -> Processed:
    """Video → H.264/AAC MP4 with a poster; audio → MP3; animated GIF → silent MP4 (gifv)."""
    with tempfile.TemporaryDirectory(prefix="fedi-media-") as temp:
        work = Path(temp)
        source = work / "source"
        source.write_bytes(data)
        info = probe(tools, source)
        has_video = bool(_streams(info, "video"))
        has_audio = bool(_streams(info, "audio"))
        if sniffed.content_type == "image/gif":
            out = work / "out.mp4"
            _run(_video_args(tools, source, out, audio=False), timeout=TRANSCODE_TIMEOUT)
            return _with_poster("gifv", tools, work, out, limits)
        if has_video:
            out = work / "out.mp4"
            _run(_video_args(tools, source, out, audio=has_audio), timeout=TRANSCODE_TIMEOUT)
            return _with_poster("video", tools, work, out, limits)
        if not has_audio:
            raise Invalid.field(FIELD, "This file has neither video nor audio in it.")
        out = work / "out.mp3"
        _run(
            [tools.ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:a:0"]
            + ["-vn", "-c:a", "libmp3lame", "-q:a", "2", "-map_metadata", "-1"]
            + ["-f", "mp3", str(out)],
            timeout=TRANSCODE_TIMEOUT,
        )
        meta = av_meta(probe(tools, out))
        return Processed(kind="audio", content_type="audio/mpeg", data=out.read_bytes(), meta=meta)


def as_is(data: bytes, sniffed: Sniffed) -> Processed:
    """Without ffmpeg: a recognised video/audio container is kept exactly as uploaded."""
    kind = "video" if sniffed.family == "video" else "audio"
    return Processed(kind=kind, content_type=sniffed.content_type, data=data, meta={"original": {}})


def process_upload(data: bytes, *, limits: MediaConfig, tools: Tools | None) -> Processed:
    """Any upload: images with Pillow, the rest with ffmpeg when available (Invalid if refused)."""
    sniffed = check_upload(data, limits)
    if sniffed.is_image:
        opened = open_image(data, sniffed, limits)
        if not opened.animated:
            return still_image(opened, limits)
        if tools is None or sniffed.content_type != "image/gif":
            return gif_as_is(data, opened, limits)
        return transcode(data, sniffed, tools, limits)
    if tools is None:
        return as_is(data, sniffed)
    return transcode(data, sniffed, tools, limits)
