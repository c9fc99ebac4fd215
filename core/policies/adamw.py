"""A small AdamW for the dialogue transformer, written out instead of `torch.optim.AdamW`.

Why: the first `torch.optim` optimizer a process builds imports `torch._dynamo` (its methods are
wrapped to disable the compiler), which costs 1.5-3 s of wall time on the machines we measured,
longer than training TED on a sample bot. The update below is the decoupled-weight-decay Adam of
Loshchilov & Hutter, with the same defaults as torch's, on the parameters' foreach kernels.
"""

from __future__ import annotations

import math
from typing import Iterable

import torch


class AdamW:
    """Adam with decoupled weight decay; `lr` may be changed between steps (schedules)."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        pairs = [(i, p) for i, p in enumerate(self.params) if p.grad is not None]
        if not pairs:
            return
        self.steps += 1
        beta1, beta2 = self.betas
        params = [p for _, p in pairs]
        grads = [p.grad for _, p in pairs]
        avg = [self.exp_avg[i] for i, _ in pairs]
        avg_sq = [self.exp_avg_sq[i] for i, _ in pairs]
        if self.weight_decay:
            torch._foreach_mul_(params, 1.0 - self.lr * self.weight_decay)
        torch._foreach_lerp_(avg, grads, 1.0 - beta1)
        torch._foreach_mul_(avg_sq, beta2)
        torch._foreach_addcmul_(avg_sq, grads, grads, 1.0 - beta2)
        step_size = self.lr / (1.0 - beta1 ** self.steps)
        denominator = torch._foreach_sqrt(avg_sq)
        torch._foreach_div_(denominator, math.sqrt(1.0 - beta2 ** self.steps))
        torch._foreach_add_(denominator, self.eps)
        torch._foreach_addcdiv_(params, avg, denominator, -step_size)
