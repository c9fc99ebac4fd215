"""Writing evaluation results to disk: JSON reports and confusion matrices (text, PNG, SVG).

Every file goes through `atomic_write_text` (or its bytes twin here), so an interrupted run never
leaves half a report that a tool would then misread.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from core.errors import ExportError
from core.evaluation.metrics import confusion_matrix, unique_labels
from core.evaluation.png import cell_colour, heatmap_png
from core.fileio import atomic_write_text


def write_json(path: Path, data: Any) -> Path:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    """The binary twin of `atomic_write_text` (for the PNG)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check that the results folder is writable, or pass another --out",
        ) from exc
    return path


def confusion_text(matrix: Sequence[Sequence[int]], labels: Sequence[str]) -> str:
    """A fixed-width table: one row per true label, one numbered column per predicted label."""
    width = max([len(label) for label in labels] + [10])
    numbers = [f"{i + 1:>5}" for i in range(len(labels))]
    lines = [
        "rows: true label; columns: predicted label (numbered as the rows)",
        "",
        " " * (width + 6) + "".join(numbers),
    ]
    for i, (label, row) in enumerate(zip(labels, matrix)):
        lines.append(f"{i + 1:>4}  {label:<{width}}" + "".join(f"{n:>5}" for n in row))
    return "\n".join(lines) + "\n"


def confusion_svg(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str) -> str:
    """The same heat map as the PNG, with the labels and counts written in."""
    cell, margin = 28, 12 + 7 * max([len(label) for label in labels] + [4])
    side = margin + cell * len(labels) + 10
    largest = max((n for row in matrix for n in row), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side + 30}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="{margin}" y="18" font-size="14">{escape(title)}</text>',
    ]
    top = 30 + margin
    for i, label in enumerate(labels):
        y = top + i * cell + cell / 2 + 4
        parts.append(f'<text x="{margin - 6}" y="{y}" text-anchor="end">{escape(label)}</text>')
        x = margin + i * cell + cell / 2
        parts.append(f'<text x="{x}" y="{top - 6}" transform="rotate(-60 {x} {top - 6})">{escape(label)}</text>')
        for j, count in enumerate(matrix[i]):
            r, g, b = cell_colour(count, largest)
            stroke = "#28a03c" if i == j else "#c8c8c8"
            parts.append(
                f'<rect x="{margin + j * cell}" y="{top + i * cell}" width="{cell}" height="{cell}" '
                f'fill="rgb({r},{g},{b})" stroke="{stroke}"/>'
            )
            if count:
                colour = "white" if largest and count > largest / 2 else "black"
                parts.append(
                    f'<text x="{margin + j * cell + cell / 2}" y="{top + i * cell + cell / 2 + 4}" '
                    f'text-anchor="middle" fill="{colour}">{count}</text>'
                )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_confusion(
    out_dir: Path, stem: str, targets: Sequence[str], predictions: Sequence[str], title: str, text: bool = True
) -> list[Path]:
    """`<stem>.png` and `<stem>.svg` (and `<stem>.txt` when `text`); labels are every label seen."""
    labels = unique_labels(targets, predictions)
    matrix = confusion_matrix(targets, predictions, labels)
    written = [
        write_bytes(out_dir / f"{stem}.png", heatmap_png(matrix)) if labels else None,
        _text(out_dir / f"{stem}.svg", confusion_svg(matrix, labels, title)) if labels else None,
    ]
    if text:
        written.append(_text(out_dir / f"{stem}.txt", confusion_text(matrix, labels)))
    return [path for path in written if path is not None]


def _text(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path
