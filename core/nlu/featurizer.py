"""Turn text into the integer and float arrays the joint model reads, and entities into tags.

Featurization is kept apart from the model (Rasa's featurizer/policy split): the model only
sees hashed ids and flags, so new words need no vocabulary rebuild (hashing grows the
vocabulary for free, which is what makes `Interpreter.update` cheap).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import torch

from core.nlu.tokenizer import Token, tokenize

# Shape flags per token: digits only, has a digit, punctuation, Capitalised, UPPER, first, last.
N_SHAPE = 7

EntityLabel = tuple[str, str | None, str | None]  # (entity, role, group)


def _hash(text: str, buckets: int) -> int:
    """A stable hash (Python's own is salted per process) into 1..buckets; 0 is padding."""
    return zlib.crc32(text.encode("utf-8")) % buckets + 1


@dataclass
class Encoded:
    """One message as arrays (`collate` pads a batch of them to its longest message)."""

    tokens: list[Token]  # empty in training encodings (Interpreter._encode): only a parse reads offsets
    words: np.ndarray  # (T,) int64 hashed word ids
    norm: list[str]  # the tokens as the model sees them (lower-cased unless case-sensitive)
    grams: list[np.ndarray]  # per token: hashed character n-gram ids (int32), shared by a word's uses
    dense: np.ndarray  # (T, F) float32 shape / regex / lookup flags
    bag: np.ndarray  # (G,) int64 hashed sentence word n-grams
    intent: int = -100  # target intent index, -100 when unknown
    tags: np.ndarray | None = None  # (T,) int64 BIO tag ids


class Featurizer:
    """Hashed words, character n-gram bags, shape flags and regex/lookup match flags."""

    def __init__(
        self,
        *,
        word_buckets: int,
        char_buckets: int,
        bag_buckets: int,
        char_ngram_min: int,
        char_ngram_max: int,
        word_ngram_max: int,
        case_sensitive: bool,
        regexes: list[tuple[str, str]],
        lookups: list[tuple[str, list[str]]],
    ):
        self.word_buckets = word_buckets
        self.char_buckets = char_buckets
        self.bag_buckets = bag_buckets
        self.char_range = range(char_ngram_min, char_ngram_max + 1)
        self.word_ngram_max = word_ngram_max
        self.case_sensitive = case_sensitive
        flags = 0 if case_sensitive else re.IGNORECASE
        self.patterns: list[re.Pattern] = []
        for names_patterns in _grouped(regexes).values():
            self.patterns.append(re.compile("|".join(f"(?:{p})" for p in names_patterns), flags))
        for elements in _grouped_lookups(lookups).values():
            words = sorted({e.strip() for e in elements if e.strip()}, key=len, reverse=True)
            body = "|".join(re.escape(w) for w in words) or r"(?!x)x"
            self.patterns.append(re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE))
        self.n_dense = N_SHAPE + len(self.patterns)
        # word -> (the word, its n-gram ids): a word met again shares its spelling and its
        # array with every message it occurs in (a large training set holds each once)
        self._gram_cache: dict[str, tuple[str, np.ndarray]] = {}

    def encode(self, text: str) -> Encoded:
        tokens = tokenize(text) or [Token("", 0, 0)]  # an empty message still has one slot
        shared = [self._word(t.text if self.case_sensitive else t.text.lower()) for t in tokens]
        norm = [word for word, _ in shared]
        grams = [ids for _, ids in shared]
        words = np.array([_hash(w, self.word_buckets) if w else 0 for w in norm], dtype=np.int64)
        dense = np.zeros((len(tokens), self.n_dense), dtype=np.float32)
        for i, tok in enumerate(tokens):
            dense[i, :N_SHAPE] = _shape(tok.text, i, len(tokens))
        for k, pattern in enumerate(self.patterns):
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    for i, tok in enumerate(tokens):
                        if tok.start < match.end() and match.start() < tok.end:
                            dense[i, N_SHAPE + k] = 1.0
        return Encoded(tokens, words, norm, grams, dense, self._bag(norm))

    def _word(self, word: str) -> tuple[str, np.ndarray]:
        cached = self._gram_cache.get(word)
        if cached is None:
            marked = f"<{word}>" if word else ""
            ids = [
                _hash(marked[i : i + n], self.char_buckets) for n in self.char_range for i in range(len(marked) - n + 1)
            ]
            cached = (word, np.array(ids, dtype=np.int32))
            if len(self._gram_cache) < 200_000:
                self._gram_cache[word] = cached
        return cached

    def _bag(self, norm: list[str]) -> np.ndarray:
        padded = ["<s>", *norm, "</s>"]
        ids = [
            _hash(" ".join(padded[i : i + n]), self.bag_buckets)
            for n in range(1, self.word_ngram_max + 1)
            for i in range(len(padded) - n + 1)
        ]
        return np.array(ids, dtype=np.int64)


