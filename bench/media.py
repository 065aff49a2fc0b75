"""`make bench`, media figures (issue 5): images processed per second and the memory it takes.

A 12-megapixel JPEG (4000×3000, photo-like, with EXIF) is made once; a fresh child process then
- processes it N times, in one thread, through our upload processing to the stored sizes (orientation, metadata
  stripped, resized to `[media] resize_to`, re-encoded, a thumbnail, a blurhash, both files
  written to a media store), beside Pillow's bare decode + resize of the same file to the same
  size (the baseline: the least any pipeline must do);
- reports the peak RSS while processing above its idle RSS (after imports, input in memory).
"Per core" counts the CPU time of that process (time.process_time), so other work on a shared
machine does not skew it; the wall-clock rate is printed below it.
Goals: at least 3 images per second per core, under 250 MB above idle.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROUNDS = 8
WIDTH, HEIGHT = 4000, 3000


def make_photo() -> bytes:
    """A photo-like 12 MP JPEG: gradients, shapes, fine texture and an EXIF block."""
    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    draw = ImageDraw.Draw(base)
    for i in range(40):
        x, y = (i * 397) % WIDTH, (i * 211) % HEIGHT
        draw.ellipse((x, y, x + 300 + i * 7, y + 200 + i * 5), fill=(i * 6 % 255, 120, 200 - i * 4))
    texture = Image.effect_noise((WIDTH, HEIGHT), 24).convert("RGB")
    photo = Image.blend(base, texture, 0.18).filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0112] = 1
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child(path: str) -> None:
    """Run in a fresh process: measure, print one JSON line."""
    import gc

    from fedi.config import MediaConfig
    from fedi.media.process import _fit_pixels, process_image
    from fedi.media.uploads import put_files
    from fedi.storage.mediafiles import LocalMediaStore

    data = Path(path).read_bytes()
    limits = MediaConfig()
    gc.collect()
    idle_kb = _rss_kb("VmRSS")
    with tempfile.TemporaryDirectory(prefix="fedi-bench-media-") as temp:
        store = LocalMediaStore(Path(temp))
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(ROUNDS):
            processed = process_image(data, limits=limits)
            put_files(store, processed)
        ours, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_kb = _rss_kb("VmHWM")
    target = _fit_pixels(WIDTH, HEIGHT, limits.resize_to)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(ROUNDS):
        image = Image.open(io.BytesIO(data))
        image.load()
        image.resize(target)
    bare, bare_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        json.dumps(
            {
                "ours_per_s": ROUNDS / ours,
                "bare_per_s": ROUNDS / bare,
                "ours_per_cpu_s": ROUNDS / ours_cpu,
                "bare_per_cpu_s": ROUNDS / bare_cpu,
                "idle_mb": idle_kb / 1024,
                "peak_above_idle_mb": (peak_kb - idle_kb) / 1024,
                "stored": processed.meta["original"]["size"],
                "bytes_in": len(data),
                "bytes_out": len(processed.data),
            }
        )
    )


def row(name: str, value: str, baseline: str, goal: str) -> None:
    print(f"  {name:<44} {value:>16}   baseline {baseline:<26} goal {goal}")


def bench_media(root: Path) -> None:
    """Print the media figures (called by `python -m bench`)."""
    root.mkdir(parents=True, exist_ok=True)
    source = root / "photo-12mp.jpg"
    source.write_bytes(make_photo())
    result = subprocess.run(
        [sys.executable, "-m", "bench.media", str(source)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    row(
        f"12 MP JPEG → stored sizes ({figures['stored']}), per core",
        f"{figures['ours_per_cpu_s']:.2f} img/s",
        f"Pillow decode+resize {figures['bare_per_cpu_s']:.2f}/s",
        ">= 3/s per core",
    )
    row(
        "  the same, wall clock (shared machine)",
        f"{figures['ours_per_s']:.2f} img/s",
        f"Pillow decode+resize {figures['bare_per_s']:.2f}/s",
        "",
    )
    row(
        "peak RSS above idle while processing",
        f"{figures['peak_above_idle_mb']:.0f} MB",
        f"idle {figures['idle_mb']:.0f} MB",
        "< 250 MB",
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        print("fedi bench: media")
        with tempfile.TemporaryDirectory(prefix="fedi-bench-") as tmp:
            bench_media(Path(tmp))
