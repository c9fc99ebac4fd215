"""Lines of a given width that break between words or after an `_`, so that a name such as
request_restaurant is split as `request_` / `restaurant`, never as `request_restauran` / `t`.
A piece longer than the whole width is cut where it must be."""

from __future__ import annotations

import re

from rich.cells import cell_len

_PIECES = re.compile(r"\s+|[^\s_]*_+|[^\s_]+")  # spaces, or a word up to and with its underscores


def break_lines(text: str, width: int, hang: int = 0) -> list[str]:
    """`text` (its own lines kept) in lines of at most `width` cells; lines after the first of
    each of its lines are indented by `hang` spaces (e.g. under a name after its confidence)."""
    if width <= 0:
        return text.split("\n")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += _break(paragraph, width, min(hang, width // 2))
    return lines


def _break(paragraph: str, width: int, hang: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for piece in _PIECES.findall(paragraph):
        if cell_len(line + piece) <= width:
            line += piece
            continue
        if piece.isspace():  # a break here: the spaces go
            lines.append(line.rstrip())
            line = " " * hang
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = " " * hang
        while cell_len(line + piece) > width:  # longer than a whole line: cut it
            room = max(1, width - cell_len(line))
            lines.append(line + piece[:room])
            piece, line = piece[room:], " " * hang
        line += piece
    lines.append(line.rstrip())
    return lines
