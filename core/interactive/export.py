"""Export what a teaching session taught into the project's own files, as one transaction.

Everything written is derived from the conversations' events in effect at export time: one story
per conversation that has a user message (named once, then updated in place by every later
export), the NLU examples of its user messages, and the domain entries those events use that the
domain file lacks (intents, entities, custom actions, responses with their text). An earlier
export's story of a conversation that was undone to nothing is taken out, and so is an example
line this session added for a message that no longer stands.

Every file is prepared and checked in memory first; then all are written together
(core.fileio.write_together): a failure leaves every file as it was. Exporting again with nothing
new changes no byte. Appending costs time in proportion to what is written, not to the files'
sizes. The journal records the story names before the files are written, so an export cut short
by a crash is completed, not duplicated, by the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.domain import DEFAULT_ACTIONS, Domain
from core.domain.editor import DomainEditor
from core.errors import BotcoachError, ExportError
from core.events import ActionExecuted, UserUttered
from core.fileio import FileChange, TextFile, write_together
from core.interactive.nlu_file import Line, example_line, with_examples
from core.interactive.state import Conversation, SessionState
from core.interactive.story_file import story_names, with_stories
from core.nlu.intent_message import is_intent_message
from core.story_export import tracker_to_story
from core.training_data.loader import load_training_data
from core.training_data.nlu_model import Example
from core.training_data.story_model import Story

DEFAULT_STORIES = Path("data") / "stories.yml"
DEFAULT_NLU = Path("data") / "nlu.yml"
Progress = Callable[[str], None]


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


# -- what the conversations taught ------------------------------------------------------------


@dataclass
class Taught:
    """What the conversations in effect use, in order of first use."""

    examples: list[Example] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


def taught(conversations: list[Conversation]) -> Taught:
    found = Taught()
    for conversation in conversations:
        for event in conversation.tracker.applied_events(collapse_loops=False):
            if isinstance(event, UserUttered) and event.intent_name:
                _add(found.intents, event.intent_name.split("/", 1)[0])
                for entity in event.entities:
                    _add(found.entities, str(entity.get("entity")))
                example = _example(event)
                if example is not None and example not in found.examples:
                    found.examples.append(example)
            elif isinstance(event, ActionExecuted) and event.name:
                _add(found.actions, event.name)
    return found


def _add(names: list[str], name: str) -> None:
    if name and name not in names:
        names.append(name)


def _example(event: UserUttered) -> Example | None:
    text = event.text or ""
    if not text.strip() or is_intent_message(text):
        return None
    placed = [
        {k: v for k, v in e.items() if k in ("entity", "value", "start", "end", "role", "group")}
        for e in event.entities
        if isinstance(e.get("start"), int) and isinstance(e.get("end"), int) and 0 <= e["start"] < e["end"] <= len(text)
    ]
    return Example(text, event.intent_name, placed)


# -- the plan ---------------------------------------------------------------------------------


@dataclass
class ExportPlan:
    """Every file's new text, and what the session will record once they are written."""

    changes: list[FileChange]
    stories_file: str  # the stories file's real path: the key of `story_names`
    story_names: dict[str, str]  # conversation id -> the story's name in that file
    nlu_file: str
    example_lines: list[Line]  # the lines this session has in the NLU file afterwards
    events: dict[str, int]  # conversation id -> events the export covers
    contradictions: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        return [change.summary for change in self.changes]


def plan_export(
    state: SessionState,
    domain: Domain,
    paths: ExportPaths,
    contradictions: Callable[[Conversation], list[str]] | None = None,
    progress: Progress | None = None,
) -> ExportPlan:
    """The export of `state` into `paths`, prepared but not written. ExportError names the file
    that cannot take it. `domain` is the session's (it defines responses created in the session)."""
    report = progress or (lambda line: None)
    conversations = state.exportable()
    found = taught(conversations)
    report(f"reading {paths.stories}")
    stories_file = TextFile.read(paths.stories)
    names, stories = _stories(state, stories_file)
    text = _written(lambda: with_stories(stories_file.text, paths.stories, stories), paths.stories)
    changes = [FileChange(stories_file, text, _story_summary(stories, names, state, stories_file))]
    report(f"reading {paths.nlu}")
    nlu_file = TextFile.read(paths.nlu)
    ours = state.ledger.examples.get(str(nlu_file.target), [])
    wanted = [example_line(e) for e in found.examples]
    gone = [line for line in ours if line not in wanted]
    text, new = _written(lambda: with_examples(nlu_file.text, paths.nlu, found.examples, gone), paths.nlu)
    changes.append(FileChange(nlu_file, text, _nlu_summary(new, gone, paths.nlu)))
    report(f"reading {paths.domain}")
    domain_file = TextFile.read(paths.domain)
    text, added = _written(lambda: _domain_with(domain_file, found, state, domain), paths.domain)
    changes.append(FileChange(domain_file, text, f"{paths.domain}: added {', '.join(added)}" if added else ""))
    problems = [p for c in conversations for p in (contradictions(c) if contradictions else [])]
    return ExportPlan(
        [c for c in changes if c.text != c.file.text],
        str(stories_file.target),
        names,
        str(nlu_file.target),
        [line for line in ours if line in wanted] + [example_line(e) for e in new],
        {c.id: len(c.tracker.events) for c in state.conversations if c.has_user_turns() or c.id in state.ledger.events},
        list(dict.fromkeys(problems)),
    )


