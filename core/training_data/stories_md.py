"""Rasa 1.x Markdown stories and end-to-end test stories: reader and writer.

A file is a list of `## name` blocks. In a block, `* ...` is a user turn (`* greet{"name": "x"}`,
`* a OR b`, `* form: inform`, e2e `* inform: [afghan](cuisine) food`), `- ...` is a bot action or
an event (`- slot{..}`, `- form{"name": ..}`, `- restart`), and `> name` is a checkpoint. HTML
comments may stand anywhere, also across lines. The writer checks that every line it writes reads
back as the step it came from, so it fails loudly instead of writing something that means another
thing (rules, bot texts and roles have no Markdown form).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from core.errors import DataError, Location
from core.training_data.markup import parse_markup, to_markup
from core.training_data.story_model import (
    FORM_PREFIX,
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    EventStep,
    OrStep,
    SlotStep,
    Step,
    Story,
    UserStep,
)

# Event type names that a 1.x story may write as `- name{..}`; any other name is an action.
STORY_EVENT_NAMES = frozenset(
    {
        "restart",
        "reset_slots",
        "rewind",
        "undo",
        "form_validation",
        "loop_interrupted",
        "action_execution_rejected",
        "followup",
        "pause",
        "resume",
        "session_started",
        "reminder",
        "cancel_reminder",
        "export",
        "agent",
        "entities",
        "bot",
    }
)
_LOOP_EVENTS = ("form", "active_loop")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FORM = re.compile(r"^form:\s+(?=\S)")
_E2E = re.compile(r"^(?P<intent>[^{}:]*):(?P<text>.*)$", re.DOTALL)
_NOT_IN_NAMES = re.compile(r'[{}\[\]"]')
_LINE_KINDS_HINT = (
    "a story line is `## story name`, `* intent` (user), `- action` (bot or event), "
    "`> checkpoint` or an HTML comment `<!-- .. -->`"
)
_JSON_HINT = (
    'write it as a JSON object such as {"name": "value"}: keys and text values need double '
    "quotes; true, false and null are lower case"
)


# --------------------------------------------------------------------------------------- reading


def read_stories_md(text: str, file: str | Path | None = None) -> list[Story]:
    """Read every `## ` block of a 1.x Markdown story or test-story file, in order."""
    stories: list[Story] = []
    current: Story | None = None
    for number, raw in enumerate(_LINE_BREAK.split(_without_comments(text, file)), start=1):
        line = raw.strip()
        if not line:
            continue
        location = Location(file, number, len(raw) - len(raw.lstrip()) + 1)
        if line.startswith("#"):
            current = Story(name=_story_name(line), location=location)
            stories.append(current)
        elif current is None:
            raise DataError(
                f"{line[:40]!r} stands before the first story",
                location,
                "start each story with a `## story name` line",
            )
        else:
            current.steps.append(parse_step_line(line, location))
    return stories


def _without_comments(text: str, file: str | Path | None) -> str:
    """Drop `<!-- .. -->` comments but keep their line breaks, so line numbers stay true."""
    text = text.removeprefix("\ufeff")
    cleaned = _COMMENT.sub(lambda m: "".join(_LINE_BREAK.findall(m.group(0))), text)
    unclosed = cleaned.find("<!--")
    if unclosed >= 0:
        line = len(_LINE_BREAK.findall(cleaned[:unclosed])) + 1
        raise DataError("comment `<!--` is never closed", Location(file, line), "end it with `-->`")
    return cleaned


def _story_name(line: str) -> str:
    return line[1:].strip("# \t")


def parse_step_line(line: str, location: Location) -> Step:
    """One stripped, comment-free line inside a story: user turn, bot step or checkpoint."""
    marker, body = line[0], line[1:].strip()
    body_location = _shifted(location, len(line) - len(line[1:].lstrip()))
    if marker == "*":
        return _user_line(body, body_location)
    if marker == "-":
        return _bot_line(body, body_location)
    if marker == ">":
        return _checkpoint_line(body, body_location)
    raise DataError(f"cannot read this line: {line[:60]!r}", location, _LINE_KINDS_HINT)


def _shifted(location: Location, by: int) -> Location:
    column = location.column + by if location.column is not None else None
    return Location(location.file, location.line, column)


def _user_line(body: str, location: Location) -> Step:
    if not body:
        raise DataError("user line `*` names no intent", location, "write `* intent_name`")
    alternatives = [part.strip() for part in body.split(" OR ")]
    steps: list[UserStep | SlotStep] = [_user_step(part, location) for part in alternatives]
    return steps[0] if len(steps) == 1 else OrStep(steps, location=location)


def _user_step(text: str, location: Location) -> UserStep:
    form = _FORM.match(text)
    if form:
        text = text[form.end() :]
    e2e = _E2E.match(text)
    if e2e:
        intent = e2e.group("intent").strip()
        if not intent:
            raise DataError(
                "end-to-end line has no intent before `:`", location, "write `* intent: what the user said`"
            )
        plain, entities = parse_markup(e2e.group("text").strip(), location)
        return UserStep(intent=intent, entities=entities, text=plain, form=bool(form), location=location)
    name, params = _name_and_params(text.removeprefix("/"), location)
    if not name:
        raise DataError(
            f"user line {text[:40]!r} names no intent",
            location,
            'write `* intent_name` or `* intent_name{"entity": "value"}`',
        )
    _check_name(name, "intent", location)
    return UserStep(intent=name, entities=_entities_from_json(params), form=bool(form), location=location)


def _entities_from_json(params: dict[str, Any]) -> list[dict]:
    """`{"e": "v"}` gives one entity; a list value gives one entity per item (as Rasa 1.x)."""
    entities = []
    for name, values in params.items():
        for value in values if isinstance(values, list) else [values]:
            entities.append({"entity": name} if value is None else {"entity": name, "value": value})
    return entities


def _bot_line(body: str, location: Location) -> Step:
    if not body:
        raise DataError("bot line `-` names no action", location, "write `- action_name`")
    form = _FORM.match(body)
    if form:
        name = body[form.end() :].strip()
        if "{" in name:
            raise DataError(
                f"`form:` stands before an event: {body[:60]!r}",
                location,
                "`- form: name` marks an action run by the form; write events without it",
            )
        _check_name(name, "action", location)
        return ActionStep(name=name, form=True, location=location)
    name, params = _name_and_params(body, location)
    if not name:
        raise DataError(
            f"bot line {body[:40]!r} names no action or event",
            location,
            'write `- action_name` or `- slot{"name": "value"}`',
        )
    _check_name(name, "action", location)
    if name == "slot":
        return SlotStep(slots=params, location=location)
    if name in _LOOP_EVENTS:
        return ActiveLoopStep(name=_loop_name(name, params, location), location=location)
    if name in STORY_EVENT_NAMES:
        return EventStep(event=name, params=params, location=location)
    return ActionStep(name=name, location=location)  # 1.x allowed {"policy":..,"confidence":..}: not kept


def _loop_name(event: str, params: dict[str, Any], location: Location) -> str | None:
    if "name" not in params or not isinstance(params["name"], (str, type(None))):
        raise DataError(
            f"`{event}` event needs a name",
            location,
            f'write `- {event}{{"name": "form_name"}}` or `- {event}{{"name": null}}`',
        )
    return params["name"]


def _checkpoint_line(body: str, location: Location) -> CheckpointStep:
    name, conditions = _name_and_params(body, location)
    if not name:
        raise DataError("checkpoint `>` has no name", location, "write `> checkpoint_name`")
    _check_name(name, "checkpoint", location)
    return CheckpointStep(name=name, conditions=conditions, location=location)


def _check_name(name: str, what: str, location: Location) -> None:
    bad = _NOT_IN_NAMES.search(name)
    if bad:
        raise DataError(
            f"{what} name {name[:40]!r} contains `{bad.group(0)}`",
            location,
            f'write `name{{"key": "value"}}`: the {what} name, then a JSON object in braces',
        )


def _name_and_params(text: str, location: Location) -> tuple[str, dict[str, Any]]:
    """Split `name{"json": ..}` into the name and its (possibly empty) JSON object."""
    brace = text.find("{")
    if brace < 0:
        return text.strip(), {}
    return text[:brace].strip(), _json_object(text[brace:], _shifted(location, brace))


def _json_object(raw: str, location: Location) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"cannot read the JSON {raw[:60]!r}: {exc.msg}", _shifted(location, exc.pos), _JSON_HINT
        ) from None
    except (ValueError, RecursionError) as exc:
        raise DataError(f"cannot read the JSON {raw[:60]!r}: {exc}", location, _JSON_HINT) from None
    if not isinstance(data, dict):
        raise DataError(f"expected a JSON object in braces, found {raw[:60]!r}", location, _JSON_HINT)
    return data


# --------------------------------------------------------------------------------------- writing


def write_stories_md(stories: list[Story]) -> str:
    """Write stories as 1.x Markdown; DataError names the first story Markdown cannot hold."""
    blocks = [_story_block(story) for story in stories]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _story_block(story: Story) -> str:
    yaml_only = "a rule" if story.is_rule else "a condition" if story.condition else "metadata"
    if story.is_rule or story.condition or story.metadata:
        raise _unwritable(story, story.location, f"{yaml_only} has no Markdown form")
    header = f"## {story.name}"
    if _story_name(header.strip()) != story.name or _breaks_line(header):
        raise _unwritable(story, story.location, "its name would read back differently")
    lines = [header]
    for step in story.steps:
        line = _step_line(story, step)
        if _breaks_line(line) or _read_back(line) != step:
            raise _unwritable(
                story, step.location or story.location, f"the step {line.strip()[:60]!r} would read back differently"
            )
        lines.append(line)
    return "\n".join(lines)


def _step_line(story: Story, step: Step) -> str:
    if isinstance(step, UserStep):
        return "* " + _user_text(story, step)
    if isinstance(step, OrStep):
        users = [alt for alt in step.alternatives if isinstance(alt, UserStep)]
        if len(users) != len(step.alternatives):
            raise _unwritable(story, step.location, "an OR over slots has no Markdown form")
        return "* " + " OR ".join(_user_text(story, alt) for alt in users)
    if isinstance(step, ActionStep):
        if step.name is None:
            raise _unwritable(story, step.location, "a bot text (`bot:`) has no Markdown form")
        return f"    - {FORM_PREFIX if step.form else ''}{step.name}"
    if isinstance(step, SlotStep):
        return f"    - slot{_json(step.slots)}"
    if isinstance(step, ActiveLoopStep):
        return f"    - form{_json({'name': step.name})}"
    if isinstance(step, EventStep):
        return f"    - {step.event}{_json(step.params) if step.params else ''}"
    if isinstance(step, CheckpointStep):
        return f"> {step.name}{_json(step.conditions) if step.conditions else ''}"
    raise _unwritable(story, None, f"unknown step {type(step).__name__}")


def _user_text(story: Story, step: UserStep) -> str:
    if step.intent is None:
        raise _unwritable(story, step.location, "a user text without an intent has no Markdown form")
    prefix = FORM_PREFIX if step.form else ""
    if step.text is not None:
        if not all(isinstance(e.get("start"), int) and isinstance(e.get("end"), int) for e in step.entities):
            raise _unwritable(story, step.location, "entities without a place in the text")
        return f"{prefix}{step.intent}: {to_markup(step.text, step.entities)}"
    if not step.entities:
        return prefix + step.intent
    grouped: dict[str | None, list[Any]] = {}
    for entity in step.entities:
        grouped.setdefault(entity.get("entity"), []).append(entity.get("value"))
    return prefix + step.intent + _json({k: v[0] if len(v) == 1 else v for k, v in grouped.items()})


def _read_back(line: str) -> Step | None:
    try:
        return parse_step_line(line.strip(), Location())
    except DataError:
        return None


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def _breaks_line(line: str) -> bool:
    return bool(_LINE_BREAK.search(line)) or "<!--" in line


def _unwritable(story: Story, location: Location | None, why: str) -> DataError:
    return DataError(
        f"story {story.name!r} cannot be written as Markdown: {why}",
        location or story.location,
        "keep this story in YAML (Markdown 1.x has no way to say it)",
    )
