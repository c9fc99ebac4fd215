"""The Domain: everything a bot knows about (intents, entities, slots, responses, actions, forms).

What is stored is what the files declare; what Rasa adds on top (default actions and intents,
`requested_slot` for forms, `session_started_metadata`) is derived, so that writing a domain back
never adds lines the user did not write.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from core.domain.items import (
    CUSTOM_MAPPING,
    DEFAULT_ACTIONS,
    DEFAULT_INTENTS,
    REQUESTED_SLOT,
    SESSION_START_METADATA_SLOT,
    Entity,
    Form,
    Intent,
    SessionConfig,
    Slot,
    unfeaturized_slot,
)
from core.errors import Location

if TYPE_CHECKING:
    from core.training_data.nlu_model import NLUData

_KIND_NAMES = {
    "intents": "intent",
    "entities": "entity",
    "slots": "slot",
    "responses": "response",
    "forms": "form",
    "action_options": "action",
}
RESPONSE_ID_DELIMITER = "/"  # utter_faq/ask_name: one response of the retrieval action utter_faq


@dataclass
class Domain:
    intents: dict[str, Intent] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    slots: dict[str, Slot] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    forms: dict[str, Form] = field(default_factory=dict)
    session_config: SessionConfig = field(default_factory=SessionConfig)
    action_texts: list[str] = field(default_factory=list)  # e2e bot utterances (`e2e_actions:`)
    store_entities_as_slots: bool = True
    action_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # `- act: {send_domain: true}`
    # Not part of what the domain means: where it came from and what looked odd on the way.
    version: str | None = field(default=None, compare=False)
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)
    sources: dict[tuple[str, str], Location] = field(default_factory=dict, compare=False, repr=False)

    # ----- names -------------------------------------------------------------------------------
    @property
    def intent_names(self) -> list[str]:
        return list(self.intents)

    @property
    def all_intent_names(self) -> list[str]:
        """Declared intents, then Rasa's default intents (restart, back, ...) not declared."""
        return self.intent_names + [i for i in DEFAULT_INTENTS if i not in self.intents]

    @property
    def entity_names(self) -> list[str]:
        return list(self.entities)

    @property
    def entity_roles(self) -> dict[str, list[str]]:
        return {name: list(e.roles) for name, e in self.entities.items() if e.roles}

    @property
    def entity_groups(self) -> dict[str, list[str]]:
        return {name: list(e.groups) for name, e in self.entities.items() if e.groups}

    @property
    def form_names(self) -> list[str]:
        return list(self.forms)

    @property
    def utterance_actions(self) -> list[str]:
        """Response names that are actions: `utter_*`, and `utter_faq` for `utter_faq/ask_name`."""
        names: list[str] = []
        for name in self.responses:
            action = name.split(RESPONSE_ID_DELIMITER, 1)[0]
            if action.startswith("utter_") and action not in names:
                names.append(action)
        return names

    @property
    def action_names(self) -> list[str]:
        """Every action the policies rank: defaults, custom actions, responses, forms."""
        return _unique([*DEFAULT_ACTIONS, *self.actions, *self.utterance_actions, *self.forms])

    @property
    def action_names_or_texts(self) -> list[str]:
        return _unique([*self.action_names, *self.action_texts])

    @property
    def custom_actions(self) -> list[str]:
        """Actions an action server runs: declared actions that are neither responses nor defaults."""
        known = set(DEFAULT_ACTIONS) | set(self.utterance_actions)
        return [a for a in self.actions if a not in known]

    # ----- slots -------------------------------------------------------------------------------
    @property
    def all_slots(self) -> dict[str, Slot]:
        """Declared slots plus those Rasa adds: `requested_slot` (with forms), session metadata."""
        slots = dict(self.slots)
        if self.forms and REQUESTED_SLOT not in slots:
            slots[REQUESTED_SLOT] = unfeaturized_slot()
        if SESSION_START_METADATA_SLOT not in slots:
            slots[SESSION_START_METADATA_SLOT] = unfeaturized_slot()
        return slots

    @property
    def slot_names(self) -> list[str]:
        return list(self.all_slots)

    def slot_defaults(self) -> dict[str, Any]:
        return {name: slot.initial_value for name, slot in self.all_slots.items()}

    def slot_mappings(self, name: str) -> list[dict[str, Any]]:
        """How `name` gets filled, in 3.x terms (1.x auto-fill becomes a from_entity mapping)."""
        slot = self.all_slots.get(name)
        return slot.effective_mappings(name, self.entity_names) if slot else []

    def slots_for_entities(self, entities: list[dict[str, Any]]) -> dict[str, Any]:
        """The slots a user turn's entities set while Rasa builds training trackers: every slot
        with a from_entity mapping that no form conditions (2.x auto-fill: the entity of the
        slot's own name), whatever the intent; a list slot takes all the values, others the last."""
        if not self.store_entities_as_slots or not entities:
            return {}
        values: dict[str, Any] = {}
        for name, slot in self.all_slots.items():
            found = [
                entity.get("value")
                for mapping in self.slot_mappings(name)
                if mapping.get("type") == "from_entity" and not _names_a_loop(mapping.get("conditions"))
                for entity in entities
                if all(entity.get(key) == mapping.get(key) for key in ("entity", "role", "group"))
            ]
            if found:
                values[name] = found if slot.type == "list" else found[-1]
        return values

    # ----- intents -----------------------------------------------------------------------------
    def is_retrieval_intent(self, name: str) -> bool:
        intent = self.intents.get(name)
        if intent is not None and intent.is_retrieval:
            return True
        prefix = f"utter_{name}{RESPONSE_ID_DELIMITER}"
        return intent is not None and any(r.startswith(prefix) for r in self.responses)

    @property
    def retrieval_intents(self) -> list[str]:
        return [name for name in self.intents if self.is_retrieval_intent(name)]

    # ----- combining and exporting -------------------------------------------------------------
    def with_nlu_responses(self, nlu: NLUData) -> Domain:
        """The domain as Rasa sees a project's: responses kept in NLU data files (retrieval
        responses such as `utter_faq/ask_name`) join it, and so does each retrieval intent of the
        NLU examples (`faq` for `faq/ask_name`); its `utter_faq` action follows from the responses."""
        retrieval = {e.intent.split(RESPONSE_ID_DELIMITER, 1)[0] for e in nlu.examples if e.intent and "/" in e.intent}
        if not nlu.responses and not retrieval - set(self.intents):
            return self
        extra = Domain(
            intents={name: Intent(is_retrieval=True) for name in sorted(retrieval - set(self.intents))},
            responses={name: [dict(v) for v in variations] for name, variations in nlu.responses.items()},
            sources={("responses", name): where for name, where in nlu.response_sources.items()},
        )
        return self.merge(extra)

    def merge(self, other: Domain) -> Domain:
        """A new domain with `other`'s definitions added; on a clash the first one stays."""
        merged = replace(
            self,
            intents=dict(self.intents),
            entities=dict(self.entities),
            slots=dict(self.slots),
            responses=dict(self.responses),
            actions=list(self.actions),
            forms=dict(self.forms),
            action_texts=list(self.action_texts),
            action_options=dict(self.action_options),
            warnings=[*self.warnings, *other.warnings],
            sources=dict(self.sources),
        )
        for kind in ("intents", "entities", "slots", "responses", "forms", "action_options"):
            mine, theirs = getattr(merged, kind), getattr(other, kind)
            for name, definition in theirs.items():
                if name not in mine:
                    mine[name] = definition
                    merged._take_source(other, kind, name)
                elif mine[name] != definition:
                    merged.warnings.append(
                        f"{other.sources.get((kind, name), Location())}: {_KIND_NAMES[kind]} '{name}' is "
                        f"defined again differently; the definition at "
                        f"{merged.sources.get((kind, name), Location())} is kept"
                    )
        merged.actions = _unique([*merged.actions, *other.actions])
        merged.action_texts = _unique([*merged.action_texts, *other.action_texts])
        for setting in ("session_config", "store_entities_as_slots"):
            if ("settings", setting) not in merged.sources and ("settings", setting) in other.sources:
                setattr(merged, setting, getattr(other, setting))
                merged._take_source(other, "settings", setting)
        merged.version = self.version or other.version
        return merged

    def _take_source(self, other: Domain, kind: str, name: str) -> None:
        if (kind, name) in other.sources:
            self.sources[(kind, name)] = other.sources[(kind, name)]

    def as_rasa_dict(self) -> dict[str, Any]:
        """The JSON-able 3.x domain that Rasa sends to an action server under "domain"."""
        slots = {name: slot.as_dict(name, self.entity_names) for name, slot in self.slots.items()}
        if self.forms and REQUESTED_SLOT not in slots:
            slots[REQUESTED_SLOT] = {"type": "any", "mappings": [dict(CUSTOM_MAPPING)]}
        data: dict[str, Any] = {
            "version": "3.1",
            "intents": [_named(name, i.properties()) for name, i in self.intents.items()],
            "entities": [_named(name, e.properties()) for name, e in self.entities.items()],
            "slots": slots,
            "forms": {name: form.as_dict() for name, form in self.forms.items()},
            "responses": {name: [dict(v) for v in vs] for name, vs in self.responses.items()},
            "actions": list(self.actions),
            "session_config": self.session_config.as_dict(),
            "config": {"store_entities_as_slots": self.store_entities_as_slots},
        }
        if self.action_texts:
            data["e2e_actions"] = list(self.action_texts)
        return data


def _names_a_loop(conditions: Any) -> bool:
    """Whether a mapping's conditions tie it to a form (Rasa looks at the first condition)."""
    return bool(conditions) and isinstance(conditions[0], dict) and conditions[0].get("active_loop") is not None


def _named(name: str, properties: dict[str, Any]) -> str | dict[str, Any]:
    return {name: properties} if properties else name


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
