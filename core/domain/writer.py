"""Writing a Domain as a fresh domain file: Rasa 3.x (`version: "3.1"`) or 1.x style.

Both writers are lossless: reading their output gives an equal Domain. The 1.x writer uses 1.x
spellings (`templates:`, `unfeaturized`, `auto_fill`, forms as a list) wherever they can say
what the domain means, and falls back to the 2.x/3.x key only where 1.x has no words for it
(`influence_conversation` on a text slot, slot `mappings`, forms with required slots);
`beyond_1x()` lists those places so a converter can warn.
"""

from __future__ import annotations

from typing import Any

from core.domain.items import CUSTOM_MAPPING, Form, SessionConfig, Slot
from core.domain.model import Domain
from core.yamlio import dump_yaml

LATEST_VERSION = "3.1"


def write_domain(domain: Domain) -> str:
    """The domain as a Rasa 3.x file."""
    entity_names = domain.entity_names
    sections: list[tuple[str, Any]] = [
        ("intents", _named_list(domain.intents, lambda i: i.properties())),
        ("entities", _named_list(domain.entities, lambda e: e.properties())),
        ("slots", {name: slot.as_dict(name, entity_names) for name, slot in domain.slots.items()}),
        ("responses", domain.responses),
        ("actions", _actions(domain)),
        ("forms", {name: _form_3x(form) for name, form in domain.forms.items()}),
        ("e2e_actions", domain.action_texts),
        ("session_config", domain.session_config.as_dict()),
    ]
    if not domain.store_entities_as_slots:
        sections.append(("config", {"store_entities_as_slots": False}))
    return _render([("version", LATEST_VERSION), *sections])


def write_domain_1x(domain: Domain) -> str:
    """The domain in Rasa 1.x style (see the module docstring for what 1.x cannot say)."""
    entity_names = domain.entity_names
    forms: Any = {name: _form_3x(form) for name, form in domain.forms.items()}
    if all(_is_1x_form(form) for form in domain.forms.values()):
        forms = list(domain.forms)
    sections: list[tuple[str, Any]] = [
        ("intents", _named_list(domain.intents, lambda i: i.properties())),
        ("entities", _named_list(domain.entities, lambda e: e.properties())),
        ("slots", {name: _slot_1x(name, slot, entity_names) for name, slot in domain.slots.items()}),
        ("templates", domain.responses),
        ("actions", _actions(domain)),
        ("forms", forms),
        ("e2e_actions", domain.action_texts),
    ]
    if domain.session_config != SessionConfig():
        sections.append(("session_config", domain.session_config.as_dict()))
    if not domain.store_entities_as_slots:
        sections.append(("config", {"store_entities_as_slots": False}))
    return _render(sections)


def beyond_1x(domain: Domain) -> list[str]:
    """What in this domain a Rasa 1.x domain file cannot express."""
    notes = [
        f"slot '{name}': {reason}"
        for name, slot in domain.slots.items()
        for reason in _slot_1x_gaps(name, slot, domain.entity_names)
    ]
    notes += [f"form '{name}' lists its slots" for name, form in domain.forms.items() if not _is_1x_form(form)]
    notes += [f"entity '{name}' has roles or groups" for name, e in domain.entities.items() if e.roles or e.groups]
    return notes


def slot_spec(name: str, slot: Slot, domain: Domain, legacy: bool) -> dict[str, Any]:
    """One slot's definition in a file of the given style (used by the in-place editor too)."""
    return _slot_1x(name, slot, domain.entity_names) if legacy else slot.as_dict(name, domain.entity_names)


def form_spec(form: Form) -> dict[str, Any]:
    return _form_3x(form)


def _slot_1x(name: str, slot: Slot, entity_names: list[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": slot.custom_class or ("unfeaturized" if slot.type == "any" else slot.type)}
    if slot.influence_conversation != (slot.type != "any"):
        spec["influence_conversation"] = slot.influence_conversation
    if slot.initial_value is not None:
        spec["initial_value"] = slot.initial_value
    if slot.type == "categorical":
        spec["values"] = list(slot.values)
    if slot.type == "float" and (slot.min_value, slot.max_value) != (0.0, 1.0):
        spec["min_value"], spec["max_value"] = slot.min_value, slot.max_value
    mappings = slot.effective_mappings(name, entity_names)
    if mappings == [dict(CUSTOM_MAPPING)]:
        spec["auto_fill"] = False
    elif mappings != _auto_fill_mapping(name, entity_names):
        spec["mappings"] = mappings
    return spec


def _slot_1x_gaps(name: str, slot: Slot, entity_names: list[str]) -> list[str]:
    spec = _slot_1x(name, slot, entity_names)
    return [f"`{key}` is not 1.x" for key in ("influence_conversation", "mappings") if key in spec]


def _auto_fill_mapping(name: str, entity_names: list[str]) -> list[dict[str, Any]] | None:
    return [{"type": "from_entity", "entity": name}] if name in entity_names else None


def _is_1x_form(form: Form) -> bool:
    return form.required_slots is None and not form.ignored_intents


def _form_3x(form: Form) -> dict[str, Any]:
    """`name: {}` stands for a form whose slots its action decides (a 1.x FormAction)."""
    if form.required_slots is None:
        return {"ignored_intents": list(form.ignored_intents)} if form.ignored_intents else {}
    return form.as_dict()


def _named_list(items: dict[str, Any], properties) -> list[Any]:
    result: list[Any] = []
    for name, item in items.items():
        props = properties(item)
        result.append({name: props} if props else name)
    return result


def _actions(domain: Domain) -> list[Any]:
    return [{a: domain.action_options[a]} if a in domain.action_options else a for a in domain.actions]


def _render(sections: list[tuple[str, Any]]) -> str:
    """One block per section, blank lines between, empty sections left out."""
    blocks: list[str] = []
    for key, value in sections:
        if key == "version":
            blocks.append(f'version: "{value}"\n')
        elif value:
            blocks.append(dump_yaml({key: value}))
    return "\n".join(blocks)
