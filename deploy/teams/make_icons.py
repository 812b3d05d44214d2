#!/usr/bin/python3
"""Draws the Teams app package's two icons (deploy/teams/color.png, outline.png).

Teams wants a 192x192 colour icon and a 32x32 outline icon that is white on a transparent
background. Both show the same glyph, an arrow going up onto a deploy line, drawn from shapes in
unit coordinates with 4x4 supersampling for smooth edges. Only the standard library (zlib, struct)
is used so that the icons can be redrawn anywhere; the output is deterministic, and the PNGs are
committed next to this script.

Usage: /usr/bin/python3 deploy/teams/make_icons.py [output directory]
"""
import os
import struct
import sys
import zlib

# The manifest's accentColor; the colour icon's background.
ACCENT = (0x1F, 0x6F, 0xEB)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4


def in_glyph(x, y):
    """True when the point (x, y) of the unit square is inside the glyph."""
    # Arrow head: a triangle with its apex at the top.
    apex_y, base_y, half = 0.16, 0.46, 0.27
    if apex_y <= y <= base_y:
        reach = half * (y - apex_y) / (base_y - apex_y)
        if abs(x - 0.5) <= reach:
            return True
    # Shaft.
    if 0.41 <= x <= 0.59 and 0.44 <= y <= 0.74:
        return True
    # The line it lands on.
    return 0.22 <= x <= 0.78 and 0.80 <= y <= 0.88


def coverage(size, px, py):
    """The share of the pixel (px, py) of a size x size icon that the glyph covers."""
    hits = 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x = (px + (sx + 0.5) / SAMPLES) / size
            y = (py + (sy + 0.5) / SAMPLES) / size
            hits += in_glyph(x, y)
    return hits / (SAMPLES * SAMPLES)


def color_icon(size=192):
    """RGB rows: a white glyph on the accent colour, filling the square (Teams rounds it)."""
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            c = coverage(size, px, py)
            row += bytes(round(a * (1 - c) + w * c) for a, w in zip(ACCENT, WHITE))
        rows.append(bytes(row))
    return rows


def outline_icon(size=32):
    """RGBA rows: the glyph in white, everything else fully transparent."""
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            alpha = round(255 * coverage(size, px, py))
            row += bytes(WHITE + (alpha,)) if alpha else bytes(4)
        rows.append(bytes(row))
    return rows


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(rows, width, height, color_type):
    """A PNG of 8-bit `rows` (color type 2 = RGB, 6 = RGBA), each row with filter 0."""
    raw = b"".join(b"\x00" + r for r in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "color.png"), "wb") as f:
        f.write(png(color_icon(192), 192, 192, 2))
    with open(os.path.join(out, "outline.png"), "wb") as f:
        f.write(png(outline_icon(32), 32, 32, 6))


if __name__ == "__main__":
    main()
