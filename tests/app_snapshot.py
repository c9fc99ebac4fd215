"""Snapshot tests of the app's screens as plain text (what a person reads), compared with the
files in tests/snapshots/. Plain text instead of Textual's SVG: the SVG carries random ids and
colours that change with the theme; the text changes only when what is shown changes.

`BOTCOACH_UPDATE_SNAPSHOTS=1 pytest tests/test_app_views.py` writes the files again; check them
by eye (`git diff tests/snapshots`) before keeping them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
_CONFIDENCE = re.compile(r"\b[01]\.\d\d\b")  # model output varies from one training to the next


def screen_text(app) -> str:
    """The screen as Textual draws it, every cell as text, trailing spaces removed."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    lines = console.export_text().split("\n")
    return "\n".join(_CONFIDENCE.sub("#.##", line.rstrip()) for line in lines).rstrip("\n") + "\n"


def check_snapshot(app, name: str, update: bool = False) -> None:
    expected_file = SNAPSHOTS / f"{name}.txt"
    text = screen_text(app)
    if update:
        SNAPSHOTS.mkdir(exist_ok=True)
        expected_file.write_text(text, encoding="utf-8")
        return
    assert expected_file.exists(), f"no snapshot {expected_file}: run with BOTCOACH_UPDATE_SNAPSHOTS=1 once"
    expected = expected_file.read_text(encoding="utf-8")
    assert text == expected, f"{name}: the screen differs from {expected_file}:\n{text}"
