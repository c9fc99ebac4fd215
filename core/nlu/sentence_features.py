"""Sentence features for the intent classifier: a vocabulary of word 1-2-grams and character
n-grams of each padded word (scikit-learn's `char_wb`), weighted TF-IDF style.

This is what makes small bots generalise (Rasa's CountVectorsFeaturizer does the same): a
paraphrase shares most of its character n-grams with the examples it paraphrases, and a
vocabulary built from the training data ignores n-grams never seen, so an unseen word adds
no noise. Weights are (1 + log count) * idf, L2-normalised per message.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import numpy as np


class SentenceVocabulary:
    """Feature name -> index, with an inverse document frequency per feature."""

    def __init__(
        self,
        word_ngram_max: int,
        char_min: int,
        char_max: int,
        index: dict[str, int] | None = None,
        idf: list[float] | None = None,
        documents: int = 0,
    ):
        self.word_ngram_max = word_ngram_max
        self.char_range = range(max(1, char_min), char_max + 1)
        self.index: dict[str, int] = dict(index or {})
        self.idf: list[float] = list(idf or [])
        self.documents = documents
        self._idf_array: np.ndarray | None = None
        self._word_cache: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.index)

    def names(self, words: list[str]) -> list[str]:
        """Every feature name of a message given its normalised tokens (repeats kept)."""
        names = [
            f"w{n}:{' '.join(words[i : i + n])}"
            for n in range(1, self.word_ngram_max + 1)
            for i in range(len(words) - n + 1)
        ]
        for word in words:
            names.extend(self._char_names(word))
        return names

    def _char_names(self, word: str) -> list[str]:
        cached = self._word_cache.get(word)
        if cached is None:
            marked = f" {word} "
            cached = [marked[i : i + n] for n in self.char_range for i in range(len(marked) - n + 1)]
            if len(self._word_cache) < 100_000:
                self._word_cache[word] = cached
        return cached

    def fit(self, messages: Iterable[list[str]], max_features: int | None = None) -> None:
        """Add the features of `messages` (new ones only; known ones keep their idf). With
        `max_features`, only that many new features are kept, the most frequent ones."""
        frequency: Counter[str] = Counter()
        count = 0
        for words in messages:
            frequency.update(set(self.names(words)))
            count += 1
        total = self.documents + count
        new = [(name, df) for name, df in frequency.items() if name not in self.index]
        if max_features is not None and len(new) > max_features:
            new = sorted(new, key=lambda item: -item[1])[:max_features]  # stable: ties keep first-seen order
        for name, df in new:
            self.index[name] = len(self.index)
            self.idf.append(math.log((1 + total) / (1 + df)) + 1.0)
        self.documents = total
        self._idf_array = None

    def vector(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(feature ids, weights) of a message; features outside the vocabulary are ignored."""
        counts = Counter(i for i in map(self.index.get, self.names(words)) if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self._idf_array is None:
            self._idf_array = np.asarray(self.idf, dtype=np.float32)
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        weights = tf * self._idf_array[ids]
        return ids, (weights / np.linalg.norm(weights)).astype(np.float32)

    def state(self) -> dict:
        """JSON-able; the index as a list in id order."""
        ordered = sorted(self.index, key=self.index.__getitem__)
        return {
            "word_ngram_max": self.word_ngram_max,
            "char_min": self.char_range.start,
            "char_max": self.char_range.stop - 1,
            "features": ordered,
            "idf": self.idf,
            "documents": self.documents,
        }

    @classmethod
    def from_state(cls, state: dict) -> SentenceVocabulary:
        index = {name: i for i, name in enumerate(state["features"])}
        return cls(
            state["word_ngram_max"], state["char_min"], state["char_max"], index, state["idf"], state["documents"]
        )
