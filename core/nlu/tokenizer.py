"""Split a message into tokens that remember their character offsets.

Offsets matter because entities are character spans: the tagger works on tokens and the
offsets turn its token spans back into Rasa's `start`/`end`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from core.limits import FEATURE_MAX_TOKENS

# A word (letters/digits/underscore, with inner apostrophes as in "i'm") or one symbol.
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` in order; whitespace is dropped, punctuation kept as its own token. Only
    the first FEATURE_MAX_TOKENS are returned: every feature, in training and at parse time, reads
    at most that many, so one huge message cannot make a model run out of memory or time."""
    return [Token(m.group(0), m.start(), m.end()) for m in islice(_TOKEN.finditer(text), FEATURE_MAX_TOKENS)]


def is_truncated(text: str) -> bool:
    """True when `text` has more tokens than the features read."""
    return next(islice(_TOKEN.finditer(text), FEATURE_MAX_TOKENS, None), None) is not None


def normalised_words(text: str, case_sensitive: bool) -> list[str]:
    """The tokens as the models see them (what `Featurizer.encode` puts in `norm`)."""
    return [t.text if case_sensitive else t.text.lower() for t in tokenize(text)] or [""]
