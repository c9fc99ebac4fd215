"""`botcoach train [nlu|core]`: train and write a model archive, with a progress bar per component."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from core.training import TrainingObserver, TrainResult, load_project, parts_to_train, train
from tui.settings import TrainSettings


class ProgressObserver(TrainingObserver):
    """One rich progress bar per component: epochs done and the latest training loss."""

    def __init__(self, console: Console):
        self.progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epochs"),
            TextColumn("{task.fields[loss]}", style="cyan"),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}
        self.counts: dict[str, tuple[int, int]] = {}  # name -> (epochs done, epochs planned)

    def stage(self, name: str, total_epochs: int) -> None:
        if not self.tasks:
            self.progress.start()  # started on the first bar: no blank line when nothing trains
        self.tasks[name] = self.progress.add_task(name, total=total_epochs or None, loss="")
        self.counts[name] = (0, total_epochs)

    def epoch(self, name: str, epoch: int, total: int, loss: float) -> None:
        if name not in self.tasks:
            self.stage(name, total)
        self.counts[name] = (epoch, total)
        self.progress.update(self.tasks[name], completed=epoch, total=total, loss=f"loss {loss:.3f}")

    def done(self, name: str) -> None:
        if name not in self.tasks:
            return
        done, planned = self.counts[name]
        if 0 < done < planned:  # the loss had stopped falling: a full bar, saying so
            self.progress.update(self.tasks[name], total=done, description=f"{name} (stopped at {done}/{planned})")
        elif not planned:
            self.progress.update(self.tasks[name], total=1, completed=1)

    def warning(self, message: str) -> None:
        self.progress.console.print(f"[yellow]warning: {escape(message)}[/yellow]")

    def close(self) -> None:
        if self.tasks:
            self.progress.stop()


def run(options: TrainSettings) -> int:
    quiet = options.quiet
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    subcommand = options.subcommand
    project = load_project(options.config, options.domain, list(options.data), subcommand)
    parts = parts_to_train(project, subcommand)
    if not quiet:
        _print_config_messages(err, project)
        if subcommand is None and parts != ("nlu", "core"):
            missing = "stories" if parts == ("nlu",) else "NLU data"
            err.print(
                f"[dim]No {missing} found: training the {'NLU' if parts == ('nlu',) else 'dialogue'} model only.[/dim]"
            )
    observer = None if quiet else ProgressObserver(err)
    try:
        result = train(
            project,
            parts,
            options.out,
            fixed_name=options.fixed_model_name,
            force=options.force,
            skip_validation=options.skip_validation,
            observer=observer,
        )
    finally:
        if observer is not None:
            observer.close()
    _print_result(out, result)
    return 0


def _print_config_messages(console: Console, project) -> None:
    for warning in project.config.warnings:
        console.print(f"[yellow]warning: {escape(warning)}[/yellow]")
    for warning in getattr(project.domain, "warnings", None) or []:
        console.print(f"[yellow]warning: {escape(str(warning))}[/yellow]")
    for note in project.config.notes:
        console.print(f"[dim]note: {escape(note)}[/dim]")


def _print_result(console: Console, result: TrainResult) -> None:
    path = escape(str(result.path))
    if result.reused:
        console.print(f"Nothing changed. Reusing model [bold]{path}[/bold]")
        return
    done = []
    if result.trained:
        done.append(f"trained {' and '.join(result.trained)} in {result.seconds:.1f} s")
    if result.copied:
        done.append(f"kept {' and '.join(result.copied)} (unchanged) from the previous model")
    if not result.trained:
        done.append(f"in {result.seconds:.1f} s")
    console.print(f"Model saved to [bold]{path}[/bold] ({', '.join(done)}).")
    sys.stdout.flush()
