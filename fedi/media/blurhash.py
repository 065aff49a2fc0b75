"""A BlurHash encoder (https://blurha.sh, the algorithm Mastodon's clients decode), pure Python.

It runs on a tiny copy of the image (`SAMPLE` pixels on the longest side), so the sums stay
cheap: the cosine bases are separable, rows are summed first, then columns.
"""

from __future__ import annotations

import math

from PIL import Image

SAMPLE = 32
_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_LINEAR = [
    (v / 255) / 12.92 if v / 255 <= 0.04045 else (((v / 255) + 0.055) / 1.055) ** 2.4
    for v in range(256)
]


def _base83(value: int, length: int) -> str:
    out = []
    for i in range(1, length + 1):
        digit = (value // 83 ** (length - i)) % 83
        out.append(_CHARS[digit])
    return "".join(out)


def _to_srgb(value: float) -> int:
    v = min(1.0, max(0.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _sign_pow(value: float, exp: float) -> float:
    return math.copysign(abs(value) ** exp, value)


def components_for(width: int, height: int) -> tuple[int, int]:
    """Component counts by aspect (4 along the longer side, 3 along the shorter), as Mastodon."""
    return (4, 3) if width >= height else (3, 4)


def encode(
    image: Image.Image, *, x_components: int | None = None, y_components: int | None = None
) -> str:
    """The BlurHash of an image (any mode; reduced to SAMPLE px and RGB first).

    Component counts default to `components_for` the image's aspect.
    """
    small = image.convert("RGB") if image.mode != "RGB" else image.copy()
    small.thumbnail((SAMPLE, SAMPLE), Image.Resampling.BOX)
    width, height = small.size
    default_x, default_y = components_for(width, height)
    x_components = x_components or default_x
    y_components = y_components or default_y
    if not (1 <= x_components <= 9 and 1 <= y_components <= 9):
        raise ValueError("blurhash components must be between 1 and 9")
    raw = small.tobytes()
    lin = _LINEAR
    red = [lin[b] for b in raw[0::3]]
    green = [lin[b] for b in raw[1::3]]
    blue = [lin[b] for b in raw[2::3]]
    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(x_components)]
    cos_y = [
        [math.cos(math.pi * j * y / height) for y in range(height)] for j in range(y_components)
    ]
    # rows[i][y] = sum over x of cos_x[i][x] * pixel(x, y), per channel
    rows: list[list[tuple[float, float, float]]] = []
    for i in range(x_components):
        basis = cos_x[i]
        per_row = []
        for y in range(height):
            start = y * width
            r = g = b = 0.0
            for x in range(width):
                weight = basis[x]
                r += weight * red[start + x]
                g += weight * green[start + x]
                b += weight * blue[start + x]
            per_row.append((r, g, b))
        rows.append(per_row)
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        for i in range(x_components):
            norm = (1.0 if i == 0 and j == 0 else 2.0) / (width * height)
            r = g = b = 0.0
            for y in range(height):
                weight = cos_y[j][y]
                rr, gg, bb = rows[i][y]
                r += weight * rr
                g += weight * gg
                b += weight * bb
            factors.append((r * norm, g * norm, b * norm))
    dc, ac = factors[0], factors[1:]
    out = _base83((x_components - 1) + (y_components - 1) * 9, 1)
    if ac:
        actual_max = max(abs(v) for f in ac for v in f)
        quantised = max(0, min(82, int(math.floor(actual_max * 166 - 0.5))))
        max_value = (quantised + 1) / 166
        out += _base83(quantised, 1)
    else:
        max_value = 1.0
        out += _base83(0, 1)
    out += _base83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4)
    for f in ac:
        q = [max(0, min(18, int(math.floor(_sign_pow(v / max_value, 0.5) * 9 + 9.5)))) for v in f]
        out += _base83(q[0] * 19 * 19 + q[1] * 19 + q[2], 2)
    return out
