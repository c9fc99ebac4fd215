"""Export what an interactive session taught: stories, NLU examples and domain entries, written
into the project's own files in their own format (Rasa 1.x Markdown or YAML).

Stories are appended under names that do not collide with those already in the file; NLU
examples are added to the NLU file's text (an example already there is not written twice, the
person's comments stay); the domain is edited in place with DomainEditor so comments and order
stay. Every write is atomic; a failed one raises
ExportError naming the file, and the files written before it stay written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.domain.editor import DomainEditor
from core.errors import BotcoachError, ExportError
from core.fileio import atomic_write_text
from core.training_data.loader import load_training_data
from core.training_data.nlu_model import NLUData
from core.training_data.story_model import Story
from core.yamlio import load_yaml, location_of, read_text
from tui.nlu_append import with_examples
from tui.session import Session, Teachings

DEFAULT_STORIES = Path("data") / "stories.yml"
DEFAULT_NLU = Path("data") / "nlu.yml"


@dataclass
class ExportPaths:
    stories: Path
    nlu: Path
    domain: Path


def default_paths(data: list[str | Path], domain: str | Path) -> ExportPaths:
    """The project's own files: its first stories file (not rules) and first NLU file."""
    try:
        found = load_training_data(list(data))
        story_files, nlu_files = found.story_files, found.nlu_files
    except BotcoachError:
        story_files, nlu_files = [], []
    base = Path(data[0]) if data and Path(data[0]).is_dir() else None
    stories = next((p for p in story_files if "rule" not in p.name), None) or (
        base / "stories.yml" if base else DEFAULT_STORIES
    )
    nlu = nlu_files[0] if nlu_files else (base / "nlu.yml" if base else DEFAULT_NLU)
    return ExportPaths(Path(stories), Path(nlu), Path(domain))


def is_markdown(path: Path) -> bool:
    return path.suffix.lower() == ".md"


def export_session(session: Session, paths: ExportPaths) -> list[str]:
    """Write everything; returns one line per file written. ExportError on a failed write."""
    # Stories last: merging NLU and editing the domain are idempotent, so a retry after a failed
    # write repeats nothing; stories are appended only once everything else is written.
    done = [export_nlu_to(session.teachings, paths.nlu), export_domain_to(session.teachings, session, paths.domain)]
    done.append(export_stories_to(session, paths.stories))
    session.unsaved = False
    return [line for line in done if line]


# -- stories ----------------------------------------------------------------------------------


def session_stories(session: Session, taken: set[str], style: str = "3.x") -> list[Story]:
    """One story per conversation changed since it was last exported."""
    from core.story_export import tracker_to_story

    stories = []
    for conversation in session.exportable():
        if session.exported.get(conversation.tracker.sender_id) == len(conversation.tracker.events):
            continue
        name = unique_name(f"interactive {conversation.name}", taken)
        taken.add(name)
        stories.append(tracker_to_story(conversation.tracker, name, style, e2e=session.e2e))
    return stories


def unique_name(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted} ({number})" in taken:
        number += 1
    return f"{wanted} ({number})"


def export_stories_to(session: Session, path: Path) -> str:
    from core.training_data.stories_md import read_stories_md, write_stories_md
    from core.training_data.stories_yaml import read_stories_yaml, write_stories_yaml

    existing_text = read_text(path) if path.is_file() else ""
    markdown = is_markdown(path)
    existing = (read_stories_md if markdown else read_stories_yaml)(existing_text, path) if existing_text else []
    stories = session_stories(session, {s.name for s in existing}, "1.x" if markdown else "3.x")
    if not stories:
        return ""
    if markdown:
        text = existing_text.rstrip("\n") + ("\n\n" if existing_text.strip() else "") + write_stories_md(stories)
    else:
        text = _append_yaml_stories(existing_text, write_stories_yaml(stories), path)
    _write(path, text)
    for conversation in session.exportable():
        session.exported[conversation.tracker.sender_id] = len(conversation.tracker.events)
    return f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'} appended to {path}"


