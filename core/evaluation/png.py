"""A tiny PNG writer (zlib + struct) and a confusion-matrix heat map drawn with it.

Rasa plots its confusion matrices with matplotlib; we only need a picture a person can glance at,
so the heat map is drawn pixel by pixel: a white-to-blue cell per count, the diagonal framed in
green, no text (the labels and numbers are in `intent_confusion_matrix.txt` and the SVG).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

SIGNATURE = b"\x89PNG\r\n\x1a\n"
Pixel = tuple[int, int, int]
WHITE: Pixel = (255, 255, 255)
GRID: Pixel = (200, 200, 200)
DIAGONAL: Pixel = (40, 160, 60)
MAX_SIDE = 1200  # pixels: large label sets get smaller cells, not a huge image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rows: Sequence[Sequence[Pixel]]) -> bytes:
    """An 8-bit RGB PNG of `rows` (top to bottom, each a list of (r, g, b))."""
    height = len(rows)
    width = len(rows[0]) if height else 0
    if not width or any(len(row) != width for row in rows):
        raise ValueError("a PNG needs at least one pixel and rows of equal length")
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bit, truecolour, no interlace
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; ValueError when `data` is not a PNG."""
    if data[:8] != SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def cell_colour(count: int, largest: int) -> Pixel:
    """White for 0, deepening to dark blue for the largest count."""
    if count <= 0 or largest <= 0:
        return WHITE
    strength = 0.15 + 0.85 * count / largest
    return (round(255 - 225 * strength), round(255 - 175 * strength), round(255 - 55 * strength))


def heatmap_png(matrix: Sequence[Sequence[int]]) -> bytes:
    """The confusion matrix as a grid of coloured cells (rows: true labels, columns: predicted)."""
    size = max(1, len(matrix))
    cell = max(4, min(40, MAX_SIDE // size))
    largest = max((n for row in matrix for n in row), default=0)
    side = size * cell + 1
    rows: list[list[Pixel]] = [[GRID] * side for _ in range(side)]
    for i in range(size):
        for j in range(size):
            count = matrix[i][j] if i < len(matrix) and j < len(matrix[i]) else 0
            fill = cell_colour(count, largest)
            frame = DIAGONAL if i == j else GRID
            for y in range(i * cell + 1, (i + 1) * cell):
                for x in range(j * cell + 1, (j + 1) * cell):
                    edge = i == j and (
                        y in (i * cell + 1, (i + 1) * cell - 1) or x in (j * cell + 1, (j + 1) * cell - 1)
                    )
                    rows[y][x] = frame if edge else fill
    return encode_png(rows)
