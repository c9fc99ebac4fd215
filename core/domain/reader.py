"""Reading domain files (Rasa 1.x, 2.x and 3.x) into a Domain, and whole domain folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, overload

from core.domain.checks import FileContext, kind_of, single_key
from core.domain.items import RESPONSE_CONTENT_KEYS, Entity, Intent, SessionConfig
from core.domain.model import Domain
from core.domain.slot_reader import read_forms, read_slots, resolve_auto_fill
from core.errors import DataError, Location
from core.yamlio import load_yaml, read_text, to_plain

DOMAIN_KEYS = (
    "version",
    "intents",
    "entities",
    "slots",
    "responses",
    "templates",
    "actions",
    "forms",
    "session_config",
    "config",
    "e2e_actions",
)
_INTENT_KEYS = {"use_entities", "ignore_entities", "triggers", "is_retrieval_intent"}
_ENTITY_KEYS = {"roles", "groups", "influence_conversation"}


def load_domain(path: str | Path) -> Domain:
    """Read a domain file, or every *.yml/*.yaml domain file under a folder, merged in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in (".yml", ".yaml") and not p.name.startswith(".")
        )
        parsed = [_parse(read_text(file), file, skip_other_files=True) for file in files]
        parts = [part for part in parsed if part is not None]
        domain = Domain()
        for part in parts:
            domain = domain.merge(part)
        if not parts:
            raise DataError(
                "no domain file in this folder",
                Location(path),
                "a domain file is YAML with `intents:`, `responses:`, `slots:` or `actions:`",
            )
    elif path.is_file():
        domain = _parse(read_text(path), path)
    else:
        raise DataError(f"domain not found: {path}", Location(path), "pass an existing domain file or folder")
    _finish(domain)
    return domain


def read_domain(text: str, file: str | Path | None = None) -> Domain:
    """Read one domain file's text; `file` is only used in messages."""
    domain = _parse(text, file)
    _finish(domain)
    return domain


def _finish(domain: Domain) -> None:
    """What needs the whole domain (all files of a folder): 1.x auto-fill, cross-references."""
    resolve_auto_fill(domain.slots, domain.entity_names)
    check_references(domain)


def check_references(domain: Domain) -> None:
    """Cross-checks that need the whole domain: forms may only require declared slots."""
    declared = domain.all_slots
    for name, form in domain.forms.items():
        for slot in form.required_slots or []:
            if slot not in declared:
                raise DataError(
                    f"form '{name}' requires the slot '{slot}', which is not declared under `slots:`",
                    domain.sources.get(("forms", name)),
                    f"declare `{slot}:` with a `type:` under `slots:`, or remove it from the form",
                )
        for intent in form.ignored_intents:
            if intent not in domain.intents:
                domain.warnings.append(
                    f"{domain.sources.get(('forms', name), Location())}: form '{name}' ignores the "
                    f"undeclared intent '{intent}'"
                )


@overload
def _parse(text: str, file: str | Path | None, skip_other_files: Literal[False] = False) -> Domain: ...
@overload
def _parse(text: str, file: str | Path | None, skip_other_files: bool) -> Domain | None: ...
def _parse(text: str, file: str | Path | None, skip_other_files: bool = False) -> Domain | None:
    data = load_yaml(text, file)
    ctx = FileContext(file)
    if data is None:
        return None if skip_other_files else Domain()
    if not isinstance(data, dict):
        raise DataError(
            f"a domain must be a mapping of sections, not {kind_of(data)}",
            Location(file, 1, 1),
            "start the file with sections such as `intents:`, `responses:` and `slots:`",
        )
    if skip_other_files and not any(key in data for key in DOMAIN_KEYS if key != "version"):
        return None
    for key in data:
        if key not in DOMAIN_KEYS:
            ctx.warn(f"unknown domain section '{key}' ignored", data, key)
    domain = Domain(version=str(data["version"]) if data.get("version") is not None else None)
    domain.intents = _read_intents(ctx, data)
    domain.entities = _read_entities(ctx, data)
    domain.slots = read_slots(ctx, data)
    domain.responses = _read_responses(ctx, data)
    domain.actions, domain.action_options = _read_actions(ctx, data)
    domain.forms = read_forms(ctx, data, domain.slots, domain.entity_names)
    domain.action_texts = ctx.names(data, "e2e_actions", "`e2e_actions`")
    _read_settings(ctx, data, domain)
    domain.warnings, domain.sources = ctx.warnings, ctx.sources
    return domain


def _read_intents(ctx: FileContext, data: dict) -> dict[str, Intent]:
    items = ctx.sequence(data, "intents", "`intents`", "write one `- intent_name` per line")
    intents: dict[str, Intent] = {}
    for index in range(len(items)):
        name, props = single_key(ctx, items, index, "intent")
        if name in intents:
            ctx.warn(f"intent '{name}' is listed twice; the first is kept", items, index)
            continue
        intents[name] = _read_intent(ctx, name, props or {})
        ctx.remember("intents", name, items, index)
    return intents


def _read_intent(ctx: FileContext, name: str, props: dict) -> Intent:
    for key in props:
        if key not in _INTENT_KEYS:
            ctx.warn(f"intent '{name}': unknown property '{key}' ignored", props, key)
    intent = Intent()
    use = props.get("use_entities", True)
    if isinstance(use, bool):
        intent.use_entities = use
    else:
        intent.use_entities = ctx.names(props, "use_entities", f"intent '{name}': use_entities")
    intent.ignore_entities = ctx.names(props, "ignore_entities", f"intent '{name}': ignore_entities")
    triggers = props.get("triggers")
    if triggers is not None and not isinstance(triggers, str):
        raise ctx.fail(
            f"intent '{name}': triggers must be an action name", props, "triggers", "write `triggers: action_name`"
        )
    intent.triggers = str(triggers) if triggers else None
    intent.is_retrieval = ctx.boolean(props, "is_retrieval_intent", f"intent '{name}': is_retrieval_intent", False)
    return intent


def _read_entities(ctx: FileContext, data: dict) -> dict[str, Entity]:
    items = ctx.sequence(data, "entities", "`entities`", "write one `- entity_name` per line")
    entities: dict[str, Entity] = {}
    for index in range(len(items)):
        name, props = single_key(ctx, items, index, "entity")
        props = props or {}
        for key in props:
            if key not in _ENTITY_KEYS:
                ctx.warn(f"entity '{name}': unknown property '{key}' ignored", props, key)
        entity = Entity(
            roles=ctx.names(props, "roles", f"entity '{name}': roles"),
            groups=ctx.names(props, "groups", f"entity '{name}': groups"),
            influence_conversation=ctx.boolean(
                props, "influence_conversation", f"entity '{name}': influence_conversation", True
            ),
        )
        if name in entities:
            ctx.warn(f"entity '{name}' is listed twice; the first is kept", items, index)
            continue
        entities[name] = entity
        ctx.remember("entities", name, items, index)
    return entities


def _read_responses(ctx: FileContext, data: dict) -> dict[str, list[dict[str, Any]]]:
    responses: dict[str, list[dict[str, Any]]] = {}
    for key in ("responses", "templates"):  # `templates:` is the 1.x name of the same section
        section = ctx.mapping(data, key, f"`{key}`", "write each response as `utter_name:` with a list of variations")
        for name in section:
            name = str(name)
            if name in responses:
                ctx.warn(f"response '{name}' is defined twice; the first is kept", section, name)
                continue
            responses[name] = _read_variations(ctx, name, section)
            ctx.remember("responses", name, section, name)
    return responses


def _read_variations(ctx: FileContext, name: str, section: dict) -> list[dict[str, Any]]:
    variations = section[name]
    if not isinstance(variations, list) or not variations:
        raise ctx.fail(
            f"response '{name}' must be a list of variations, not {kind_of(variations)}",
            section,
            name,
            'write the variations as a list: `- text: "..."` on the next line',
        )
    result: list[dict[str, Any]] = []
    for index, variation in enumerate(variations):
        if isinstance(variation, str):  # 1.x accepted bare strings, with a deprecation warning
            ctx.warn(f"response '{name}': a variation written as plain text is read as `text:`", variations, index)
            variation = {"text": variation}
        if not isinstance(variation, dict):
            raise ctx.fail(
                f"response '{name}': a variation must be a mapping, not {kind_of(variation)}",
                variations,
                index,
                'write `- text: "..."` (or image, buttons, custom, attachment)',
            )
        if not any(variation.get(key) is not None for key in RESPONSE_CONTENT_KEYS):
            ctx.warn(
                f"response '{name}': a variation has none of {', '.join(RESPONSE_CONTENT_KEYS)}", variations, index
            )
        result.append(to_plain(variation))
    return result


def _read_actions(ctx: FileContext, data: dict) -> tuple[list[str], dict[str, dict[str, Any]]]:
    items = ctx.sequence(data, "actions", "`actions`", "write one `- action_name` per line")
    actions: list[str] = []
    options: dict[str, dict[str, Any]] = {}
    for index in range(len(items)):
        name, props = single_key(ctx, items, index, "action")
        if name in actions:
            ctx.warn(f"action '{name}' is listed twice", items, index)
            continue
        actions.append(name)
        ctx.remember("actions", name, items, index)
        if props:
            options[name] = to_plain(props)
            ctx.remember("action_options", name, items, index)
    return actions, options


def _read_settings(ctx: FileContext, data: dict, domain: Domain) -> None:
    if data.get("session_config") is not None:
        spec = ctx.mapping(data, "session_config", "`session_config`", "indent `session_expiration_time: 60` under it")
        expiration = ctx.number(spec, "session_expiration_time", "session_expiration_time", 60)
        if expiration < 0:
            raise ctx.fail(
                "session_expiration_time must not be negative",
                spec,
                "session_expiration_time",
                "use minutes, or 0 for sessions that never expire",
            )
        domain.session_config = SessionConfig(
            expiration,
            ctx.boolean(spec, "carry_over_slots_to_new_session", "carry_over_slots_to_new_session", True),
        )
        ctx.remember("settings", "session_config", data, "session_config")
    if data.get("config") is not None:
        spec = ctx.mapping(data, "config", "`config`", "indent `store_entities_as_slots: true` under it")
        domain.store_entities_as_slots = ctx.boolean(spec, "store_entities_as_slots", "store_entities_as_slots", True)
        ctx.remember("settings", "store_entities_as_slots", data, "config")
