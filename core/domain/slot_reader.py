"""Reading slots, slot mappings and forms in all their Rasa 1.x, 2.x and 3.x spellings."""

from __future__ import annotations

from typing import Any

from core.domain.checks import FileContext, kind_of
from core.domain.items import MAPPING_TYPES, SLOT_TYPES, Form, Slot
from core.yamlio import to_plain

# Rasa slot classes by their class name (1.x `rasa.core.slots.X`, 2.x/3.x `rasa.shared.core.slots.X`).
_SLOT_CLASSES = {
    "TextSlot": "text",
    "BooleanSlot": "bool",
    "CategoricalSlot": "categorical",
    "FloatSlot": "float",
    "ListSlot": "list",
    "AnySlot": "any",
    "UnfeaturizedSlot": "unfeaturized",
}
_SLOT_KEYS = {
    "type",
    "initial_value",
    "influence_conversation",
    "values",
    "min_value",
    "max_value",
    "mappings",
    "auto_fill",
}
_TYPES_HINT = "use one of: " + ", ".join(SLOT_TYPES) + " (1.x also: unfeaturized)"


def read_slots(ctx: FileContext, data: dict) -> dict[str, Slot]:
    section = ctx.mapping(data, "slots", "`slots`", "write each slot as `name:` with an indented `type:`")
    slots: dict[str, Slot] = {}
    for name, spec in section.items():
        if not isinstance(spec, dict):
            raise ctx.fail(
                f"slot '{name}' must be a mapping with a `type`, not {kind_of(spec)}",
                section,
                name,
                "indent `type: text` (or another type) under the slot name",
            )
        slots[str(name)] = _read_slot(ctx, str(name), spec, section)
        ctx.remember("slots", str(name), section, name)
    return slots


def _read_slot(ctx: FileContext, name: str, spec: dict, parent: dict) -> Slot:
    for key in spec:
        if key not in _SLOT_KEYS:
            ctx.warn(f"slot '{name}': unknown key '{key}' ignored", spec, key)
    kind, custom_class = _slot_type(ctx, name, spec, parent)
    slot = Slot(type="any" if kind == "unfeaturized" else kind, custom_class=custom_class)
    slot.influence_conversation = ctx.boolean(
        spec, "influence_conversation", f"slot '{name}': influence_conversation", slot.type != "any"
    )
    if slot.influence_conversation and slot.type == "any" and custom_class is None:
        raise ctx.fail(
            f"slot '{name}' of type {kind} cannot influence the conversation",
            spec,
            "influence_conversation",
            "remove `influence_conversation: true` or use another slot type",
        )
    slot.initial_value = to_plain(spec.get("initial_value"))
    if slot.type == "categorical":
        slot.values = to_plain(ctx.sequence(spec, "values", f"slot '{name}': values", "list the values"))
        if not slot.values:
            raise ctx.fail(
                f"categorical slot '{name}' has no values",
                spec,
                "values" if "values" in spec else "type",
                "add `values:` with one `- value` line per category",
            )
    if slot.type == "float":
        slot.min_value = ctx.number(spec, "min_value", f"slot '{name}': min_value", 0.0)
        slot.max_value = ctx.number(spec, "max_value", f"slot '{name}': max_value", 1.0)
        if slot.min_value > slot.max_value:
            raise ctx.fail(
                f"float slot '{name}' has min_value {slot.min_value} above max_value {slot.max_value}",
                spec,
                "min_value",
                "swap the two values",
            )
    slot.mappings = read_mappings(ctx, spec, "mappings", f"slot '{name}'")
    slot.auto_fill = ctx.boolean(spec, "auto_fill", f"slot '{name}': auto_fill", True)
    return slot


def resolve_auto_fill(slots: dict[str, Slot], entity_names: list[str]) -> None:
    """Give slots without mappings what Rasa 1.x/2.x did with them, as 3.x mappings."""
    for name, slot in slots.items():
        if not slot.mappings:
            slot.mappings = slot.effective_mappings(name, entity_names)


def _slot_type(ctx: FileContext, name: str, spec: dict, parent: dict) -> tuple[str, str | None]:
    """The slot's type (`unfeaturized` kept for the caller) and a custom class path, if any."""
    raw = spec.get("type")
    if raw is None:
        raise ctx.fail(f"slot '{name}' has no type", parent, name, "add `type: text`; " + _TYPES_HINT)
    if not isinstance(raw, str):
        raise ctx.fail(f"slot '{name}' has the type {to_plain(raw)!r}", spec, "type", _TYPES_HINT)
    if raw in SLOT_TYPES or raw == "unfeaturized":
        return str(raw), None
    if "." in raw:
        class_name = raw.rsplit(".", 1)[1]
        if class_name in _SLOT_CLASSES:
            ctx.warn(f"slot '{name}': class path '{raw}' read as type {_SLOT_CLASSES[class_name]}", spec, "type")
            return _SLOT_CLASSES[class_name], None
        ctx.warn(
            f"slot '{name}': custom slot class '{raw}' cannot run here; it is kept as an unfeaturized `any` slot",
            spec,
            "type",
        )
        return "any", str(raw)
    raise ctx.fail(f"slot '{name}' has the unknown type '{raw}'", spec, "type", _TYPES_HINT)


