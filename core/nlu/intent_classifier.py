"""The small-data intent classifier: a linear model on TF-IDF sentence n-grams, trained full-batch.

On a bot with a few dozen examples per intent, a BiLSTM memorises the training sentences and
guesses on paraphrases; a linear model over shared word and character n-grams generalises
(Rasa's CountVectors + DIET behave the same way on small bots). It trains in a fraction of a
second, and its weight table grows with the vocabulary, so `Interpreter.update` stays cheap.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.nlu.sentence_features import SentenceVocabulary

STEPS = 100  # full-batch steps; few on purpose: early stopping keeps paraphrase confidence honest
LEARNING_RATE = 0.02
UPDATE_STEPS = 60

SparseBatch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # ids, offsets, weights


def sparse_batch(vocabulary: SentenceVocabulary, messages: list[list[str]]) -> SparseBatch:
    """Stack the messages' (ids, weights) into EmbeddingBag inputs."""
    vectors = [vocabulary.vector(words) for words in messages]
    counts = np.array([len(ids) for ids, _ in vectors], dtype=np.int64)
    offsets = np.zeros(len(vectors), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    ids = np.concatenate([ids for ids, _ in vectors]) if vectors else np.zeros(0, dtype=np.int64)
    weights = np.concatenate([w for _, w in vectors]) if vectors else np.zeros(0, dtype=np.float32)
    return torch.from_numpy(ids), torch.from_numpy(offsets), torch.from_numpy(weights)


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
            bigger.bias[self.bias.shape[0]:] = self.bias.detach().mean()
        return bigger


def fit(model: SparseIntentClassifier, batch: SparseBatch, labels: torch.Tensor, *, steps: int = STEPS,
        learning_rate: float = LEARNING_RATE, seed: int = 42) -> list[float]:
    """Full-batch Adam on the labelled messages (label -100: no intent, skipped); the loss per step."""
    torch.manual_seed(seed)
    known = labels[labels >= 0]
    counts = torch.bincount(known, minlength=model.bias.shape[0]).float()
    # balanced classes: an intent with many examples (inform) must not win every unsure message
    balance = torch.where(counts > 0, counts.sum() / (counts.clamp(min=1) * (counts > 0).sum()), 0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    model.train()
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(batch), labels, weight=balance, ignore_index=-100)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses
