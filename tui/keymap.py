"""Remappable keys: every binding has an id (`botcoach.undo`, `question.yes`, ...); a keymap file
maps ids to keys and the app applies it with Textual's `App.set_keymap`.

Files, later ones winning: `~/.config/botcoach/keymap.yml` (the person's own), then
`.botcoach/keymap.yml` in the project. Each is a mapping `binding_id: key` (several keys separated
by commas, e.g. `botcoach.undo: ctrl+u,f9`). A broken file is a notice, never a failed start.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.binding import Binding

from core.errors import BotcoachError
from core.yamlio import load_yaml_file, to_plain

PROJECT_KEYMAP = Path(".botcoach") / "keymap.yml"
USER_KEYMAP = Path("~/.config/botcoach/keymap.yml")


def keymap_files(project_dir: Path | None = None, home_file: Path | None = None) -> list[Path]:
    return [(home_file or USER_KEYMAP).expanduser(), (project_dir or Path.cwd()) / PROJECT_KEYMAP]


def load_keymap(files: Iterable[Path] | None = None) -> tuple[dict[str, str], list[str]]:
    """(binding id -> keys, problems to tell the person) from the files that exist."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for path in keymap_files() if files is None else files:
        if not path.is_file():
            continue
        try:
            data = to_plain(load_yaml_file(path))
        except BotcoachError as error:
            problems.append(f"keymap {path} not used: {error}")
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(f"keymap {path} not used: it must be a mapping `binding_id: key`")
            continue
        for binding_id, keys in data.items():
            if not isinstance(binding_id, str) or not isinstance(keys, str) or not keys.strip():
                problems.append(f"keymap {path}: '{binding_id}' needs a key name such as ctrl+u or f5")
                continue
            keymap[binding_id] = ",".join(key.strip() for key in keys.split(",") if key.strip())
    return keymap, problems


def unknown_ids(keymap: dict[str, str], bindings: Iterable[Binding]) -> list[str]:
    known = {binding.id for binding in bindings if binding.id}
    return sorted(set(keymap) - known)


def keys_of(binding: Binding, keymap: dict[str, str]) -> list[str]:
    """The keys that trigger `binding` under `keymap`."""
    keys = keymap.get(binding.id or "", binding.key)
    return [key.strip() for key in keys.split(",") if key.strip()]
