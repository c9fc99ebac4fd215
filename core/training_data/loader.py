"""Find and read a project's training data: which file holds NLU, which stories or rules, which tests.

Rasa lets a data folder mix every kind of file; the kind is told by the content, as Rasa does it:
Markdown with `## intent:`-style sections is NLU, other Markdown with `##` blocks is stories; YAML
with `nlu:` holds NLU, with `stories:`/`rules:` holds stories; JSON is NLU. Test stories are the
files whose name starts with `test_` or that sit in a `tests` folder.

A data file that holds nothing botcoach can train on (empty, a list, `NLU:` in capitals) is not
skipped in silence: it is listed in `TrainingData.unused`, which `data validate` reports as an
error and `train` refuses, so the two never disagree about what was read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import DataError, Location
from core.training_data.nlu_json import read_nlu_json
from core.training_data.nlu_md import looks_like_nlu_md, read_nlu_md
from core.training_data.nlu_model import NLUData
from core.training_data.nlu_yaml import read_nlu_yaml
from core.training_data.stories_md import read_stories_md
from core.training_data.stories_yaml import read_stories_yaml
from core.training_data.story_model import Story
from core.yamlio import load_yaml, read_text

DATA_SUFFIXES = {".md", ".yml", ".yaml", ".json"}
_NLU_MD_SECTION = re.compile(r"^\s*##\s*(intent|synonym|regex|lookup)\s*:", re.MULTILINE)
_STORY_MD_BLOCK = re.compile(r"^\s*##\s*\S", re.MULTILINE)
_YAML_KEY = re.compile(r"^(nlu|stories|rules)\s*:", re.MULTILINE)


@dataclass
class UnusedFile:
    """A data file that gave no training data, and why."""

    path: Path
    reason: str
    hint: str = "add `nlu:`, `stories:` or `rules:` data to it, or delete it"


@dataclass
class TrainingData:
    """Everything read from the data paths, with the files each part came from."""

    nlu: NLUData = field(default_factory=lambda: NLUData([], {}, [], [], {}))
    stories: list[Story] = field(default_factory=list)
    nlu_files: list[Path] = field(default_factory=list)
    story_files: list[Path] = field(default_factory=list)
    unused: list[UnusedFile] = field(default_factory=list)

    @property
    def rules(self) -> list[Story]:
        return [s for s in self.stories if s.is_rule]


def data_files(paths: list[str | Path]) -> list[Path]:
    """Every data file under the given files and folders, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                p
                for p in sorted(_files_under(path))
                if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise DataError(
                f"data path not found: {path}", Location(path), "pass an existing file or folder with --data"
            )
    return found


def _files_under(folder: Path) -> list[Path]:
    """Every file below `folder` (symlinked folders are not followed, as with Path.rglob); a folder
    that cannot be listed is a DataError, never a silently empty data set."""

    def refuse(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        raise DataError(
            f"cannot read the data folder {where}: {error.strerror or error}",
            Location(where),
            "check the folder's permissions",
        )

    return [Path(top) / name for top, _dirs, names in os.walk(folder, onerror=refuse) for name in names]


def is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") or "tests" in path.parts[:-1]


def kinds_of(path: Path, text: str) -> set[str]:
    """Which kinds of training data a file holds: a subset of {"nlu", "stories"}."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return {"nlu"}
    if suffix == ".md":
        if _NLU_MD_SECTION.search(text):
            return {"nlu"}
        return {"stories"} if _STORY_MD_BLOCK.search(text) else set()
    kinds = set()
    for key in _YAML_KEY.findall(text):
        kinds.add("nlu" if key == "nlu" else "stories")
    if "nlu" not in kinds and re.search(r"^responses\s*:", text, re.MULTILINE):
        data = load_yaml(text, path)
        if isinstance(data, dict) and "intents" not in data and "slots" not in data:
            kinds.add("nlu")  # retrieval responses kept beside NLU data
    return kinds


def load_training_data(paths: list[str | Path], tests: bool = False) -> TrainingData:
    """Read NLU and stories from `paths`; test-story files only when `tests` is true, else skipped."""
    result = TrainingData()
    for path in data_files(paths):
        if is_test_file(path) != tests:
            continue
        text = read_text(path)
        kinds = kinds_of(path, text)
        suffix = path.suffix.lower()
        found = False
        if "nlu" in kinds:
            reader = {".md": read_nlu_md, ".json": read_nlu_json}.get(suffix, read_nlu_yaml)
            nlu = reader(text, path)
            found = not nlu.is_empty
            result.nlu = result.nlu.merge(nlu)
            result.nlu_files.append(path)
        if "stories" in kinds:
            story_reader = read_stories_md if suffix == ".md" else read_stories_yaml
            stories = story_reader(text, path)
            found = found or bool(stories)
            result.stories.extend(stories)
            result.story_files.append(path)
        if not found:
            reason = _why_unused(path, text, kinds)
            if reason is not None:
                result.unused.append(UnusedFile(path, reason))
    return result


# Keys of a domain file: such a file kept among the data is not training data, and not a mistake.
_DOMAIN_KEYS = {"intents", "entities", "slots", "responses", "actions", "forms", "session_config", "e2e_actions"}


def _why_unused(path: Path, text: str, kinds: set[str]) -> str | None:
    """Why a data file gave no training data, or None when that is no mistake (a domain file or
    a Markdown note kept beside the data)."""
    if kinds:
        return "holds no training data: its `nlu:`, `stories:` or `rules:` section is empty"
    if not text.strip():
        return "holds no training data: the file is empty"
    if path.suffix.lower() == ".md":
        return None
    data = load_yaml(text, path)
    if data is None:
        return "holds no training data: the file has only comments"
    if not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else type(data).__name__
        return f"is a YAML {kind}, not a mapping with `nlu:`, `stories:` or `rules:`"
    keys = [str(key) for key in data]
    if set(keys) & _DOMAIN_KEYS:
        return None
    for key in keys:
        if key.lower() in ("nlu", "stories", "rules"):
            if key == key.lower():
                return f"has `{key}:` but not at the start of a line, where botcoach looks for it"
            return f"has the key `{key}:`, which is not read: the keys are lower case (`{key.lower()}:`)"
    listed = ", ".join(f"`{k}:`" for k in keys)
    return f"has none of the keys `nlu:`, `stories:` or `rules:` (it has {listed})"


def load_nlu(path: str | Path) -> NLUData:
    """Read one NLU file, choosing the format by extension, else by content."""
    text = read_text(path)
    suffix = Path(path).suffix.lower()
    if suffix == ".md" or (suffix not in (".json", ".yml", ".yaml") and looks_like_nlu_md(text)):
        return read_nlu_md(text, path)
    if suffix == ".json" or (suffix not in (".yml", ".yaml") and text.lstrip().startswith("{")):
        return read_nlu_json(text, path)
    return read_nlu_yaml(text, path)
