"""Plugs the forms package into core's action registry; the composition root (CLI, app) calls
`register_forms` once per agent, so core never imports forms."""

from __future__ import annotations

from core.domain import Domain
from core.errors import ActionServerError
from core.runtime.actions import Action
from core.runtime.agent import ACTION_EXTRACT_SLOTS, Agent
from core.runtime.endpoints import EndpointConfig
from core.runtime.registry import ActionRegistry
from forms.extraction import FormAwareExtractSlots
from forms.legacy import LegacyFormAction
from forms.loop import FormLoopAction, validation_action_name


def is_legacy_form(domain: Domain, name: str) -> bool:
    """A 1.x FormAction: no required slots in the domain and no `validate_<form>` to decide them
    (a 2/3 form without required slots leaves them to its validation action)."""
    form = domain.forms.get(name)
    return form is not None and form.required_slots is None and validation_action_name(name) not in domain.actions


def register_forms(
    agent_or_registry: Agent | ActionRegistry,
    domain: Domain | None = None,
    endpoint: EndpointConfig | None = None,
) -> ActionRegistry:
    """Every form of the domain runs as a form loop (or, for 1.x forms, as the remote FormAction
    at `endpoint`, by default the registry's action endpoint), and slot extraction knows about
    forms. A custom action of the same name listed in the domain still wins, as in Rasa."""
    registry = agent_or_registry.registry if isinstance(agent_or_registry, Agent) else agent_or_registry
    domain = domain or registry.domain

    def form_action(name: str, current: Domain) -> Action | None:
        if name not in domain.forms or name in current.actions:
            return None
        if not is_legacy_form(domain, name):
            return FormLoopAction(name)
        remote = endpoint or registry.action_endpoint
        if remote is None:
            raise ActionServerError(
                f"'{name}' is a Rasa 1.x form: its FormAction runs on the action server, and none is configured",
                hint='add to endpoints.yml:\naction_endpoint:\n  url: "http://localhost:5055/webhook"\n'
                "and start the server with `botcoach run actions`",
            )
        return LegacyFormAction(name, remote)

    if ACTION_EXTRACT_SLOTS not in domain.actions:
        registry.register(ACTION_EXTRACT_SLOTS, FormAwareExtractSlots)
    registry.add_resolver(form_action)
    return registry
