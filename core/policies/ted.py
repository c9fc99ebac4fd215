"""TEDPolicy: botcoach's transformer dialogue policy (in the spirit of Rasa's TED).

Training data are the stories and the augmented (glued) stories, never the rules (RulePolicy
owns those, as in Rasa). Each action of a story becomes one example: the last `max_history`
states before it -> the action. Duplicate examples are kept once (augmentation repeats the same
windows many times) and the loss is weighted by the inverse square root of each action's
frequency, so that rare actions are not drowned by `action_listen`. A fifth of the windows in
each batch keep only their newest states (`_shortened`), and a feature no training state has
contributes nothing (see ted_model.py): on stories held out of training, both together get 5
more of 248 actions right than without (bench.versus_rasa_core, four seeds). Training stops as
soon as every example is learned (a sample bot needs 10-20 epochs; `epochs` is a cap), and uses
our own AdamW: torch.optim's first optimizer imports the torch compiler (see core/optim.py).

Examples are stored compactly as rows of a table of distinct states, so that `update()` can
replay old examples while it fine-tunes on a few new turns, also after a save and load.
Everything runs on one torch thread, seeded: the same data and seed give the same model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch

from core.config import PolicyConfig
from core.domain import Domain
from core.optim import AdamW
from core.policies.base import TED_POLICY_PRIORITY, Policy
from core.policies.featurizer import StateFeaturizer
from core.policies.states import (
    ACTIVE_LOOP,
    RULE_ONLY_LOOPS,
    RULE_ONLY_SLOTS,
    SLOTS,
    State,
    states_for_prediction,
    training_examples,
)
from core.policies.ted_model import DialogueTransformer, TEDModelConfig
from core.prediction import Prediction
from core.torch_threads import torch_threads
from core.tracker import DialogueStateTracker
from core.training_data.trackers import TrainingTracker

EpochCallback = Callable[[int, int, float], None]  # (epoch, epochs, mean loss)
HISTORY_DROPOUT = 0.2  # see _shortened
Window = tuple[int, ...]  # rows of the state table, oldest first; 0 is the empty (padding) state


@dataclass
class TEDConfig:
    """How the policy trains and fine-tunes; stored with the model."""

    max_history: int = 5
    epochs: int = 60
    batch_size: int = 64
    learning_rate: float = 3e-3
    weight_decay: float = 0.01
    seed: int = 42
    update_max_steps: int = 300  # fine-tuning stops earlier once new and old examples are right
    update_check_every: int = 5
    update_confidence: float = 0.8  # ...and every taught action has at least this probability
    update_batch_size: int = 32  # new examples per fine-tuning step at most...
    rehearsal: int = 64  # ...plus this many replayed old ones (16 took twice the steps on concertbot)
    update_learning_rate: float = 1e-2
    min_batches: int = 4  # small data sets still get this many steps per epoch (batches of at least 8)
    warmup_steps: int = 10
    min_epochs: int = 5
    stop_confidence: float = 0.9  # training stops when every example is ranked first with this...
    patience: int = 10  # ...or when the loss fell less than `min_improvement` over this many epochs
    min_improvement: float = 0.05

    @classmethod
    def from_policy_config(cls, config: PolicyConfig) -> TEDConfig:
        return cls(max_history=config.max_history, epochs=config.ted_epochs, seed=config.seed)


@dataclass
class _Examples:
    """Deduplicated (window, action) examples over a table of distinct encoded states."""

    states: list[tuple[tuple[int, float], ...]]  # row 0 is the empty state used for padding
    rows: dict[tuple[tuple[int, float], ...], int]
    pairs: dict[tuple[Window, int], None]  # insertion-ordered set

    @classmethod
    def empty(cls) -> _Examples:
        return cls([()], {(): 0}, {})

    def row(self, encoded: tuple[tuple[int, float], ...]) -> int:
        if encoded not in self.rows:
            self.rows[encoded] = len(self.states)
            self.states.append(encoded)
        return self.rows[encoded]

    def add(self, window: Window, action: int) -> None:
        self.pairs[(window, action)] = None

    def remove_contradicting(self, new: Iterable[tuple[Window, int]]) -> None:
        """A taught turn wins: old examples with the same window but another action go."""
        taught = dict(new)
        for window, action in list(self.pairs):
            if window in taught and taught[window] != action:
                del self.pairs[(window, action)]


class TEDPolicy(Policy):
    name = "TEDPolicy"
    default_priority = TED_POLICY_PRIORITY
    uses_augmented = True

    def __init__(
        self,
        config: TEDConfig | None = None,
        priority: int | None = None,
        on_epoch: EpochCallback | None = None,
    ):
        super().__init__(priority)
        self.config = config or TEDConfig()
        self.on_epoch = on_epoch
        self.featurizer = StateFeaturizer()
        self.model: DialogueTransformer | None = None
        self.examples = _Examples.empty()
        self._action_map: tuple[tuple[str, ...], torch.Tensor] | None = None
        self.train_seconds = self.update_seconds = 0.0  # wall time of the latest train/update
        self.update_steps = self.trained_epochs = 0

    @classmethod
    def from_policy_config(cls, config: PolicyConfig, on_epoch: EpochCallback | None = None) -> TEDPolicy:
        return cls(TEDConfig.from_policy_config(config), on_epoch=on_epoch)

    # -- data -----------------------------------------------------------------------------------
    def _strip_rule_only(self, state: State) -> State:
        """The state without what only rules look at (what prediction also leaves out)."""
        slots, loops = self.rule_only_data.get(RULE_ONLY_SLOTS, []), self.rule_only_data.get(RULE_ONLY_LOOPS, [])
        if not (slots or loops):
            return state
        state = dict(state)
        if SLOTS in state:
            state[SLOTS] = {k: v for k, v in state[SLOTS].items() if k not in slots}
        if state.get(ACTIVE_LOOP, {}).get("name") in loops:
            del state[ACTIVE_LOOP]
        return {part: value for part, value in state.items() if value}

    def _window(self, states: Sequence[State]) -> Window:
        recent = states[-self.config.max_history :] if states else []
        encode = self.featurizer.encode
        return tuple(self.examples.row(encode(self._strip_rule_only(state))) for state in recent)

    def _collect(self, trackers: Iterable[TrainingTracker], domain: Domain) -> list[tuple[Window, int]]:
        """(window, action) for every action of every story tracker; the vocabulary grows to fit."""
        raw = [
            (states, action)
            for tracker in trackers
            if not tracker.is_rule
            for states, action in training_examples(tracker, domain)
        ]
        self.featurizer.add_domain(domain)
        history = self.config.max_history
        self.featurizer.add_states(self._strip_rule_only(s) for states, _ in raw for s in states[-history:])
        self.featurizer.add_actions(action for _, action in raw)
        actions = self.featurizer.actions
        return list(dict.fromkeys((self._window(states), actions[action]) for states, action in raw))

    def _tensors(self, pairs: Sequence[tuple[Window, int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(state table, windows as left-padded row indices, targets) for `pairs`."""
        table = self.featurizer.matrix(self.examples.states)
        history = self.config.max_history
        windows = torch.tensor([(0,) * (history - len(w)) + w for w, _ in pairs], dtype=torch.long)
        targets = torch.tensor([a for _, a in pairs], dtype=torch.long)
        return table, windows.view(-1, history), targets

    @staticmethod
    def _class_weights(targets: torch.Tensor, n_actions: int) -> torch.Tensor:
        """Per-example weights, the inverse square root of the action's frequency (mean 1)."""
        counts = torch.bincount(targets, minlength=n_actions).float()
        weights = counts.clamp(min=1).rsqrt()[targets]
        return weights / weights.mean()

    # -- training -------------------------------------------------------------------------------
    def train(self, trackers: list[TrainingTracker], domain: Domain) -> None:
        started = time.perf_counter()
        self.featurizer = StateFeaturizer.from_domain(domain)
        self.examples = _Examples.empty()
        for pair in self._collect(trackers, domain):
            self.examples.add(*pair)
        cfg = self.config
        model_config = TEDModelConfig(
            n_features=self.featurizer.n_features, n_actions=self.featurizer.n_actions, max_history=cfg.max_history
        )
        pairs = list(self.examples.pairs)
        with torch_threads(), torch.random.fork_rng():
            torch.manual_seed(cfg.seed)
            self.model = DialogueTransformer(model_config)
            self._action_map = None
            if pairs:
                self._fit(pairs)
        self.model.eval()
        self.train_seconds = time.perf_counter() - started

    def _optimizer(self, learning_rate: float | None = None) -> AdamW:
        assert self.model is not None
        lr = learning_rate or self.config.learning_rate
        return AdamW(self.model.parameters(), lr=lr, weight_decay=self.config.weight_decay)

    def _fit(self, pairs: list[tuple[Window, int]]) -> None:
        """Mini-batch training that stops once it has nothing left to learn (see `_learned`).

        The learning rate warms up over the first steps, then stays; `epochs` is only a cap.
        """
        assert self.model is not None
        cfg = self.config
        table, windows, targets = self._tensors(pairs)
        weights = self._class_weights(targets, self.featurizer.n_actions)
        batch_size = max(8, min(cfg.batch_size, -(-len(pairs) // cfg.min_batches)))
        optimizer = self._optimizer()
        warmup = max(1, cfg.warmup_steps)
        losses: list[float] = []
        step = 0
        for epoch in range(cfg.epochs):
            self.model.train()
            order = torch.randperm(len(pairs))
            total = 0.0
            for start in range(0, len(pairs), batch_size):
                step += 1
                optimizer.lr = cfg.learning_rate * min(1.0, step / warmup)
                batch = order[start : start + batch_size]
                _, loss = self.model(table[_shortened(windows[batch])], targets[batch], weights[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            if self.on_epoch is not None:
                self.on_epoch(epoch + 1, cfg.epochs, total / len(pairs))
            if epoch + 1 >= cfg.min_epochs and self._learned(table, windows, targets, weights, losses):
                break
        self.trained_epochs = epoch + 1

    def _learned(
        self,
        table: torch.Tensor,
        windows: torch.Tensor,
        targets: torch.Tensor,
        weights: torch.Tensor,
        losses: list[float],
    ) -> bool:
        """Done when every example is ranked first with `stop_confidence`, or when the loss has
        stopped falling (contradicting stories keep some examples wrong for good)."""
        assert self.model is not None
        self.model.eval()
        with torch.no_grad():
            logits, loss = self.model(table[windows], targets, weights)
        right = bool((logits.argmax(-1) == targets).all())
        confidence = logits.softmax(-1).gather(1, targets.unsqueeze(1)).min().item()
        losses.append(loss.item())
        patience = self.config.patience
        plateau = len(losses) > patience and losses[-1] > (1.0 - self.config.min_improvement) * losses[-1 - patience]
        return (right and confidence >= self.config.stop_confidence) or plateau

    # -- interactive learning -------------------------------------------------------------------
    def update(self, new_trackers: list[TrainingTracker], domain: Domain) -> None:
        """Fine-tune on the turns of `new_trackers`, replaying old examples so none is forgotten.

        New intents, entities, slots and actions get fresh rows in the tables. A turn the model
        already predicts (first, with `update_confidence`) costs no step; otherwise steps stop as
        soon as every new example is predicted and old examples are as right as before.
        """
        if self.model is None:
            self.train(new_trackers, domain)
            return
        started = time.perf_counter()
        self.update_steps = 0
        old_pairs = list(self.examples.pairs)
        new_pairs = self._collect(new_trackers, domain)
        self.examples.remove_contradicting(new_pairs)
        taught = set(new_pairs)
        old_pairs = [p for p in old_pairs if p in self.examples.pairs and p not in taught]
        for pair in new_pairs:
            self.examples.add(*pair)
        with torch_threads(), torch.random.fork_rng():
            torch.manual_seed(self.config.seed + len(self.examples.pairs))
            self.model.grow(self.featurizer.n_features, self.featurizer.n_actions)
            self._action_map = None
            if new_pairs and not self._all_learned(new_pairs):
                self.update_steps = self._fine_tune(new_pairs, old_pairs)
        self.model.eval()
        self.update_seconds = time.perf_counter() - started

    def _all_learned(self, pairs: list[tuple[Window, int]]) -> bool:
        table, windows, targets = self._tensors(pairs)
        right, confidence = self._correct(table, windows, targets)
        return bool(right.all()) and bool((confidence >= self.config.update_confidence).all())

    def _fine_tune(self, new_pairs: list[tuple[Window, int]], old_pairs: list[tuple[Window, int]]) -> int:
        """Steps on the new examples plus a small rehearsal sample of old ones; returns the steps
        taken."""
        assert self.model is not None
        cfg = self.config
        table, new_windows, new_targets = self._tensors(new_pairs)
        if old_pairs:
            _, old_windows, old_targets = self._tensors(old_pairs)
        else:
            old_windows, old_targets = new_windows[:0], new_targets[:0]
        old_right = self._correct(table, old_windows, old_targets)[0].sum()
        optimizer = self._optimizer(cfg.update_learning_rate)
        for step in range(1, cfg.update_max_steps + 1):
            self.model.train()
            pick = torch.randint(len(new_pairs), (min(cfg.update_batch_size, len(new_pairs)),))
            windows, targets = new_windows[pick], new_targets[pick]
            if old_pairs:
                replay = torch.randint(len(old_pairs), (min(len(old_pairs), cfg.rehearsal),))
                windows, targets = torch.cat([windows, old_windows[replay]]), torch.cat([targets, old_targets[replay]])
            _, loss = self.model(table[windows], targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % cfg.update_check_every == 0:
                right, confidence = self._correct(table, new_windows, new_targets)
                new_ok = bool(right.all()) and bool((confidence >= cfg.update_confidence).all())
                if new_ok and self._correct(table, old_windows, old_targets)[0].sum() >= old_right:
                    return step
        return cfg.update_max_steps

    @torch.no_grad()
    def _correct(
        self, table: torch.Tensor, windows: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per example: is the target ranked first, and the probability it gets."""
        assert self.model is not None
        self.model.eval()
        logits, _ = self.model(table[windows])
        return logits.argmax(-1) == targets, logits.softmax(-1).gather(1, targets.unsqueeze(1)).squeeze(1)

    # -- prediction -----------------------------------------------------------------------------
    def _domain_columns(self, domain: Domain) -> torch.Tensor:
        """For each domain action, its row in the model's action table (-1 if the model lacks it)."""
        names = tuple(domain.action_names)
        if self._action_map is None or self._action_map[0] != names:
            known = self.featurizer.actions
            self._action_map = (names, torch.tensor([known.get(n, -1) for n in names], dtype=torch.long))
        return self._action_map[1]

    def probabilities(self, states: Sequence[State], domain: Domain) -> list[float]:
        """Probabilities over `domain.action_names` after the history `states`."""
        assert self.model is not None
        encode, history = self.featurizer.encode, self.config.max_history
        recent = [encode(self._strip_rule_only(s)) for s in states[-history:]]
        x = self.featurizer.window(recent, history).unsqueeze(0)
        columns = self._domain_columns(domain)
        with torch_threads(), torch.inference_mode():
            logits, _ = self.model(x)
            scores = torch.where(columns >= 0, logits[0][columns.clamp(min=0)], float("-inf"))
            return torch.softmax(scores, 0).tolist()

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> Prediction:
        if self.model is None or not self.examples.pairs:
            return self.abstain(domain)
        states = states_for_prediction(tracker, domain, ignore_rule_only_turns=True, rule_only_data=self.rule_only_data)
        return self.prediction(domain, self.probabilities(states, domain))

    # -- saving ---------------------------------------------------------------------------------
    def weights(self) -> list[Any]:
        return [] if self.model is None else list(self.model.parameters())

    def to_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.model is None:
            return {"config": asdict(self.config), "trained": False}, {}
        table, windows, targets = self._tensors(list(self.examples.pairs))
        tensors = {f"model.{k}": v.detach().clone() for k, v in self.model.state_dict().items()}
        tensors.update({"examples.states": table, "examples.windows": windows, "examples.targets": targets})
        meta = {
            "config": asdict(self.config),
            "trained": True,
            "model": self.model.config.as_dict(),
            "vocabulary": self.featurizer.to_dict(),
        }
        return meta, tensors

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, Any]) -> TEDPolicy:
        known = {f.name for f in fields(TEDConfig)}
        policy = cls(TEDConfig(**{k: v for k, v in meta["config"].items() if k in known}))
        if not meta.get("trained"):
            return policy
        policy.featurizer = StateFeaturizer.from_dict(meta["vocabulary"])
        policy.model = DialogueTransformer(TEDModelConfig(**meta["model"]))
        weights = {k[len("model.") :]: torch.as_tensor(v) for k, v in tensors.items() if k.startswith("model.")}
        policy.model.load_state_dict(weights)
        policy.model.eval()
        policy.examples = _examples_from_tensors(
            torch.as_tensor(tensors["examples.states"]),
            torch.as_tensor(tensors["examples.windows"]),
            torch.as_tensor(tensors["examples.targets"]),
        )
        return policy


def _examples_from_tensors(table: torch.Tensor, windows: torch.Tensor, targets: torch.Tensor) -> _Examples:
    """Rebuilds the example store; row i of the saved table is state row i (0: padding)."""
    examples = _Examples.empty()
    for row in table[1:]:
        columns = row.nonzero().flatten().tolist()
        encoded = tuple((c, round(float(row[c]), 6)) for c in columns)
        examples.rows.setdefault(encoded, len(examples.states))
        examples.states.append(encoded)
    for window, target in zip(windows.tolist(), targets.tolist()):
        examples.add(tuple(r for r in window if r != 0), int(target))
    return examples


def _shortened(windows: torch.Tensor) -> torch.Tensor:
    """Windows of which a random HISTORY_DROPOUT share keep only their newest 1..T-1 states.

    A policy that has seen only full windows keys on how long ago the conversation started and
    is lost when an unseen state comes in the middle; trained on shorter windows too, it also
    learns what the newest state alone says (after a bot utterance: usually listen)."""
    n, history = windows.shape
    if history < 2:
        return windows
    kept = torch.randint(1, history, (n, 1))
    shortened = (torch.rand(n, 1) < HISTORY_DROPOUT) & (torch.arange(history) < history - kept)
    return windows.masked_fill(shortened, 0)
