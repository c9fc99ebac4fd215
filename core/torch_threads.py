"""One torch thread for the length of a block.

The models are small. A second OpenMP thread gains little: about 18% on SNIPS training on an
idle 2-core machine. It costs a lot when the machine is busy: threads spin-waiting for each
other made a training run 8 times slower beside one other busy process. Waiting passively
(OMP_WAIT_POLICY=PASSIVE) is slower still on an idle machine. One thread also keeps a seeded
training run bit-for-bit reproducible without torch's deterministic kernels.

Importing this module (every model does) also bounds oneDNN's cache of compiled kernels: it
keeps one LSTM kernel per batch shape, and every sentence length is a new shape, so on
BANKING77 the cache grew by 100+ MB over a training run. With 16 entries it grows by about 20
MB, and a parse still finds its kernel (SNIPS, 1,000 examples: 2.5 ms a parse; 2.2 ms unbounded,
3.7 ms with 4 entries). A value set in the environment is kept; oneDNN reads it when it first
runs a kernel.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

ONEDNN_CACHE_ENTRIES = 16
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(ONEDNN_CACHE_ENTRIES))


@contextmanager
def torch_threads() -> Iterator[None]:
    """Run torch on one thread, then give the process its setting back."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)
