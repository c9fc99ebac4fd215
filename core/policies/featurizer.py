"""Dialogue states -> tensors, kept apart from the model as in Rasa's policy/featurizer split.

A state (see states.py) is turned into named features:

    present                    1 for every real state (an all-zero row is padding)
    intent:<name>              the user's intent (user_text:<text> for an end-to-end message)
    entity:<name>[#role]       each entity the policy may see (role/group variants as Rasa names them)
    slot:<name>:<i>            the i-th float of a slot's featurization (states.slot_features)
    action:<name>              the previous action, or text:<bot text> for an end-to-end bot turn
    loop:<name>                the active loop

The vocabulary (feature name -> column, action name -> row of the action table) starts from the
domain and only ever grows, so a model trained on it can be fine-tuned after the app invents new
intents or actions; indices of known names never move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch

from core.domain import Domain
from core.policies.states import slot_features

State = Mapping[str, Any]
PRESENT = "present"


def state_features(state: State) -> list[tuple[str, float]]:
    """The named features of one state, with their values (0.0 entries are left out)."""
    features: list[tuple[str, float]] = [(PRESENT, 1.0)]
    user = state.get("user")
    if user:
        if user.get("intent"):
            features.append((f"intent:{user['intent']}", 1.0))
        if user.get("text"):
            features.append((f"user_text:{user['text']}", 1.0))
        features.extend((f"entity:{entity}", 1.0) for entity in user.get("entities", ()))
    action = state.get("prev_action")
    if action:
        if action.get("action_name"):
            features.append((f"action:{action['action_name']}", 1.0))
        elif action.get("action_text"):
            features.append((f"text:{action['action_text']}", 1.0))
    loop = state.get("active_loop")
    if loop and loop.get("name"):
        features.append((f"loop:{loop['name']}", 1.0))
    for slot, values in (state.get("slots") or {}).items():
        if isinstance(values, str):  # a marker such as "should_not_be_set" (rule conditions)
            features.append((f"slot:{slot}:{values}", 1.0))
        else:
            features.extend((f"slot:{slot}:{i}", float(v)) for i, v in enumerate(values) if v)
    return features


def domain_feature_names(domain: Domain) -> list[str]:
    """Every feature name the domain declares."""
    names = [PRESENT]
    names += [f"intent:{intent}" for intent in domain.all_intent_names]
    for entity in domain.entity_names:
        names.append(f"entity:{entity}")
        names += [f"entity:{entity}#{role}" for role in domain.entity_roles.get(entity, [])]
        names += [f"entity:{entity}#{group}" for group in domain.entity_groups.get(entity, [])]
    for slot_name, slot in domain.all_slots.items():
        names += [f"slot:{slot_name}:{i}" for i in range(len(slot_features(slot, None)))]
    names += [f"action:{action}" for action in domain.action_names]
    names += [f"text:{text}" for text in domain.action_texts]
    names += [f"loop:{form}" for form in domain.form_names]
    return names


class StateFeaturizer:
    """A growing vocabulary of state features and of actions."""

    def __init__(self, features: Sequence[str] = (), actions: Sequence[str] = ()):
        self.features: dict[str, int] = {}
        self.actions: dict[str, int] = {}
        self.add_features(features)
        self.add_actions(actions)

    @classmethod
    def from_domain(cls, domain: Domain) -> StateFeaturizer:
        return cls(domain_feature_names(domain), domain.action_names_or_texts)

    # -- growing --------------------------------------------------------------------------------
    def add_features(self, names: Iterable[str]) -> None:
        for name in names:
            self.features.setdefault(name, len(self.features))

    def add_actions(self, names: Iterable[str]) -> None:
        for name in names:
            self.actions.setdefault(name, len(self.actions))

    def add_domain(self, domain: Domain) -> None:
        self.add_features(domain_feature_names(domain))
        self.add_actions(domain.action_names_or_texts)

    def add_states(self, states: Iterable[State]) -> None:
        for state in states:
            self.add_features(name for name, _ in state_features(state))

    # -- encoding -------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return len(self.features)

    @property
    def n_actions(self) -> int:
        return len(self.actions)

    def encode(self, state: State) -> tuple[tuple[int, float], ...]:
        """(column, value) pairs of the known features of `state`, sorted: also a hashable key.

        Values are rounded to what a float32 tensor keeps, so a key survives a save and load.
        """
        known = self.features
        return tuple(sorted((known[name], round(value, 6)) for name, value in state_features(state) if name in known))

    def window(self, encoded: Sequence[Sequence[tuple[int, float]]], max_history: int) -> torch.Tensor:
        """One (max_history, n_features) tensor: the last states, newest last, zero rows before."""
        x = torch.zeros(max_history, self.n_features)
        recent = list(encoded)[-max_history:]
        offset = max_history - len(recent)
        for row, pairs in enumerate(recent, start=offset):
            for column, value in pairs:
                x[row, column] = value
        return x

    def matrix(self, encoded: Sequence[Sequence[tuple[int, float]]]) -> torch.Tensor:
        """(len(encoded), n_features): one row per distinct state, used to batch windows by index."""
        x = torch.zeros(len(encoded), self.n_features)
        for row, pairs in enumerate(encoded):
            for column, value in pairs:
                x[row, column] = value
        return x

    # -- saving ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, list[str]]:
        return {"features": list(self.features), "actions": list(self.actions)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[str]]) -> StateFeaturizer:
        return cls(data["features"], data["actions"])