def _append_yaml_stories(existing_text: str, new_text: str, path: Path) -> str:
    """The new `- story:` items added to the file's text at the end of its `stories:` list, indented
    the file's way; every other line (comments, rules, blank lines) stays as it was."""
    if not existing_text.strip():
        return new_text
    document = load_yaml(existing_text, path)
    new_lines = new_text.split("\n")
    items = new_lines[new_lines.index("stories:") + 1 :]
    items = [line for line in items if line.strip()]
    lines = existing_text.rstrip("\n").split("\n")
    stories = document.get("stories") if isinstance(document, dict) else None
    if isinstance(stories, list) and stories:
        dash = location_of(stories, 0).column - 1 - 2  # the item's first key stands 2 after its dash
        block = [""] + [" " * max(dash, 0) + line[2:] for line in items]
        at = _line_after_key(document, "stories", len(lines))
        while at > 0 and (not lines[at - 1].strip() or lines[at - 1].startswith("#")):
            at -= 1
    elif isinstance(document, dict) and "stories" in document:  # `stories:` with nothing under it
        block = [line[2:] for line in items]
        at = location_of(document, "stories").line
    else:
        block = ["", "stories:"] + [line[2:] for line in items]
        at = len(lines)
    lines[at:at] = block
    text = "\n".join(lines) + "\n"
    before, added, after = (_stories(t, path) for t in (existing_text, new_text, text))
    if [s for s in after if not s.is_rule] != [s for s in before if not s.is_rule] + added or [
        s for s in after if s.is_rule
    ] != [s for s in before if s.is_rule]:
        raise ExportError(
            f"could not add the stories to {path} without changing it", hint="export the stories to a new file instead"
        )
    return text


def _line_after_key(document, key: str, default: int) -> int:
    """The 0-based line where the top-level key after `key` starts (where `key`'s block ends)."""
    keys = list(document)
    following = keys[keys.index(key) + 1 :]
    return location_of(document, following[0]).line - 1 if following else default


def _stories(text: str, path: Path) -> list:
    from core.training_data.stories_yaml import read_stories_yaml

    return read_stories_yaml(text, path)


# -- NLU --------------------------------------------------------------------------------------


def export_nlu_to(teachings: Teachings, path: Path) -> str:
    """New examples only, added to the file's text (comments and layout stay; see nlu_append);
    the result is read back before it is written, so a failed edit never breaks the file."""
    from core.training_data.nlu_json import write_nlu_json
    from core.training_data.nlu_model import load_nlu

    if not teachings.examples:
        return ""
    data = load_nlu(path) if path.is_file() else NLUData()
    known = {(e.text, e.intent) for e in data.examples}
    new = [e for e in teachings.examples if (e.text, e.intent) not in known]
    if not new:
        return ""
    if path.suffix.lower() == ".json":  # JSON has no comments to keep
        data.examples.extend(new)
        text = write_nlu_json(data)
    else:
        text = with_examples(read_text(path) if path.is_file() else "", new, is_markdown(path), path)
        _check_nlu(text, path, len(data.examples) + len(new))
    _write(path, text)
    return f"{len(new)} NLU example{'s' if len(new) != 1 else ''} merged into {path}"


def _check_nlu(text: str, path: Path, expected: int) -> None:
    from core.training_data.nlu_md import read_nlu_md
    from core.training_data.nlu_yaml import read_nlu_yaml

    try:
        count = len((read_nlu_md if is_markdown(path) else read_nlu_yaml)(text, path).examples)
    except BotcoachError as error:
        raise ExportError(
            f"adding the examples to {path} would break it ({error}); nothing was written",
            hint="add them by hand, or export the NLU examples to a new file",
        ) from error
    if count != expected:
        raise ExportError(
            f"adding the examples to {path} would give {count} examples instead of {expected}; nothing was written",
            hint="export the NLU examples to a new file",
        )


# -- domain -----------------------------------------------------------------------------------


def export_domain_to(teachings: Teachings, session: Session, path: Path) -> str:
    """Add new intents, entities, actions and responses to the domain file, keeping its text."""
    editor = DomainEditor(path)
    added = [name for name in teachings.intents if editor.add_intent(name)]
    added += [name for name in teachings.entities if editor.add_entity(name)]
    for name, text in teachings.responses.items():
        if editor.add_response(name, text):
            added.append(name)
    added += [name for name in teachings.actions if not name.startswith("utter_") and editor.add_action(name)]
    if not editor.changed:
        return ""
    _write(path, editor.render())
    editor.changed = False
    return f"domain {path}: added {', '.join(added)}"


def _write(path: Path, text: str) -> None:
    try:
        atomic_write_text(path, text)
    except ExportError:
        raise
    except OSError as error:
        raise ExportError(
            f"cannot write {path}: {error.strerror or error}", hint="choose a writable path and retry"
        ) from error