def build_featurizer(config, regexes: list[tuple[str, str]], lookups: list[tuple[str, list[str]]]) -> Featurizer:
    """The featurizer a model config asks for (duck-typed on NLUModelConfig's fields)."""
    return Featurizer(
        word_buckets=config.word_buckets,
        char_buckets=config.char_buckets,
        bag_buckets=config.bag_buckets,
        char_ngram_min=config.char_ngram_min,
        char_ngram_max=config.char_ngram_max,
        word_ngram_max=config.word_ngram_max,
        case_sensitive=config.case_sensitive,
        regexes=regexes if config.use_regex_features else [],
        lookups=lookups if config.use_lookup_features else [],
    )


def _shape(word: str, index: int, length: int) -> list[float]:
    return [
        float(word.isdigit()),
        float(any(c.isdigit() for c in word)),
        float(bool(word) and not any(c.isalnum() for c in word)),
        float(word[:1].isupper()),
        float(word.isupper()),
        float(index == 0),
        float(index == length - 1),
    ]


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, pattern in pairs:
        grouped.setdefault(name, []).append(pattern)
    return grouped


def _grouped_lookups(pairs: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, elements in pairs:
        grouped.setdefault(name, []).extend(elements)
    return grouped


def collate(batch: list[Encoded]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor] | None]:
    """Stack messages into the model's input dict (and targets when labelled), padded to the
    longest: padding is word id 0, no character n-grams, no flags, tag O, and `lengths` says
    where each message ends.

    Character n-grams are looked up once per distinct word of the batch ("play" and "the"
    recur in most messages), which roughly halves the character work and its gradients.
    """
    lengths = np.array([len(e.norm) for e in batch], dtype=np.int64)
    longest = int(lengths.max())
    distinct: dict[str, int] = {"": 0}  # the padding slot: an empty bag of n-grams
    gram_lists: list[np.ndarray] = [np.zeros(0, dtype=np.int32)]
    token_words = np.zeros((len(batch), longest), dtype=np.int64)
    words = np.zeros((len(batch), longest), dtype=np.int64)
    dense = np.zeros((len(batch), longest, batch[0].dense.shape[1]), dtype=np.float32)
    for b, example in enumerate(batch):
        n = len(example.norm)
        words[b, :n] = example.words
        dense[b, :n] = example.dense
        for t, (word, grams) in enumerate(zip(example.norm, example.grams)):
            k = distinct.get(word)
            if k is None:
                k = distinct[word] = len(gram_lists)
                gram_lists.append(grams)
            token_words[b, t] = k
    x = {
        "words": torch.from_numpy(words),
        "lengths": torch.from_numpy(lengths),
        "token_words": torch.from_numpy(token_words),
        "chars": torch.from_numpy(np.concatenate(gram_lists).astype(np.int64)),
        "char_offsets": _offsets(np.array([len(g) for g in gram_lists], dtype=np.int64)),
        "dense": torch.from_numpy(dense),
        "bag": torch.from_numpy(np.concatenate([e.bag for e in batch])),
        "bag_offsets": _offsets(np.array([len(e.bag) for e in batch], dtype=np.int64)),
    }
    if batch[0].tags is None:
        return x, None
    tags = np.zeros((len(batch), longest), dtype=np.int64)
    for b, example in enumerate(batch):
        assert example.tags is not None, "a batch is all tagged or all untagged"
        tags[b, : len(example.tags)] = example.tags
    targets = {
        "intent": torch.tensor([e.intent for e in batch], dtype=torch.long),
        "tags": torch.from_numpy(tags),
    }
    return x, targets


def _offsets(counts: np.ndarray) -> torch.Tensor:
    offsets = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    return torch.from_numpy(offsets)


# ---- entity labels <-> BIO tags: tag 0 is O, label i has B = 1 + 2i and I = 2 + 2i ----


def entity_label(entity: dict) -> EntityLabel:
    return (entity["entity"], entity.get("role"), entity.get("group"))


def bio_tags(tokens: list[Token], entities: list[dict], labels: dict[EntityLabel, int]) -> np.ndarray:
    """Tag each token with the entity span that covers it; overlapping spans: the first wins."""
    tags = np.zeros(len(tokens), dtype=np.int64)
    for entity in sorted(entities, key=lambda e: (e["start"], e["end"])):
        label = labels.get(entity_label(entity))
        if label is None:
            continue
        inside = [
            i for i, t in enumerate(tokens) if t.start < entity["end"] and entity["start"] < t.end and tags[i] == 0
        ]
        for n, i in enumerate(inside):
            tags[i] = 1 + 2 * label + (1 if n else 0)
    return tags


def tag_spans(tags: list[int]) -> list[tuple[int, int, int]]:
    """(label, first token, last token) for each entity in a tag sequence."""
    spans: list[tuple[int, int, int]] = []
    for i, tag in enumerate(tags):
        if tag == 0:
            continue
        label, inside = (tag - 1) // 2, (tag - 1) % 2 == 1
        if inside and spans and spans[-1][0] == label and spans[-1][2] == i - 1:
            spans[-1] = (label, spans[-1][1], i)
        else:
            spans.append((label, i, i))
    return spans
