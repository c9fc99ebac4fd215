"""The linear intent classifier: a linear model on TF-IDF sentence n-grams.

On a bot with a few dozen examples per intent, a BiLSTM memorises the training sentences and
guesses on paraphrases; a linear model over shared word and character n-grams generalises
(Rasa's CountVectors + DIET behave the same way on small bots). There it votes with each
intent's nearest training example (core/nlu/nearest_examples.py). On large data it votes
with the joint BiLSTM: the two err on different messages, so their averaged probabilities
beat either (SNIPS intent accuracy, bench.nlu_snips). It trains in seconds, and its weight
table grows with the vocabulary, so `Interpreter.update` stays cheap.
"""

from __future__ import annotations

import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.nlu.sentence_features import SentenceVocabulary
from core.optim import AdamW

STEPS = 100  # full-batch steps; few on purpose: early stopping keeps paraphrase confidence honest
LEARNING_RATE = 0.02
UPDATE_STEPS = 60
# large data: mini-batches, at least MIN_EPOCHS epochs (chosen on SNIPS val.md, not test.md)
BATCH_SIZE = 128
BATCH_LEARNING_RATE = 0.05
MIN_EPOCHS = 5

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
    batch_size: int | None = None,
    seed: int = 42,
) -> list[float]:
    """Adam on the labelled messages (label -100: no intent, skipped); the loss per step.

    Small data trains full-batch for `steps` steps. With `batch_size` (large data), shuffled
    mini-batches for at least MIN_EPOCHS epochs: thousands of examples need many small steps.
    """
    torch.manual_seed(seed)
    rng = random.Random(seed)
    known = labels[labels >= 0]
    counts = torch.bincount(known, minlength=model.bias.shape[0]).float()
    # balanced classes: an intent with many examples (inform) must not win every unsure message
    balance = torch.where(counts > 0, counts.sum() / (counts.clamp(min=1) * (counts > 0).sum()), 0.0)
    if batch_size is None:
        batches = [stack(vectors)] * steps
        batch_labels = [labels] * steps
    else:
        batches, batch_labels = [], []
        order = list(range(len(vectors)))
        per_epoch = -(-len(order) // batch_size)
        for _ in range(max(-(-steps // per_epoch), MIN_EPOCHS)):
            rng.shuffle(order)
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                batches.append(stack([vectors[i] for i in chosen]))
                batch_labels.append(labels[chosen])
    optimizer = AdamW(
        model.parameters(), lr=LEARNING_RATE if batch_size is None else BATCH_LEARNING_RATE, weight_decay=0.0
    )
    model.train()
    losses = []
    for batch, targets in zip(batches, batch_labels):
        if not bool((targets >= 0).any()):  # a mini-batch of unlabelled messages teaches nothing
            continue
        loss = F.cross_entropy(model(batch), targets, weight=balance, ignore_index=-100)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses
