"""The linear intent classifier of small bots: a linear model on TF-IDF sentence n-grams.

On a bot with a few dozen examples per intent, a BiLSTM memorises the training sentences and
guesses on paraphrases; a linear model over shared word and character n-grams generalises
(Rasa's CountVectors + DIET behave the same way on small bots). It votes with each intent's
nearest training example (core/nlu/nearest_examples.py). It trains in seconds, and its weight
table grows with the vocabulary, so `Interpreter.update` stays cheap. (Large data has the
sentence network instead, core/nlu/sentence_network.py; models saved before it existed
still answer with this classifier there.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.nlu.sentence_features import SentenceVocabulary
from core.optim import AdamW

STEPS = 100  # full-batch steps; few on purpose: early stopping keeps paraphrase confidence honest
LEARNING_RATE = 0.02
UPDATE_STEPS = 60  # at most, in an online update...
MIN_UPDATE_STEPS = 20  # ...and at least (a taught phrase just over the line would be fragile)
CHECK_EVERY = 10

SparseBatch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # ids, offsets, weights
Vector = tuple[np.ndarray, np.ndarray]  # one message's feature ids and weights


def stack(vectors: list[Vector]) -> SparseBatch:
    """Messages' (ids, weights) as EmbeddingBag inputs."""
    counts = np.array([len(ids) for ids, _ in vectors], dtype=np.int64)
    offsets = np.zeros(len(vectors), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    ids = np.concatenate([ids for ids, _ in vectors]) if vectors else np.zeros(0, dtype=np.int64)
    weights = np.concatenate([w for _, w in vectors]) if vectors else np.zeros(0, dtype=np.float32)
    return torch.from_numpy(ids), torch.from_numpy(offsets), torch.from_numpy(weights)


def sparse_batch(vocabulary: SentenceVocabulary, messages: list[list[str]]) -> SparseBatch:
    return stack([vocabulary.vector(words) for words in messages])


def class_weights(labels: torch.Tensor, n_intents: int) -> torch.Tensor:
    """Balanced classes: each intent weighs as much in the loss, whatever its number of
    examples, so an intent with many (inform) does not win every unsure message; intents
    without examples weigh 0 (labels -100 are no intent)."""
    counts = torch.bincount(labels[labels >= 0], minlength=n_intents).float()
    return torch.where(counts > 0, counts.sum() / (counts.clamp(min=1) * (counts > 0).sum()), 0.0)


class SparseIntentClassifier(nn.Module):
    """logits = W x + b for a sparse, L2-normalised sentence vector x."""

    def __init__(self, n_features: int, n_intents: int):
        super().__init__()
        self.weight = nn.EmbeddingBag(max(1, n_features), n_intents, mode="sum")
        self.bias = nn.Parameter(torch.zeros(n_intents))
        nn.init.zeros_(self.weight.weight)

    def forward(self, batch: SparseBatch) -> torch.Tensor:
        ids, offsets, weights = batch
        return self.weight(ids, offsets, per_sample_weights=weights) + self.bias

    def grown(self, n_features: int, n_intents: int) -> SparseIntentClassifier:
        """A copy with room for more features/intents; new rows and columns start at zero."""
        old = self.weight.weight.detach()
        bigger = SparseIntentClassifier(max(n_features, old.shape[0]), max(n_intents, old.shape[1]))
        with torch.no_grad():
            bigger.weight.weight[: old.shape[0], : old.shape[1]] = old
            bigger.bias[: self.bias.shape[0]] = self.bias.detach()
            bigger.bias[self.bias.shape[0] :] = self.bias.detach().mean()
        return bigger


def fit(
    model: SparseIntentClassifier,
    vectors: list[Vector],
    labels: torch.Tensor,
    *,
    steps: int = STEPS,
    learned: Callable[[], bool] | None = None,
) -> list[float]:
    """Full-batch Adam on the labelled messages (label -100: no intent, skipped) for `steps`
    steps, or fewer once `learned()` holds (asked every `CHECK_EVERY` steps, from
    `MIN_UPDATE_STEPS` on); the loss per step."""
    weight = class_weights(labels, model.bias.shape[0])
    batch = stack(vectors)
    optimizer = AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.0)
    model.train()
    losses = []
    for step in range(1, steps + 1):
        loss = F.cross_entropy(model(batch), labels, weight=weight, ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if learned is not None and step >= MIN_UPDATE_STEPS and step % CHECK_EVERY == 0:
            model.eval()
            if learned():
                break
            model.train()
    model.eval()
    return losses
