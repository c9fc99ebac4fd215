"""How training reports progress. Kept apart from core.training, which loads torch, so that the
app can implement it without delaying its first screen."""


class TrainingObserver:
    """Receives progress; every method is optional to override. Core calls, never prints."""

    def stage(self, name: str, total_epochs: int) -> None:
        """A component starts training (`total_epochs` 0: no epochs, e.g. memoization)."""

    def epoch(self, name: str, epoch: int, total: int, loss: float) -> None:
        """One epoch of component `name` finished."""

    def done(self, name: str) -> None:
        """The component finished (early stopping may end before the last epoch)."""

    def warning(self, message: str) -> None:
        """Something in the data a person should look at (e.g. an unused checkpoint)."""
