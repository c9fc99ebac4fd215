"""How a small bot's two intent models vote: the linear classifier and each intent's nearest
training example (core/nlu/nearest_examples.py).

Each member's probabilities are sharpened (raised to VOTE_POWER, then normalised again) before
their weighted average. Trained on a few dozen examples per intent, both members spread their
probability too thinly: on messages they rank right, the vote came out under the FallbackClassifier
threshold of 0.7 that Rasa's helpdesk-assistant sets, and it answered `nlu_fallback` to what it
had understood.
Sharpening keeps each member's ranking and only moves its confidence. The power is the one with
the lowest cross-validated log-loss on six small bots' NLU data, `python -m bench.vote_power`.
"""

from __future__ import annotations

import torch

from core.nlu.nearest_examples import NEAREST_VOTE

VOTE_POWER = 1.375


def sharpened(probabilities: torch.Tensor, power: float) -> torch.Tensor:
    """`probabilities ** power` normalised over the last axis (power 1: unchanged)."""
    raised = probabilities.clamp(min=0.0) ** power
    return raised / raised.sum(-1, keepdim=True).clamp(min=1e-30)


def vote(classifier: torch.Tensor, nearest: torch.Tensor, power: float = VOTE_POWER) -> torch.Tensor:
    """The intent probabilities of a small bot from its members' (..., intents) probabilities."""
    return (1.0 - NEAREST_VOTE) * sharpened(classifier, power) + NEAREST_VOTE * sharpened(nearest, power)
