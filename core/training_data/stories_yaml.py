"""Rasa 2.x/3.x YAML stories, rules and test stories: reader and writer.

The reader takes the `stories:` and `rules:` keys of a file that may also hold `nlu:` or
`responses:`, and checks each item and step as Rasa's schema does, so that a typo is an error at
its line instead of a step silently skipped. The writer writes `version: "3.1"`. Events that only
1.x Markdown can write (`- restart`, `- form_validation{..}`) have no YAML step; like Rasa's own
converter the writer leaves them out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from core.errors import DataError, Location
from core.training_data.markup import parse_markup, to_markup
from core.training_data.stories_md import read_stories_md
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
from core.yamlio import dump_yaml, load_yaml, location_of, read_text, to_plain

FORMAT_VERSION = "3.1"
_FORM = re.compile(r"^form:\s+(?=\S)")
_ITEM_KEYS = {
    "story": {"story", "steps", "metadata"},
    "rule": {"rule", "steps", "metadata", "condition", "conversation_start", "wait_for_user_input"},
}
_STEP_KEYS = {
    "user": {"intent", "user", "entities", "metadata"},
    "or": {"or"},
    "action": {"action", "metadata"},
    "bot": {"bot", "metadata"},
    "checkpoint": {"checkpoint", "slot_was_set"},
    "slot_was_set": {"slot_was_set"},
    "active_loop": {"active_loop"},
}
_STEP_HINT = (
    "a step is one of: intent (with user/entities), user, action, bot, slot_was_set, active_loop, checkpoint, or"
)
_ENTITY_EXTRAS = ("role", "group")  # every other key of an entity item is its name
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


# --------------------------------------------------------------------------------------- reading


def read_stories_yaml(text: str, file: str | Path | None = None) -> list[Story]:
    """Stories (from `stories:`) then rules (from `rules:`), each in file order."""
    data = load_yaml(text, file)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise DataError(
            "a story file must be a mapping with `stories:` or `rules:`",
            location_of(data, None, file),
            "start the file with `stories:` or `rules:`",
        )
    return _items(data, "stories", "story", file) + _items(data, "rules", "rule", file)


def _items(data: dict, key: str, title: str, file: str | Path | None) -> list[Story]:
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise DataError(
            f"`{key}:` must be a list of `- {title}:` items",
            location_of(data, key, file),
            f"write `{key}:` followed by lines `- {title}: name`",
        )
    return [_item(node, title, location_of(items, index, file), file) for index, node in enumerate(items)]


def _item(node: Any, title: str, location: Location, file: str | Path | None) -> Story:
    if not isinstance(node, dict) or title not in node:
        raise DataError(
            f"expected a `- {title}: name` item here",
            location,
            f"each item under `{title}s:` starts with `- {title}: name` and has `steps:`",
        )
    _check_keys(node, _ITEM_KEYS[title], file, f"in a {title}", "known keys: " + ", ".join(sorted(_ITEM_KEYS[title])))
    story = Story(
        name=_text(node[title], location_of(node, title, file), f"{title} name"), kind=title, location=location
    )
    if "steps" not in node:
        raise DataError(f"{title} {story.name!r} has no `steps:`", location, f"add `steps:` with the {title}'s steps")
    story.steps = _steps(node, "steps", file)
    if "metadata" in node and node["metadata"] is not None:
        metadata = _plain(node["metadata"], location_of(node, "metadata", file))
        if not isinstance(metadata, dict):
            raise DataError(
                "`metadata:` must be a mapping",
                location_of(node, "metadata", file),
                "write `metadata:` with `key: value` lines under it",
            )
        story.metadata = metadata
    if title == "rule":
        story.condition = _steps(node, "condition", file) if node.get("condition") is not None else []
        story.conversation_start = _flag(node, "conversation_start", False, file)
        story.wait_for_user_input = _flag(node, "wait_for_user_input", True, file)
    return story


def _flag(node: dict, key: str, default: bool, file: str | Path | None) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise DataError(
            f"`{key}:` must be true or false", location_of(node, key, file), f"write `{key}: true` or `{key}: false`"
        )
    return value


def _steps(node: dict, key: str, file: str | Path | None) -> list[Step]:
    seq = node[key]
    if not isinstance(seq, list):
        raise DataError(
            f"`{key}:` must be a list of steps",
            location_of(node, key, file),
            "write each step on its own line starting with `- `",
        )
    steps = [_step(item, location_of(seq, index, file), file) for index, item in enumerate(seq)]
    return [step for step in steps if step is not None]


def _step(node: Any, location: Location, file: str | Path | None) -> Step | None:
    if not isinstance(node, dict):
        raise DataError(f"a step must be a mapping, found {_show(node)}", location, _STEP_HINT)
    kind = _step_kind(node)
    if kind is None:
        if set(node) == {"metadata"}:
            return None  # Rasa skips a step that only carries metadata
        raise DataError(f"step with no known key: {', '.join(map(str, node))}", location, _STEP_HINT)
    _check_keys(node, _STEP_KEYS[kind], file, f"in this `{kind}` step", _STEP_HINT)
    if kind == "user":
        return _user(node, location, file)
    if kind == "or":
        return _or(node, location, file)
    if kind == "action":
        name = _text(node["action"], location, "action name")
        if not name:
            raise DataError("`action:` has no name", location, "write `- action: action_name`")
        form = _FORM.match(name)
        return ActionStep(name=name[form.end() :] if form else name, form=bool(form), location=location)
    if kind == "bot":
        return ActionStep(bot_text=_text(node["bot"], location, "bot text"), location=location)
    if kind == "checkpoint":
        return _checkpoint(node, location, file)
    if kind == "slot_was_set":
        return _slots(node, location, file)
    loop = node["active_loop"]
    return ActiveLoopStep(name=None if loop is None else _text(loop, location, "active_loop name"), location=location)


def _step_kind(node: dict) -> str | None:
    """The step's kind by the same key precedence as Rasa's reader."""
    if "intent" in node or "user" in node:
        return "user"
    for kind in ("or", "action", "bot", "checkpoint", "slot_was_set", "active_loop"):
        if kind in node:
            return kind
    return None


def _user(node: dict, location: Location, file: str | Path | None) -> UserStep:
    step = UserStep(location=location)
    if node.get("intent") is not None or "user" not in node:
        intent = _text(node.get("intent"), location_of(node, "intent", file), "intent").strip()
        form = _FORM.match(intent)
        step.form = bool(form)
        step.intent = intent[form.end() :] if form else intent.removeprefix("/")
        if not step.intent:
            raise DataError("`intent:` has no name", location, "write `- intent: intent_name`")
    if "user" in node:  # Rasa takes the entities from the text's markup and ignores `entities:`
        markup = _text(node["user"], location_of(node, "user", file), "user text").strip()
        step.text, step.entities = parse_markup(markup, location_of(node, "user", file))
    elif node.get("entities") is not None:
        step.entities = _entities(node, file)
    return step


def _entities(node: dict, file: str | Path | None) -> list[dict]:
    seq = node["entities"]
    if not isinstance(seq, list):
        raise DataError(
            "`entities:` must be a list",
            location_of(node, "entities", file),
            "write `- entity_name: value` lines under `entities:`",
        )
    return [_entity(item, location_of(seq, index, file)) for index, item in enumerate(seq)]


def _entity(item: Any, location: Location) -> dict:
    """`- name` or `- name: value`, with `role:` and `group:` beside it, as Rasa reads them: any
    other key is the entity's name and its value the value (`- entity: x` is the entity `entity`)."""
    if isinstance(item, str):
        return {"entity": item, "value": ""}
    if not isinstance(item, dict) or not item:
        raise DataError(
            f"cannot read the entity {_show(item)}",
            location,
            "write `- entity_name: value`, optionally with `role:` and `group:`",
        )
    data = _plain(item, location)
    names = [key for key in data if key not in _ENTITY_EXTRAS]
    if len(names) != 1:
        raise DataError(
            f"an entity item must name one entity, found {len(names)}",
            location,
            "write one `- entity_name: value` item per entity, with `role:` and `group:` beside it",
        )
    entity = {"entity": str(names[0])}
    if data[names[0]] is not None:
        entity["value"] = data[names[0]]
    for key in _ENTITY_EXTRAS:
        if data.get(key) is not None:
            entity[key] = _text(data[key], location, f"entity {key}")
    return entity


