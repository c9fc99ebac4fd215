"""Our optimizers take torch's steps, and training never builds a torch.optim optimizer (its
first one imports torch._dynamo: seconds of start-up)."""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from core.optim import AdamW, RowAdam, RowSGD
from core.policies.ted_model import DialogueTransformer, TEDModelConfig
from core.torch_threads import ONEDNN_CACHE_ENTRIES
from tests.conftest import ROOT


def test_adamw_takes_the_same_steps_as_torchs():
    torch.manual_seed(0)
    ours = DialogueTransformer(TEDModelConfig(n_features=6, n_actions=4, max_history=3))
    theirs = DialogueTransformer(TEDModelConfig(n_features=6, n_actions=4, max_history=3))
    theirs.load_state_dict(ours.state_dict())
    ours.eval(), theirs.eval()  # no dropout: both see the same function
    mine, reference = AdamW(ours.parameters(), lr=0.01), torch.optim.AdamW(theirs.parameters(), lr=0.01)
    x, y = torch.rand(8, 3, 6), torch.randint(4, (8,))
    for _ in range(5):
        for model, optimizer in ((ours, mine), (theirs, reference)):
            optimizer.zero_grad()
            model(x, y)[1].backward()
            optimizer.step()
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
        assert torch.allclose(a, b, atol=1e-6), name


def test_row_adam_keeps_half_the_tables_size_as_state():
    """Adam's two full moments were twice the table: the memory peak of training on large data."""
    table = torch.nn.EmbeddingBag(1000, 96, sparse=True)
    optimizer = RowAdam(table.parameters())
    state = sum(t.numel() * t.element_size() for t in (*optimizer.exp_avg, *optimizer.row_avg_sq))
    assert state == table.weight.numel() * table.weight.element_size() / 2 + 4 * 1000


def test_row_adam_takes_sparse_adams_steps_where_a_rows_gradient_is_even():
    """Where every entry of a row's gradient has the same size, the row's mean square is each
    entry's square, so the step is SparseAdam's (but for the bfloat16 first moment)."""
    torch.manual_seed(0)
    ours = torch.nn.EmbeddingBag(50, 4, mode="mean", sparse=True)
    theirs = torch.nn.EmbeddingBag(50, 4, mode="mean", sparse=True)
    theirs.load_state_dict(ours.state_dict())
    mine, reference = RowAdam(ours.parameters(), lr=0.05), torch.optim.SparseAdam(list(theirs.parameters()), lr=0.05)
    untouched = ours.weight[40:].detach().clone()
    for _step in range(6):
        ids = torch.randint(0, 40, (30,))  # repeats within a batch: their gradients add up
        offsets = torch.arange(0, 30, 5)
        per_bag = torch.randn(6, 1).expand(6, 4)  # the same gradient on every entry of a bag
        for model, optimizer in ((ours, mine), (theirs, reference)):
            optimizer.zero_grad()
            (model(ids, offsets) * per_bag).sum().backward()
            optimizer.step()
    assert torch.allclose(ours.weight, theirs.weight, atol=2e-3)
    assert torch.equal(ours.weight[40:], untouched)


def test_row_adam_fits_what_sparse_adam_fits():
    torch.manual_seed(0)
    table = torch.nn.EmbeddingBag(200, 16, mode="mean", sparse=True)
    optimizer = RowAdam(table.parameters(), lr=0.05)
    ids, offsets, target = torch.randint(0, 200, (120,)), torch.arange(0, 120, 4), torch.randn(30, 16)
    first = None
    for _ in range(200):
        optimizer.zero_grad()
        loss = ((table(ids, offsets) - target) ** 2).mean()
        loss.backward()
        optimizer.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.05 * first


def test_training_never_imports_the_compiler():
    """NLU with entities (RowAdam, AdamW, the classifier) and TED, in a fresh process."""
    script = (
        "import sys; from pathlib import Path; from core.nlu.interpreter import Interpreter; "
        "from core.nlu.model import NLUModelConfig; from core.training_data.loader import load_nlu; "
        "from tests.test_ted import TrainingTracker, act, bot, trained, user; "
        "data = load_nlu(Path('sample_data/formbot/data/nlu.yml')); "
        "interpreter = Interpreter.train(data, NLUModelConfig(epochs=2, min_steps=0)); "
        "assert interpreter.model is not None and interpreter.labels; "
        "taught = [act('action_listen'), user('greet'), act('utter_greet'), act('action_listen')]; "
        "trained('moodbot').update([TrainingTracker('taught', taught)], bot('moodbot')[0]); "
        "print('torch._dynamo' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


def test_row_sgd_moves_the_touched_rows_as_dense_sgd_does_and_no_other():
    torch.manual_seed(0)
    ours = torch.nn.EmbeddingBag(50, 4, mode="sum", sparse=True)
    theirs = torch.nn.EmbeddingBag(50, 4, mode="sum")
    theirs.load_state_dict(ours.state_dict())
    mine, reference = RowSGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    untouched = ours.weight[40:].detach().clone()
    for _ in range(4):
        ids = torch.randint(0, 40, (30,))  # repeats within a batch: their gradients add up
        offsets, weights, target = torch.arange(0, 30, 5), torch.rand(30), torch.rand(6, 4)
        for model, optimizer in ((ours, mine), (theirs, reference)):
            optimizer.zero_grad()
            ((model(ids, offsets, per_sample_weights=weights) - target) ** 2).sum().backward()
            optimizer.step()
    assert torch.allclose(ours.weight, theirs.weight, atol=1e-6)
    assert torch.equal(ours.weight[40:], untouched)


def test_the_models_bound_onednns_kernel_cache_and_keep_a_users_own_bound():
    """One LSTM kernel per sentence length: unbounded, the cache grew by 100+ MB on BANKING77."""
    script = "import os, core.nlu.interpreter; print(os.environ['ONEDNN_PRIMITIVE_CACHE_CAPACITY'])"
    env = {k: v for k, v in os.environ.items() if k != "ONEDNN_PRIMITIVE_CACHE_CAPACITY"}
    ours = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    users = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "ONEDNN_PRIMITIVE_CACHE_CAPACITY": "64"},
        check=True,
    )
    assert (ours.stdout.strip(), users.stdout.strip()) == (str(ONEDNN_CACHE_ENTRIES), "64")
