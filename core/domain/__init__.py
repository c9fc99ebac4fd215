"""The domain of a bot: model, reading (Rasa 1.x/2.x/3.x), writing and in-place editing."""

from core.domain.editor import DomainEditor
from core.domain.items import (
    DEFAULT_ACTIONS,
    DEFAULT_INTENTS,
    LEGACY_ACTIONS,
    REQUESTED_SLOT,
    RULE_SNIPPET_ACTION,
    SESSION_START_METADATA_SLOT,
    SLOT_TYPES,
    Entity,
    Form,
    Intent,
    SessionConfig,
    Slot,
)
from core.domain.model import Domain
from core.domain.reader import load_domain, read_domain
from core.domain.writer import write_domain, write_domain_1x

__all__ = [
    "DEFAULT_ACTIONS",
    "DEFAULT_INTENTS",
    "LEGACY_ACTIONS",
    "REQUESTED_SLOT",
    "RULE_SNIPPET_ACTION",
    "SESSION_START_METADATA_SLOT",
    "SLOT_TYPES",
    "Domain",
    "DomainEditor",
    "Entity",
    "Form",
    "Intent",
    "SessionConfig",
    "Slot",
    "load_domain",
    "read_domain",
    "write_domain",
    "write_domain_1x",
]