def _or(node: dict, location: Location, file: str | Path | None) -> OrStep:
    seq = node["or"]
    if not isinstance(seq, list) or not seq:
        raise DataError(
            "`or:` must be a list of alternatives",
            location,
            "list the alternatives under `or:` as `- intent: name` or `- slot_was_set:` steps",
        )
    alternatives = []
    for index, item in enumerate(seq):
        where = location_of(seq, index, file)
        step = _step(item, where, file) if isinstance(item, dict) else None
        if not isinstance(step, (UserStep, SlotStep)):
            raise DataError(
                "an `or:` alternative must be an intent or a `slot_was_set`",
                where,
                "write `- intent: name` or `- slot_was_set:` under `or:`",
            )
        alternatives.append(step)
    return OrStep(alternatives, location=location)


def _slots(node: dict, location: Location, file: str | Path | None) -> SlotStep:
    step = SlotStep(location=location)
    for name, value in _slot_items(node, location, file, names_allowed=True):
        step.slots[name] = value
        if value is _BY_NAME:
            step.slots[name] = None
            step.by_name.append(name)
        elif name in step.by_name:
            step.by_name.remove(name)
    return step


def _checkpoint(node: dict, location: Location, file: str | Path | None) -> CheckpointStep:
    name = _text(node["checkpoint"], location, "checkpoint name")
    if not name:
        raise DataError("`checkpoint:` has no name", location, "write `- checkpoint: name`")
    conditions = dict(_slot_items(node, location, file, names_allowed=False)) if "slot_was_set" in node else {}
    return CheckpointStep(name=name, conditions=conditions, location=location)


