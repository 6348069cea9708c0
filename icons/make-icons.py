#!/usr/bin/env python3
"""Draws the Countersign application icons with the Python standard library only.

The mark: a rounded square in deep teal with a white check stroke (the countersign).
Shapes are drawn as signed-distance tests on a supersampled grid, so edges are
anti-aliased; PNGs are written by hand with zlib and struct. Run it from anywhere:

    python3 icons/make-icons.py

It rewrites 32x32.png, 128x128.png, 128x128@2x.png and icon.png (512) next to itself,
byte for byte the same on every run.
"""

import math
import os
import struct
import zlib

TEAL_TOP = (16, 110, 110)
TEAL_BOTTOM = (8, 78, 84)
WHITE = (255, 255, 255)
SUPERSAMPLE = 4

# Geometry in unit coordinates (0..1 across the icon).
MARGIN = 0.06          # space around the rounded square
RADIUS = 0.20          # corner radius of the square
STROKE = 0.07          # half-width of the check stroke
CHECK = [(0.28, 0.53), (0.44, 0.68), (0.73, 0.35)]


def rounded_square_distance(x, y):
    """Signed distance to the rounded square (negative inside)."""
    half = 0.5 - MARGIN
    qx = abs(x - 0.5) - (half - RADIUS)
    qy = abs(y - 0.5) - (half - RADIUS)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    inside = min(max(qx, qy), 0.0)
    return outside + inside - RADIUS


def segment_distance(x, y, a, b):
    """Distance from (x, y) to the segment a-b."""
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy))


def check_distance(x, y):
    """Distance to the check mark's centre line."""
    return min(segment_distance(x, y, CHECK[i], CHECK[i + 1]) for i in range(len(CHECK) - 1))


def pixel(px, py, size):
    """RGBA of one pixel, averaged over SUPERSAMPLE x SUPERSAMPLE samples."""
    coverage = 0
    ink = 0
    for sy in range(SUPERSAMPLE):
        for sx in range(SUPERSAMPLE):
            x = (px + (sx + 0.5) / SUPERSAMPLE) / size
            y = (py + (sy + 0.5) / SUPERSAMPLE) / size
            if rounded_square_distance(x, y) <= 0.0:
                coverage += 1
                if check_distance(x, y) <= STROKE:
                    ink += 1
    samples = SUPERSAMPLE * SUPERSAMPLE
    if coverage == 0:
        return (0, 0, 0, 0)
    # A gentle vertical gradient keeps the flat teal from looking dead at large sizes.
    t = py / max(size - 1, 1)
    teal = tuple(round(TEAL_TOP[i] + (TEAL_BOTTOM[i] - TEAL_TOP[i]) * t) for i in range(3))
    w = ink / coverage
    rgb = tuple(round(teal[i] * (1 - w) + WHITE[i] * w) for i in range(3))
    alpha = round(255 * coverage / samples)
    return rgb + (alpha,)


def png(size):
    """The icon at `size` pixels as PNG bytes (8-bit RGBA)."""
    rows = bytearray()
    for py in range(size):
        rows.append(0)  # filter: none
        for px in range(size):
            rows.extend(pixel(px, py, size))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        with open(os.path.join(here, name), "wb") as f:
            f.write(png(size))


if __name__ == "__main__":
    main()
