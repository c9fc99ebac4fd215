"""Find and read a project's training data: which file holds NLU, which stories or rules, which tests.

Rasa lets a data folder mix every kind of file; the kind is told by the content, as Rasa does it:
Markdown with `## intent:`-style sections is NLU, other Markdown with `##` blocks is stories; YAML
with `nlu:` holds NLU, with `stories:`/`rules:` holds stories; JSON is NLU. Test stories are the
files whose name starts with `test_` or that sit in a `tests` folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import DataError, Location
from core.training_data.nlu_model import NLUData
from core.training_data.story_model import Story
from core.yamlio import load_yaml, read_text

DATA_SUFFIXES = {".md", ".yml", ".yaml", ".json"}
_NLU_MD_SECTION = re.compile(r"^\s*##\s*(intent|synonym|regex|lookup)\s*:", re.MULTILINE)
_STORY_MD_BLOCK = re.compile(r"^\s*##\s*\S", re.MULTILINE)
_YAML_KEY = re.compile(r"^(nlu|stories|rules)\s*:", re.MULTILINE)


@dataclass
class TrainingData:
    """Everything read from the data paths, with the files each part came from."""

    nlu: NLUData = field(default_factory=lambda: NLUData([], {}, [], [], {}))
    stories: list[Story] = field(default_factory=list)
    nlu_files: list[Path] = field(default_factory=list)
    story_files: list[Path] = field(default_factory=list)

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
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise DataError(
                f"data path not found: {path}", Location(path), "pass an existing file or folder with --data"
            )
    return found


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
    from core.training_data.nlu_json import read_nlu_json
    from core.training_data.nlu_md import read_nlu_md
    from core.training_data.nlu_yaml import read_nlu_yaml
    from core.training_data.stories_md import read_stories_md
    from core.training_data.stories_yaml import read_stories_yaml

    result = TrainingData()
    for path in data_files(paths):
        if is_test_file(path) != tests:
            continue
        text = read_text(path)
        kinds = kinds_of(path, text)
        suffix = path.suffix.lower()
        if "nlu" in kinds:
            reader = {".md": read_nlu_md, ".json": read_nlu_json}.get(suffix, read_nlu_yaml)
            result.nlu = result.nlu.merge(reader(text, path))
            result.nlu_files.append(path)
        if "stories" in kinds:
            reader = read_stories_md if suffix == ".md" else read_stories_yaml
            result.stories.extend(reader(text, path))
            result.story_files.append(path)
    return result
