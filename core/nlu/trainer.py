"""The explicit training loop for `JointNLU`: seeded, reproducible, silent.

Progress goes to an optional `on_epoch(epoch, epochs, loss)` callback so the CLI can draw a
progress bar; core never prints.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import torch

from core.nlu.featurizer import Encoded, collate
from core.nlu.model import JointNLU
from core.optim import AdamW, RowAdam

EpochCallback = Callable[[int, int, float], None]
PATIENCE = 3
# `learned()` is first asked after min_steps / this many steps: a model stopped the moment it
# fits its few examples has not yet learned to read unseen spellings by their characters
LEARNED_CHECK_FROM = 4
AVERAGE_BLOCK = 4096  # rows of a hashed table averaged at a time


def similar_length_batches(examples: list[Encoded], batch_size: int, rng: random.Random) -> list[list[Encoded]]:
    """Shuffled batches of messages of (nearly) the same length, so padding stays small:
    sorted by token count with random tie-breaks, so a batch's members change every epoch."""
    keyed = sorted(examples, key=lambda e: (len(e.norm), rng.random()))
    batches = [keyed[i : i + batch_size] for i in range(0, len(keyed), batch_size)]
    rng.shuffle(batches)
    return batches


def make_optimizers(model: JointNLU, lr: float, weight_decay: float) -> tuple[RowAdam, AdamW]:
    """RowAdam for the hashed embedding tables (sparse gradients), AdamW for the rest."""
    sparse = [p for name, p in model.named_parameters() if name in model.sparse_parameter_names]
    dense = [p for name, p in model.named_parameters() if name not in model.sparse_parameter_names]
    return RowAdam(sparse, lr=lr), AdamW(dense, lr=lr, weight_decay=weight_decay)


def train(
    model: JointNLU,
    examples: list[Encoded],
    on_epoch: EpochCallback | None = None,
    learned: Callable[[], bool] | None = None,
) -> list[float]:
    """Train in place with AdamW and a warm-up + linear-decay schedule; return loss per epoch.

    `epochs` is a ceiling (raised so small data may take `min_steps` steps); the schedule
    adapts: with `learned` (small data), training stops once it says the model gets (nearly)
    its whole training set right, asked after every epoch from a quarter of `min_steps` on;
    without it, once the training loss has not improved for PATIENCE epochs. The final
    weights are the average of the later epochs' weights (see WeightAverage).
    """
    c = model.config
    torch.manual_seed(c.seed)
    rng = random.Random(c.seed)
    optimizers = make_optimizers(model, c.learning_rate, c.weight_decay)
    steps_per_epoch = -(-len(examples) // c.batch_size)
    epochs = max(c.epochs, -(-c.min_steps // max(1, steps_per_epoch)))
    total = max(1, epochs * steps_per_epoch)
    warmup = max(1, total // 20)
    first_check = max(warmup + 1, c.min_steps // LEARNED_CHECK_FROM)
    losses: list[float] = []
    best, stale = float("inf"), 0
    average = WeightAverage(start_epoch=epochs // 2)
    step = 0
    for epoch in range(epochs):
        model.train()
        total_loss = 0.0
        batches = similar_length_batches(examples, c.batch_size, rng)
        for batch in batches:
            x, targets = collate(batch)
            _, loss = model(x, targets)
            for opt in optimizers:
                opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(optimizers[1].params, 5.0)
            lr = c.learning_rate * min((step + 1) / warmup, max(0.05, (total - step) / (total - warmup)))
            for opt in optimizers:  # warm-up, then a linear decay to 5%
                opt.lr = lr
                opt.step()
            step += 1
            total_loss += loss.item() * len(batch)
        losses.append(total_loss / max(1, len(examples)))
        average.add(model, epoch)
        if on_epoch is not None:
            on_epoch(epoch + 1, epochs, losses[-1])
        if learned is not None:  # small data: a noisy per-epoch loss says little, ask the model
            if (epoch + 1) * steps_per_epoch >= first_check:
                model.eval()
                if learned():
                    break
            continue
        if losses[-1] < best - 1e-4:
            best, stale = losses[-1], 0
        elif (epoch + 1) * steps_per_epoch > warmup:
            stale += 1
            if stale >= PATIENCE:
                break
    average.apply(model)
    model.eval()
    return losses


class WeightAverage:
    """Mean of the weights at the end of each epoch in the second half of training (stochastic
    weight averaging): a flatter optimum that generalises better than the last epoch's weights
    and varies less from seed to seed. The hashed tables' mean is kept in float16 (10 bits of
    mantissa, far finer than the epochs' weights differ): half their size at the memory peak."""

    def __init__(self, start_epoch: int):
        self.start_epoch = start_epoch
        self.count = 0
        self.sums: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def add(self, model: JointNLU, epoch: int) -> None:
        if epoch < self.start_epoch:
            return
        self.count += 1
        for name, value in model.state_dict().items():
            mean = self.sums.get(name)
            if mean is None:
                dtype = torch.float16 if name in model.sparse_parameter_names else value.dtype
                self.sums[name] = value.detach().to(dtype, copy=True)
            elif mean.dtype == value.dtype:  # the running mean in place: no temporaries at the peak
                mean.lerp_(value, 1.0 / self.count)
            else:  # in float32 a block of rows at a time: no table-sized temporary either
                for part, new in zip(mean.split(AVERAGE_BLOCK), value.split(AVERAGE_BLOCK)):
                    part.copy_(part.float().lerp_(new, 1.0 / self.count))

    @torch.no_grad()
    def apply(self, model: JointNLU) -> None:
        if self.count > 1:
            model.load_state_dict(self.sums)


def fine_tune(
    model: JointNLU,
    new: list[Encoded],
    replay: list[Encoded],
    *,
    max_steps: int,
    learned: Callable[[], bool],
    seed: int,
) -> int:
    """Teach `new` without forgetting: each step sees all new examples plus a fresh replay sample.

    One padded batch per step; stops as soon as `learned()` holds (checked every few steps);
    returns the number of steps taken.
    """
    torch.manual_seed(seed)
    rng = random.Random(seed)
    optimizers = make_optimizers(model, model.config.learning_rate * 0.5, model.config.weight_decay)
    sample_size = min(len(replay), max(16, 2 * len(new)))
    step = 0
    for step in range(1, max_steps + 1):
        model.train()
        mixed = new + rng.sample(replay, sample_size)
        for opt in optimizers:
            opt.zero_grad()
        x, targets = collate(mixed)
        _, loss = model(x, targets)
        loss.backward()
        for opt in optimizers:
            opt.step()
        if step % 5 == 0:
            model.eval()
            if learned():
                break
    model.eval()
    return step