def _written(make: Callable, path: Path):
    """Run a file edit; a file that cannot be read as its kind is named with the reason."""
    try:
        return make()
    except ExportError:
        raise
    except BotcoachError as error:
        raise ExportError(
            f"cannot add to {path}: it does not read as it should ({error})",
            hint="fix the file, or export to a new file",
        ) from error


def _stories(state: SessionState, file: TextFile) -> tuple[dict[str, str], dict[str, Story | None]]:
    """(conversation id -> story name, story name -> its story or None to take it out)."""
    named = dict(state.ledger.stories.get(str(file.target), {}))
    taken = story_names(file.text, file.path) | set(named.values())
    style = "1.x" if file.path.suffix.lower() == ".md" else "3.x"
    stories: dict[str, Story | None] = {}
    for conversation in state.conversations:
        if not conversation.has_user_turns():
            if conversation.id in named:
                stories[named[conversation.id]] = None
            continue
        if conversation.id not in named:
            named[conversation.id] = _unique(f"interactive {conversation.name}", taken)
            taken.add(named[conversation.id])
        stories[named[conversation.id]] = tracker_to_story(
            conversation.tracker,
            named[conversation.id],
            style,  # type: ignore[arg-type]
            e2e=state.e2e,
        )
    return named, stories


def _unique(wanted: str, taken: set[str]) -> str:
    number = 2
    name = wanted
    while name in taken:
        name = f"{wanted} ({number})"
        number += 1
    return name


def _story_summary(stories: dict[str, Story | None], names: dict[str, str], state: SessionState, file: TextFile) -> str:
    before = state.ledger.stories.get(str(file.target), {})
    written = sum(1 for story in stories.values() if story is not None)
    new = sum(1 for cid, name in names.items() if cid not in before and stories.get(name) is not None)
    removed = len(stories) - written
    parts = [f"{written} stor{'y' if written == 1 else 'ies'} of this session ({new} new)" if written else ""]
    parts.append(f"{removed} undone stor{'y' if removed == 1 else 'ies'} taken out" if removed else "")
    return f"{file.path}: " + ", ".join(p for p in parts if p)


def _nlu_summary(new: list[Example], gone: list[Line], path: Path) -> str:
    parts = [f"{len(new)} example{'s' if len(new) != 1 else ''} added" if new else ""]
    parts.append(f"{len(gone)} undone example{'s' if len(gone) != 1 else ''} taken out" if gone else "")
    return f"{path}: " + ", ".join(p for p in parts if p)


def _domain_with(file: TextFile, found: Taught, state: SessionState, domain: Domain) -> tuple[str, list[str]]:
    """The domain file's text with what the conversations use and it lacks."""
    editor = DomainEditor(file.path, file.text)
    added = [f"intent {name}" for name in found.intents if editor.add_intent(name)]
    added += [f"entity {name}" for name in found.entities if editor.add_entity(name)]
    for name in found.actions:
        have = editor.domain
        if name in have.action_names or name in DEFAULT_ACTIONS or name in have.forms or name in domain.forms:
            continue
        if name.startswith("utter_"):
            variations = domain.responses.get(name) or [{"text": state.additions.responses.get(name, name)}]
            for variation in variations:
                editor.add_response(name, variation)
            added.append(f"response {name}")
        elif editor.add_action(name):
            added.append(f"action {name}")
    return editor.text, added


# -- writing ----------------------------------------------------------------------------------


def write_plan(plan: ExportPlan, record: Callable[[list[dict]], None]) -> None:
    """Write the planned files together; `record` journals the story names before and what the
    export covered after."""
    record([{"exporting": {"stories": {plan.stories_file: plan.story_names}}}])
    write_together(plan.changes)
    record([{"exported": {"events": plan.events, "examples": {plan.nlu_file: [list(x) for x in plan.example_lines]}}}])


def apply_to_state(plan: ExportPlan, state: SessionState) -> None:
    """What the session remembers of a written export (as replaying its journal would)."""
    state.ledger.stories.setdefault(plan.stories_file, {}).update(plan.story_names)
    state.ledger.events.update(plan.events)
    state.ledger.examples[plan.nlu_file] = list(plan.example_lines)