def read_mappings(ctx: FileContext, node: Any, key: Any, owner: str) -> list[dict[str, Any]]:
    """A list of slot mappings, each checked for a known type and the keys that type needs."""
    items = ctx.sequence(node, key, f"{owner}: mappings", "write one `- type: from_entity` mapping per item")
    for index, mapping in enumerate(items):
        if not isinstance(mapping, dict):
            raise ctx.fail(
                f"{owner}: a mapping must be a mapping with a `type`, not {kind_of(mapping)}",
                items,
                index,
                "write `- type: from_entity` and its keys on the following lines",
            )
        kind = mapping.get("type")
        if kind not in MAPPING_TYPES:
            raise ctx.fail(
                f"{owner}: unknown mapping type {to_plain(kind)!r}",
                mapping,
                "type" if "type" in mapping else None,
                "use one of: " + ", ".join(MAPPING_TYPES),
            )
        if kind == "from_entity" and not isinstance(mapping.get("entity"), str):
            raise ctx.fail(
                f"{owner}: a from_entity mapping needs an `entity`",
                mapping,
                "type",
                "add `entity: <entity name>`",
            )
        if kind in ("from_intent", "from_trigger_intent") and "value" not in mapping:
            raise ctx.fail(
                f"{owner}: a {kind} mapping needs a `value`",
                mapping,
                "type",
                "add `value: <what the slot is set to>`",
            )
        conditions = ctx.sequence(mapping, "conditions", f"{owner}: conditions", "write `- active_loop: form_name`")
        for c_index, condition in enumerate(conditions):
            if not isinstance(condition, dict):
                raise ctx.fail(
                    f"{owner}: a condition must be a mapping, not {kind_of(condition)}",
                    conditions,
                    c_index,
                    "write `- active_loop: form_name` with an optional `requested_slot:` below it",
                )
    return to_plain(items)


def read_forms(ctx: FileContext, data: dict, slots: dict[str, Slot], entities: list[str]) -> dict[str, Form]:
    raw = data.get("forms")
    if raw is None:
        return {}
    if isinstance(raw, list):  # 1.x: FormAction classes on the action server decide the slots
        names = ctx.names(data, "forms", "`forms`")
        for index, name in enumerate(names):
            ctx.remember("forms", name, raw, index)
        return {name: Form(required_slots=None) for name in names}
    section = ctx.mapping(data, "forms", "`forms`", "write each form as `name:` with `required_slots:`")
    forms: dict[str, Form] = {}
    for name, spec in section.items():
        ctx.remember("forms", str(name), section, name)
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise ctx.fail(
                f"form '{name}' must be a mapping with `required_slots`, not {kind_of(spec)}",
                section,
                name,
                "indent `required_slots:` and a list of slot names under the form name",
            )
        forms[str(name)] = _read_form(ctx, str(name), spec, slots, entities)
    return forms


def _read_form(ctx: FileContext, name: str, spec: dict, slots: dict[str, Slot], entities: list[str]) -> Form:
    ignored = ctx.names(spec, "ignored_intents", f"form '{name}': ignored_intents")
    if "required_slots" in spec:
        required = spec["required_slots"]
        if isinstance(required, dict):  # 2.x: slot -> mappings
            return Form(_attach_form_mappings(ctx, name, required, slots, entities), ignored)
        return Form(ctx.names(spec, "required_slots", f"form '{name}': required_slots"), ignored)
    legacy = {k: v for k, v in spec.items() if k != "ignored_intents"}  # 2.0: slot names as keys
    if not legacy:  # nothing listed: the form's validation action decides, as in 1.x
        return Form(None, ignored)
    return Form(_attach_form_mappings(ctx, name, spec, slots, entities, skip={"ignored_intents"}), ignored)


def _attach_form_mappings(
    ctx: FileContext,
    form: str,
    required: dict,
    slots: dict[str, Slot],
    entities: list[str],
    skip: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """2.x forms gave each slot's mappings in the form; 3.x keeps them on the slot, with conditions."""
    names: list[str] = []
    for key in required:
        if key in skip:
            continue
        slot_name = str(key)
        mappings = read_mappings(ctx, required, key, f"form '{form}', slot '{slot_name}'")
        slot = slots.get(slot_name)
        if slot is None:
            raise ctx.fail(
                f"form '{form}' requires the slot '{slot_name}', which is not declared under `slots:`",
                required,
                key,
                f"declare `{slot_name}:` with a `type:` under `slots:` in this file",
            )
        if not slot.mappings and slot.auto_fill and slot_name in entities:
            slot.mappings.append({"type": "from_entity", "entity": slot_name})  # 2.x auto-fill
        for mapping in mappings:
            condition = {"active_loop": form}
            if mapping["type"] != "from_entity":
                condition["requested_slot"] = slot_name
            mapping.setdefault("conditions", [condition])
            if mapping not in slot.mappings:
                slot.mappings.append(mapping)
        names.append(slot_name)
    return names
