"""The joint intent + entity model: one readable file, in the manner of nanoGPT's model.py.

Per token: hashed word embedding + a bag of hashed character n-grams (so unseen names still
look like names) + shape/regex/lookup flags. A BiLSTM reads the sentence. The intent head sees
max- and mean-pooled states plus a bag of sentence word n-grams. The entity head sees every
state, the token's own features (a skip past the LSTM: a name's spelling is evidence in its
own right; +0.6 entity F1 on SNIPS) and the soft intent prediction (a stack-propagation idea:
which slots are plausible depends on the intent), decoded by a CRF whose transitions forbid
invalid BIO moves.

The trainer batches messages of similar length, padded to the longest: `x["lengths"]` holds
each message's token count; the LSTM reads packed sequences, pooling and the CRF skip padding.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

NEG = -10_000.0  # score of a forbidden transition


@dataclass
class NLUModelConfig:
    """Everything that defines a trained model; stored in its checkpoint."""

    # training
    epochs: int = 8
    min_steps: int = 400  # small data sets get more epochs: a few batches each teach little
    learning_rate: float = 1e-2
    batch_size: int = 64
    weight_decay: float = 0.01
    seed: int = 42
    # features
    word_ngram_max: int = 2
    word_pair_window: int = 6  # the intent classifiers' word pairs: words 2 to this many places apart
    char_ngram_min: int = 1
    char_ngram_max: int = 5
    word_buckets: int = 1 << 15
    char_buckets: int = 1 << 16
    bag_buckets: int = 1 << 15
    use_regex_features: bool = True
    use_lookup_features: bool = True
    case_sensitive: bool = False
    # architecture
    embed_dim: int = 96
    hidden_dim: int = 128
    intent_embed_dim: int = 16
    dropout: float = 0.3
    word_dropout: float = 0.15  # hide whole words in training so unseen names are read by their characters
    # below this many examples the linear n-gram classifier answers the intent (see Interpreter)
    sparse_intent_max_examples: int = 1000
    # decisions at parse time
    extract_entities: bool = True
    use_synonyms: bool = True
    fallback_threshold: float = 0.3
    ambiguity_threshold: float = 0.1
    # sizes found in the data (filled in by the interpreter)
    n_dense: int = 0
    n_intents: int = 1
    n_tags: int = 1


class JointNLU(nn.Module):
    sparse_parameter_names = ("word_emb.weight", "char_emb.weight", "bag_emb.weight")

    transition_mask: torch.Tensor  # buffers, registered in __init__
    start_mask: torch.Tensor

    def __init__(self, config: NLUModelConfig):
        super().__init__()
        self.config = c = config
        # The hashed tables are large and each batch touches few rows: sparse gradients keep
        # an optimizer step proportional to the rows used, not to the table size.
        self.word_emb = nn.Embedding(c.word_buckets + 1, c.embed_dim, padding_idx=0, sparse=True)
        self.char_emb = nn.EmbeddingBag(c.char_buckets + 1, c.embed_dim, mode="mean", padding_idx=0, sparse=True)
        self.dense_proj = nn.Linear(c.n_dense, c.embed_dim)
        self.lstm = nn.LSTM(c.embed_dim, c.hidden_dim, batch_first=True, bidirectional=True)
        self.bag_emb = nn.EmbeddingBag(c.bag_buckets + 1, c.hidden_dim, mode="mean", padding_idx=0, sparse=True)
        self.intent_head = nn.Linear(4 * c.hidden_dim + c.hidden_dim, c.n_intents)
        self.intent_emb = nn.Linear(c.n_intents, c.intent_embed_dim, bias=False)
        self.tag_head = nn.Linear(2 * c.hidden_dim + c.intent_embed_dim + c.embed_dim, c.n_tags)
        self.transitions = nn.Parameter(torch.zeros(c.n_tags, c.n_tags))
        self.start_scores = nn.Parameter(torch.zeros(c.n_tags))
        self.end_scores = nn.Parameter(torch.zeros(c.n_tags))
        allowed_next, allowed_first = bio_constraints(c.n_tags)
        self.register_buffer("transition_mask", allowed_next, persistent=False)
        self.register_buffer("start_mask", allowed_first, persistent=False)
        for emb in (self.word_emb, self.char_emb, self.bag_emb):
            nn.init.normal_(emb.weight, std=0.1)

    def forward(self, x: dict[str, torch.Tensor], targets: dict[str, torch.Tensor] | None = None):
        """Return ((intent_logits (B, I), tag_scores (B, T, K)), loss or None)."""
        c = self.config
        words = x["words"]
        B, T = words.shape
        lengths = x.get("lengths")
        padded = lengths is not None and bool((lengths < T).any())
        if self.training and c.word_dropout > 0:
            words = words.masked_fill(torch.rand(B, T) < c.word_dropout, 0)
        chars = self.char_emb(x["chars"], x["char_offsets"])[x["token_words"]]  # (B, T, E)
        tokens = self._drop(self.word_emb(words) + chars + self.dense_proj(x["dense"]))
        if padded and lengths is not None:
            packed = pack_padded_sequence(tokens, lengths, batch_first=True, enforce_sorted=False)
            states = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=T)[0]
        else:
            states = self.lstm(tokens)[0]  # (B, T, 2H)
        states = self._drop(states)
        if padded and lengths is not None:
            mask = (torch.arange(T) < lengths[:, None]).unsqueeze(2)
            top = states.masked_fill(~mask, NEG).max(dim=1).values
            mean = states.sum(dim=1) / lengths[:, None]  # padded states are exactly 0
        else:
            top, mean = states.max(dim=1).values, states.mean(dim=1)
        pooled = torch.cat([top, mean, self.bag_emb(x["bag"], x["bag_offsets"])], dim=-1)
        intent_logits = self.intent_head(self._drop(pooled))
        intent_vec = self.intent_emb(intent_logits.softmax(-1)).unsqueeze(1).expand(B, T, -1)
        tag_scores = self.tag_head(torch.cat([states, intent_vec, tokens], dim=-1))
        loss = None
        if targets is not None:
            loss = self.crf_nll(tag_scores, targets["tags"], lengths if padded else None).mean()
            labelled = targets["intent"] >= 0  # examples without an intent teach entities only
            if labelled.any():
                loss = loss + F.cross_entropy(intent_logits[labelled], targets["intent"][labelled])
        return (intent_logits, tag_scores), loss

    def _drop(self, x: torch.Tensor) -> torch.Tensor:
        """Dropout from a uniform mask: on CPU 2-3x faster than nn.Dropout's bernoulli_."""
        if not self.training or self.config.dropout <= 0:
            return x
        keep = 1.0 - self.config.dropout
        return x * (torch.rand_like(x) < keep) / keep

    # ---- CRF ----

    def _transitions(self) -> torch.Tensor:
        return self.transitions + self.transition_mask

    def _starts(self) -> torch.Tensor:
        return self.start_scores + self.start_mask

    def crf_nll(self, scores: torch.Tensor, tags: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Negative log-likelihood of each gold tag sequence, (B,); positions at or after a
        message's length (padding) take no part."""
        trans, starts = self._transitions(), self._starts()
        B, T = tags.shape
        if lengths is None:
            lengths = torch.full((B,), T, dtype=torch.long)
        inside = torch.arange(T) < lengths[:, None]  # (B, T)
        last = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        gold = starts[tags[:, 0]] + self.end_scores[last]
        gold = gold + (scores.gather(2, tags.unsqueeze(2)).squeeze(2) * inside).sum(1)
        gold = gold + (trans[tags[:, :-1], tags[:, 1:]] * inside[:, 1:]).sum(1)
        alpha = self._forward_alpha(scores, trans, inside)
        return torch.logsumexp(alpha + self.end_scores, dim=1) - gold

    def _forward_alpha(self, scores: torch.Tensor, trans: torch.Tensor, inside: torch.Tensor) -> torch.Tensor:
        """Log forward variables at each message's last token; the sum over previous tags is a
        matrix product in probability space (shifted by the max for stability), far cheaper
        than a (B, K, K) logsumexp per step. Past its length a message's alpha stays put."""
        exp_trans = trans.exp()  # forbidden moves become exactly 0
        alpha = self._starts() + scores[:, 0]
        every = bool(inside.all())
        for t in range(1, scores.shape[1]):
            top = alpha.max(dim=1, keepdim=True).values
            step = torch.log((alpha - top).exp() @ exp_trans + 1e-30) + top + scores[:, t]
            alpha = step if every else torch.where(inside[:, t : t + 1], step, alpha)
        return alpha

    # Decoding runs in numpy: for one message of ~10 tokens, numpy's per-call overhead is a
    # fraction of torch's, and parse latency is what a person waits for.

    @torch.no_grad()
    def viterbi(self, scores: torch.Tensor) -> list[list[int]]:
        """Best tag sequence per message under the BIO constraints."""
        em, trans, starts, ends = self._numpy_crf(scores)
        batch = np.arange(em.shape[0])
        score = starts + em[:, 0]
        back = []
        for t in range(1, em.shape[1]):
            candidates = score[:, :, None] + trans  # (B, previous K, next K)
            best = candidates.argmax(axis=1)
            score = np.take_along_axis(candidates, best[:, None, :], axis=1)[:, 0] + em[:, t]
            back.append(best)
        last = (score + ends).argmax(axis=1)
        path = [last]
        for best in reversed(back):
            last = best[batch, last]
            path.append(last)
        return np.stack(path[::-1], axis=1).tolist()

    @torch.no_grad()
    def marginals(self, scores: torch.Tensor) -> np.ndarray:
        """P(tag at each position) by forward-backward, (B, T, K): the entity confidences."""
        em, trans, starts, ends = self._numpy_crf(scores)
        T = em.shape[1]
        alphas = [starts + em[:, 0]]
        for t in range(1, T):
            alphas.append(_logsumexp(alphas[-1][:, :, None] + trans, axis=1) + em[:, t])
        betas = [np.broadcast_to(ends, alphas[-1].shape)]
        for t in range(T - 1, 0, -1):
            betas.insert(0, _logsumexp(trans + (betas[0] + em[:, t])[:, None, :], axis=2))
        log_z = _logsumexp(alphas[-1] + ends, axis=1)
        return np.exp(np.stack(alphas, 1) + np.stack(betas, 1) - log_z[:, None, None])

    def _numpy_crf(self, scores: torch.Tensor) -> tuple[np.ndarray, ...]:
        return (
            scores.detach().double().numpy(),
            self._transitions().detach().double().numpy(),
            self._starts().detach().double().numpy(),
            self.end_scores.detach().double().numpy(),
        )

    # ---- growth for incremental updates ----

    def grown(self, n_intents: int, n_tags: int) -> JointNLU:
        """A copy with room for more intents/tags; old weights kept, new outputs start neutral.

        Only the heads whose size changes are rebuilt: the large hashed tables are copied, never
        initialised at random first (that alone took most of an online update on large data)."""
        c = self.config
        bigger = copy.deepcopy(self)
        bigger.config = NLUModelConfig(**{**asdict(c), "n_intents": n_intents, "n_tags": n_tags})
        with torch.no_grad():
            bias = _padded(self.intent_head.bias, (n_intents,))
            bias[c.n_intents :] = self.intent_head.bias.mean()
            bigger.intent_head = _linear(_padded(self.intent_head.weight, (n_intents, -1)), bias)
            bigger.intent_emb = _linear(_padded(self.intent_emb.weight, (-1, n_intents)), None)
            bigger.tag_head = _linear(
                _padded(self.tag_head.weight, (n_tags, -1)), _padded(self.tag_head.bias, (n_tags,))
            )
            bigger.transitions = nn.Parameter(_padded(self.transitions, (n_tags, n_tags)))
            bigger.start_scores = nn.Parameter(_padded(self.start_scores, (n_tags,)))
            bigger.end_scores = nn.Parameter(_padded(self.end_scores, (n_tags,)))
        allowed_next, allowed_first = bio_constraints(n_tags)
        bigger.register_buffer("transition_mask", allowed_next, persistent=False)
        bigger.register_buffer("start_mask", allowed_first, persistent=False)
        return bigger

    def checkpoint(self) -> tuple[dict, dict[str, torch.Tensor]]:
        """(config as plain dict, tensors): loadable with torch.load(weights_only=True)."""
        return asdict(self.config), {k: v.detach().clone() for k, v in self.state_dict().items()}

    @classmethod
    def from_checkpoint(cls, config: dict, tensors: dict[str, torch.Tensor]) -> JointNLU:
        model = cls(NLUModelConfig(**config))
        model.load_state_dict(tensors)
        model.eval()
        return model


def _padded(old: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """`old` in the top-left corner of zeros of `shape` (-1 keeps that dimension's size)."""
    size = tuple(old.shape[i] if n < 0 else n for i, n in enumerate(shape))
    new = torch.zeros(size, dtype=old.dtype)
    new[tuple(slice(0, s) for s in old.shape)] = old.detach()
    return new


def _linear(weight: torch.Tensor, bias: torch.Tensor | None) -> nn.Linear:
    """A linear layer holding `weight` (out, in) and `bias`, with no random initialisation."""
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None, device="meta")
    layer.weight = nn.Parameter(weight)
    if bias is not None:
        layer.bias = nn.Parameter(bias)
    return layer


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = a.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def bio_constraints(n_tags: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Additive masks: I-x may only follow B-x or I-x, and a message cannot start with I-x."""
    allowed_next = torch.zeros(n_tags, n_tags)
    allowed_first = torch.zeros(n_tags)
    for tag in range(1, n_tags):
        if (tag - 1) % 2 == 1:  # an I tag
            begin = tag - 1
            allowed_next[:, tag] = NEG
            allowed_next[begin, tag] = 0.0
            allowed_next[tag, tag] = 0.0
            allowed_first[tag] = NEG
    return allowed_next, allowed_first