_BY_NAME = object()  # marks a slot written by name only


def _slot_items(node: dict, location: Location, file: str | Path | None, names_allowed: bool) -> list:
    seq = node["slot_was_set"]
    if not isinstance(seq, list):
        raise DataError(
            "`slot_was_set:` must be a list",
            location_of(node, "slot_was_set", file),
            "write `- slot_name: value` lines under `slot_was_set:`",
        )
    items: list[tuple[str, Any]] = []
    for index, item in enumerate(seq):
        where = location_of(seq, index, file)
        if isinstance(item, dict):
            items.extend((str(key), value) for key, value in _plain(item, where).items())
        elif isinstance(item, str) and names_allowed:
            items.append((item, _BY_NAME))
        else:
            raise DataError(
                f"cannot read the slot {_show(item)}",
                where,
                "write `- slot_name: value`" + (" or `- slot_name`" if names_allowed else ""),
            )
    return items


def _check_keys(node: dict, allowed: set[str], file: str | Path | None, where: str, hint: str) -> None:
    unknown = [key for key in node if key not in allowed]
    if unknown:
        raise DataError(f"unknown key `{unknown[0]}` {where}", location_of(node, unknown[0], file), hint)


def _text(value: Any, location: Location, what: str) -> str:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise DataError(
        f"{what} must be text, found {_show(value)}",
        location,
        "write it as text (quote it if it looks like a number, true/false or null)",
    )


def _plain(value: Any, location: Location) -> Any:
    try:
        return to_plain(value)
    except RecursionError:
        raise DataError(
            "a value refers to itself (YAML anchor loop)",
            location,
            "remove the `*alias` that points into its own anchor",
        ) from None


def _show(value: Any) -> str:
    text = repr(to_plain(value)) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text[:60]


# --------------------------------------------------------------------------------------- writing


