"""The parts of a domain: intents, entities, slots, forms and the session settings.

Plain dataclasses with the defaults Rasa applies, so that two domains that mean the same thing
compare equal however their files spelled it (1.x `unfeaturized`, 2.x form mappings, 3.x lists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Rasa 3's built-in actions, in Rasa's order (rasa/shared/core/constants.py DEFAULT_ACTION_NAMES,
# without the rule-snippet marker "...", which is not an action anyone can run or predict).
DEFAULT_ACTIONS = (
    "action_listen",
    "action_restart",
    "action_session_start",
    "action_default_fallback",
    "action_deactivate_loop",
    "action_revert_fallback_events",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "action_two_stage_fallback",
    "action_unlikely_intent",
    "action_back",
    "action_extract_slots",
)
RULE_SNIPPET_ACTION = "..."
# Rasa 1.x names of default actions that 2.x renamed; 1.x stories keep using the old name.
LEGACY_ACTIONS = {"action_deactivate_form": "action_deactivate_loop"}
NLU_FALLBACK_INTENT = "nlu_fallback"  # what NLU answers when unsure (Rasa's FallbackClassifier)
DEFAULT_INTENTS = ("restart", "back", "out_of_scope", "session_start", NLU_FALLBACK_INTENT)
REQUESTED_SLOT = "requested_slot"
SESSION_START_METADATA_SLOT = "session_started_metadata"

SLOT_TYPES = ("text", "bool", "categorical", "float", "list", "any")
MAPPING_TYPES = ("from_entity", "from_intent", "from_trigger_intent", "from_text", "custom")
RESPONSE_CONTENT_KEYS = ("text", "buttons", "image", "custom", "attachment")
CUSTOM_MAPPING = {"type": "custom"}


@dataclass
class Intent:
    """An intent and which entities the dialogue policies get to see with it."""

    use_entities: bool | list[str] = True
    ignore_entities: list[str] = field(default_factory=list)
    triggers: str | None = None  # 1.x MappingPolicy: this intent always runs that action
    is_retrieval: bool = False

    def uses_entity(self, entity: str) -> bool:
        if entity in self.ignore_entities:
            return False
        if isinstance(self.use_entities, list):
            return entity in self.use_entities
        return self.use_entities

    def properties(self) -> dict[str, Any]:
        """The keys a domain file writes under the intent's name (empty when all are defaults)."""
        props: dict[str, Any] = {}
        if self.use_entities is not True:
            props["use_entities"] = list(self.use_entities) if isinstance(self.use_entities, list) else False
        if self.ignore_entities:
            props["ignore_entities"] = list(self.ignore_entities)
        if self.triggers:
            props["triggers"] = self.triggers
        if self.is_retrieval:
            props["is_retrieval_intent"] = True
        return props


@dataclass
class Entity:
    roles: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    influence_conversation: bool = True

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        if self.roles:
            props["roles"] = list(self.roles)
        if self.groups:
            props["groups"] = list(self.groups)
        if not self.influence_conversation:
            props["influence_conversation"] = False
        return props


@dataclass
class Slot:
    """A slot. 3.x `mappings` are kept as written; a read domain gives 1.x/2.x slots theirs."""

    type: str = "text"
    initial_value: Any = None
    influence_conversation: bool = True
    values: list[Any] = field(default_factory=list)  # categorical
    min_value: float = 0.0  # float
    max_value: float = 1.0
    mappings: list[dict[str, Any]] = field(default_factory=list)
    custom_class: str | None = None  # a slot class path botcoach cannot run; handled as `any`
    # `auto_fill` as a 1.x/2.x file wrote it. Its meaning lives in `mappings` once a domain is
    # read (an own-name from_entity mapping, or `custom`), so it takes no part in equality.
    auto_fill: bool = field(default=True, compare=False)

    @property
    def featurized(self) -> bool:
        return self.influence_conversation and self.type != "any"

    def as_dict(self, name: str, entity_names: list[str] | None = None) -> dict[str, Any]:
        """The 3.x definition; with `entity_names`, an empty mapping list becomes its 3.x meaning."""
        spec: dict[str, Any] = {"type": self.custom_class or self.type}
        if self.initial_value is not None:
            spec["initial_value"] = self.initial_value
        spec["influence_conversation"] = self.influence_conversation
        if self.type == "categorical":
            spec["values"] = list(self.values)
        if self.type == "float":
            spec["min_value"] = self.min_value
            spec["max_value"] = self.max_value
        if self.mappings or entity_names is not None:
            spec["mappings"] = self.effective_mappings(name, entity_names or [])
        return spec

    def effective_mappings(self, name: str, entity_names: list[str]) -> list[dict[str, Any]]:
        """What fills this slot in Rasa 3 terms: as written, else 1.x auto-fill by its own entity."""
        if self.mappings:
            return [dict(m) for m in self.mappings]
        if self.auto_fill and name in entity_names:
            return [{"type": "from_entity", "entity": name}]
        return [dict(CUSTOM_MAPPING)]


def unfeaturized_slot() -> Slot:
    """The slot Rasa adds for its own bookkeeping (requested_slot, session_started_metadata)."""
    return Slot(type="any", influence_conversation=False, mappings=[dict(CUSTOM_MAPPING)])


@dataclass
class Form:
    """A form. `required_slots` is None for a 1.x FormAction, whose Python code decides."""

    required_slots: list[str] | None = field(default_factory=list)
    ignored_intents: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if self.ignored_intents:
            spec["ignored_intents"] = list(self.ignored_intents)
        spec["required_slots"] = list(self.required_slots or [])
        return spec


@dataclass
class SessionConfig:
    session_expiration_time: float = 60
    carry_over_slots_to_new_session: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_expiration_time": self.session_expiration_time,
            "carry_over_slots_to_new_session": self.carry_over_slots_to_new_session,
        }

    def is_default(self) -> bool:
        return self == SessionConfig()
