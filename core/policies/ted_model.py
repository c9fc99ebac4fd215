"""The dialogue transformer: one readable file, in the manner of nanoGPT's model.py.

Input: a window of the last `max_history` dialogue states, each a multi-hot vector (intent,
entities, slots, previous action, active loop; see featurizer.py), left-padded with all-zero
vectors. Every real state carries a constant "present" feature, so an all-zero row means padding.

    states (B, T, V) --linear--> + position-from-the-end embedding --> causal transformer blocks
    --> the last position --> dot product with one embedding per action (TED's label embeddings)
    --> logits (B, A)

Features and actions live in plain tables whose rows can be appended (`grow`): the app invents
intents and actions while it runs, and fine-tuning keeps every weight it already learned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TEDModelConfig:
    """Everything that defines the network's shape; stored with its weights."""

    n_features: int = 1
    n_actions: int = 1
    max_history: int = 5
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 128
    dropout: float = 0.1

    def as_dict(self) -> dict:
        return asdict(self)


class Block(nn.Module):
    """Pre-norm transformer block: masked self-attention, then a small MLP."""

    def __init__(self, config: TEDModelConfig):
        super().__init__()
        self.n_heads = config.n_heads
        self.ln_1 = nn.LayerNorm(config.d_model)
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.proj = nn.Linear(config.d_model, config.d_model)
        self.ln_2 = nn.LayerNorm(config.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(config.d_model, config.d_ff), nn.GELU(), nn.Linear(config.d_ff, config.d_model)
        )
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, h: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        B, T, D = h.shape
        q, k, v = self.qkv(self.ln_1(h)).split(D, dim=2)
        q, k, v = (t.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2) for t in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed.unsqueeze(1))
        h = h + self.dropout(self.proj(attended.transpose(1, 2).reshape(B, T, D)))
        return h + self.dropout(self.mlp(self.ln_2(h)))


class DialogueTransformer(nn.Module):
    causal: torch.Tensor  # buffers, registered in __init__
    itself: torch.Tensor

    def __init__(self, config: TEDModelConfig):
        super().__init__()
        self.config = config
        # zeros: a feature no training state has (an intent without stories) adds nothing to a
        # state, instead of a random direction that sways the prediction (bench.versus_rasa_core)
        self.state_in = nn.Parameter(torch.zeros(config.n_features, config.d_model))
        self.position = nn.Parameter(torch.randn(config.max_history, config.d_model) * 0.02)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.actions = nn.Parameter(torch.randn(config.n_actions, config.d_model) * 0.1)
        self.action_bias = nn.Parameter(torch.zeros(config.n_actions))
        self.dropout = nn.Dropout(config.dropout)
        causal = torch.tril(torch.ones(config.max_history, config.max_history, dtype=torch.bool))
        self.register_buffer("causal", causal, persistent=False)
        self.register_buffer("itself", torch.eye(config.max_history, dtype=torch.bool), persistent=False)

    def forward(
        self, x: torch.Tensor, targets: torch.Tensor | None = None, weights: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x: (B, T, n_features) with T <= max_history, the newest state last.

        Returns logits (B, n_actions) and, with `targets`, the cross-entropy loss, each example
        weighted by `weights` when given (rare actions count more).
        """
        _B, T, _ = x.shape
        present = x.abs().sum(-1) > 0  # (B, T); padding rows are all zero
        # a position may see earlier real states and always itself (so no row is fully masked)
        allowed = self.causal[:T, :T] & (present.unsqueeze(1) | self.itself[:T, :T])
        h = x @ self.state_in + self.position[-T:]
        h = self.dropout(h)
        for block in self.blocks:
            h = block(h, allowed)
        last = self.ln_f(h[:, -1])
        logits = last @ self.actions.T + self.action_bias
        if targets is None:
            return logits, None
        losses = F.cross_entropy(logits, targets, reduction="none")
        if weights is None:
            return logits, losses.mean()
        return logits, (losses * weights).sum() / weights.sum()

    @torch.no_grad()
    def grow(self, n_features: int, n_actions: int) -> None:
        """Append rows for new features and actions; every existing weight is kept as it is."""
        cfg = self.config
        if n_features > cfg.n_features:
            extra = torch.zeros(n_features - cfg.n_features, cfg.d_model)  # unseen: says nothing yet
            self.state_in = nn.Parameter(torch.cat([self.state_in, extra]))
            cfg.n_features = n_features
        if n_actions > cfg.n_actions:
            new = n_actions - cfg.n_actions
            # a zero embedding and the lowest bias: an untaught action ranks low everywhere
            self.actions = nn.Parameter(torch.cat([self.actions, torch.zeros(new, cfg.d_model)]))
            self.action_bias = nn.Parameter(torch.cat([self.action_bias, self.action_bias.min().expand(new)]))
            cfg.n_actions = n_actions
