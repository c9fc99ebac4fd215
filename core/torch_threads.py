"""One torch thread for the length of a block.

The models are small. A second OpenMP thread gains little: about 18% on SNIPS training on an
idle 2-core machine. It costs a lot when the machine is busy: threads spin-waiting for each
other made a training run 8 times slower beside one other busy process. Waiting passively
(OMP_WAIT_POLICY=PASSIVE) is slower still on an idle machine. One thread also keeps a seeded
training run bit-for-bit reproducible without torch's deterministic kernels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


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
