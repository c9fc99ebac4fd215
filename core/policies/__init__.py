"""Dialogue policies: the shared state and contract, memoization, the ensemble, story conflicts."""