def write_stories_yaml(stories: list[Story]) -> str:
    """Write `version: "3.1"`, then stories under `stories:` and rules under `rules:`."""
    document = CommentedMap(version=DoubleQuotedScalarString(FORMAT_VERSION))
    for key, kind in (("stories", "story"), ("rules", "rule")):
        items = [_item_map(story, kind) for story in stories if story.is_rule == (kind == "rule")]
        if items:
            document[key] = items
    return dump_yaml(_quote_odd_breaks(document))


def _quote_odd_breaks(node: Any) -> Any:
    """Double-quote text holding NEL or Unicode line/paragraph separators: ruamel writes them raw
    inside single quotes, where they read back as a space."""
    if isinstance(node, str):
        return DoubleQuotedScalarString(node) if _ODD_BREAKS.search(node) else node
    if isinstance(node, dict):
        return type(node)((_quote_odd_breaks(k), _quote_odd_breaks(v)) for k, v in node.items())
    if isinstance(node, list):
        return [_quote_odd_breaks(item) for item in node]
    return node


def _item_map(story: Story, kind: str) -> CommentedMap:
    item = CommentedMap()
    item[kind] = story.name
    if story.metadata:
        item["metadata"] = story.metadata
    if story.condition:
        item["condition"] = _step_maps(story.condition)
    if story.conversation_start:
        item["conversation_start"] = True
    item["steps"] = _step_maps(story.steps)
    if not story.wait_for_user_input:
        item["wait_for_user_input"] = False
    return item


def _step_maps(steps: Sequence[Step]) -> list[CommentedMap]:
    return [step_map for step in steps if (step_map := _step_map(step)) is not None]


def _step_map(step: Step) -> CommentedMap | None:
    if isinstance(step, UserStep):
        return _user_map(step)
    if isinstance(step, OrStep):
        return CommentedMap(**{"or": _step_maps(step.alternatives)})
    if isinstance(step, ActionStep):
        if step.name is None:
            return CommentedMap(bot=step.bot_text)
        return CommentedMap(action=_form_name(step.name) if step.form else step.name)
    if isinstance(step, SlotStep):
        return CommentedMap(
            slot_was_set=[name if name in step.by_name else {name: value} for name, value in step.slots.items()]
        )
    if isinstance(step, ActiveLoopStep):
        return CommentedMap(active_loop=step.name)
    if isinstance(step, CheckpointStep):
        checkpoint = CommentedMap(checkpoint=step.name)
        if step.conditions:
            checkpoint["slot_was_set"] = [{name: value} for name, value in step.conditions.items()]
        return checkpoint
    if isinstance(step, EventStep):
        return None
    raise TypeError(f"not a story step: {step!r}")


def _user_map(step: UserStep) -> CommentedMap:
    result = CommentedMap()
    if step.intent is not None:
        result["intent"] = _form_name(step.intent) if step.form else step.intent
    if step.text is not None:
        placed = [e for e in step.entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
        result["user"] = to_markup(step.text, placed)
    elif step.entities:
        result["entities"] = [_entity_item(entity) for entity in step.entities]
    return result


def _entity_item(entity: dict) -> Any:
    name = entity.get("entity")
    extras = {key: entity[key] for key in ("role", "group") if entity.get(key) is not None}
    if entity.get("value") == "" and not extras:
        return name
    return {name: entity.get("value"), **extras}


def _form_name(name: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(FORM_PREFIX + name)


# --------------------------------------------------------------------------------------- loading


def load_stories(path: str | Path) -> list[Story]:
    """Read a story, rule or test-story file, by its extension: `.md` or `.yml`/`.yaml`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".md":
        return read_stories_md(read_text(path), path)
    if suffix in (".yml", ".yaml"):
        return read_stories_yaml(read_text(path), path)
    raise DataError(
        f"not a story file: {path.name}",
        Location(path),
        "stories are `.md` (Rasa 1.x) or `.yml`/`.yaml` (Rasa 2.x/3.x) files",
    )
