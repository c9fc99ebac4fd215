"""`botcoach test [nlu|core]`: evaluate a model and write Rasa-shaped reports into --out.

`test core` replays the test stories (--stories) through the model's policies, checking the
intents of end-to-end user text with its NLU; `test nlu` parses the NLU data (--nlu) and reports
intents and entities, or with --cross-validation trains and tests on --folds folds instead of
using a model. `test` alone does both halves the model has (and cross-validation when asked).
Wrong predictions are results, not errors: the exit code is 0 unless something could not run.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from core.config import BotcoachConfig, load_config
from core.errors import DataError, ModelError
from core.evaluation import failed_stories, nlu_eval
from core.evaluation.core_eval import StoryEvaluation, evaluate_stories, load_test_stories
from core.evaluation.cross_validation import CrossValidation, cross_validate
from core.evaluation.nlu_eval import NLUEvaluation
from core.model import TrainedModel, load_model
from tui.settings import TestSettings

MAX_FAILED_SHOWN = 10
LOWEST_RECALL_SHOWN = 10


def run(options: TestSettings) -> int:
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    quiet, subcommand = options.quiet, options.subcommand
    out_dir = Path(options.out)
    cross = options.cross_validation and subcommand != "core"
    written: list[Path] = []
    model = None if subcommand == "nlu" and cross else load_model(options.model)
    if subcommand in (None, "core") and model is not None:
        evaluation = _test_core(model, options.stories, required=subcommand == "core", err=err, quiet=quiet)
        if evaluation is not None:
            written += failed_stories.write(evaluation, out_dir)
            _print_core(out, evaluation)
    if subcommand in (None, "nlu"):
        nlu_path = options.nlu
        if cross:
            config = load_config(options.config)
            result = _cross_validate(config, options.folds, nlu_path, err, quiet)
            written += nlu_eval.write(result.evaluation, out_dir, nlu_eval.extractor_names(config))
            _print_cross_validation(out, result)
            _print_intents(out, result.evaluation, options.out_of_scope_intent)
        elif model is not None and (model.interpreter is not None or subcommand == "nlu"):
            evaluation = _test_nlu(model, nlu_path)
            written += nlu_eval.write(evaluation, out_dir, nlu_eval.extractor_names(model.config))
            _print_nlu(out, evaluation)
            _print_intents(out, evaluation, options.out_of_scope_intent)
    if not quiet:
        out.print(f"Results written to [bold]{escape(str(out_dir))}[/bold] ({len(written)} files).")
    return 0


def _test_core(model: TrainedModel, stories_path: str, required: bool, err: Console, quiet: bool):
    if model.ensemble is None or model.domain is None:
        if required:
            raise ModelError(
                f"{model.path}: the model has no dialogue part to test",
                hint="train it with stories and a domain (`botcoach train`)",
            )
        return None
    if not Path(stories_path).exists() and not required:
        if not quiet:
            err.print(f"[dim]No test stories at {escape(stories_path)}: the dialogue model is not tested.[/dim]")
        return None
    stories = load_test_stories([stories_path])
    if not stories:
        raise DataError(
            f"no test stories found in {stories_path}", hint="pass them with --stories, e.g. tests/test_stories.yml"
        )
    return evaluate_stories(stories, model.domain, model.ensemble, model.interpreter)


def _test_nlu(model: TrainedModel, nlu_path: str) -> NLUEvaluation:
    if model.interpreter is None:
        raise ModelError(
            f"{model.path}: the model has no NLU part to test",
            hint="train it with NLU data (`botcoach train`), or use --cross-validation",
        )
    data = nlu_eval.load_test_nlu([nlu_path])
    if not data.examples:
        raise DataError(f"no NLU examples found in {nlu_path}", hint="pass the NLU data with --nlu, e.g. data/nlu.yml")
    return nlu_eval.evaluate(model.interpreter, data.examples)


def _cross_validate(config: BotcoachConfig, folds: int, nlu_path: str, err: Console, quiet: bool) -> CrossValidation:
    data = nlu_eval.load_test_nlu([nlu_path])
    if not data.examples:
        raise DataError(f"no NLU examples found in {nlu_path}", hint="pass the NLU data with --nlu, e.g. data/nlu.yml")

    def progress(number: int, total: int) -> None:
        if not quiet:
            err.print(f"[dim]Training and testing fold {number} of {total}...[/dim]")

    return cross_validate(data, config, folds, on_fold=progress)


# ---- summaries ----------------------------------------------------------------------------------


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _print_core(console: Console, evaluation: StoryEvaluation) -> None:
    actions = evaluation.actions
    correct_actions = sum(a.is_correct for a in actions)
    stories = len(evaluation.stories)
    table = Table(title="Dialogue (test stories)", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("level", "left"),
        ("correct", "right"),
        ("accuracy", "right"),
        ("F1", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)
    report = evaluation.report()
    weighted_f1 = (report.get("weighted avg") or {}).get("f1-score", 0.0)
    table.add_row(
        "conversations",
        f"{stories - len(evaluation.failed)} / {stories}",
        _percent(evaluation.conversation_accuracy),
        "",
    )
    table.add_row(
        "actions", f"{correct_actions} / {len(actions)}", _percent(evaluation.action_accuracy), f"{weighted_f1:.3f}"
    )
    intents = [pair for story in evaluation.stories for pair in story.intents]
    if intents:
        right = sum(t == p for t, p in intents)
        table.add_row("intents (e2e)", f"{right} / {len(intents)}", _percent(right / len(intents)), "")
    console.print(table)
    console.print(f"In-data fraction: {evaluation.in_training_data_fraction:.3g}")
    for story in evaluation.failed[:MAX_FAILED_SHOWN]:
        console.print(f"[red]failed:[/red] {escape(story.name)}: {escape('; '.join(story.mistakes))}")
    if len(evaluation.failed) > MAX_FAILED_SHOWN:
        console.print(f"... and {len(evaluation.failed) - MAX_FAILED_SHOWN} more (see failed_test_stories.yml)")
    for story in evaluation.with_warnings[:MAX_FAILED_SHOWN]:
        console.print(f"[yellow]warning:[/yellow] {escape(story.name)}: {escape('; '.join(story.warnings))}")


def _print_nlu(console: Console, evaluation: NLUEvaluation) -> None:
    table = Table(title="NLU", title_justify="left")
    for column in ("", "examples", "accuracy", "F1 (weighted)", "precision (weighted)"):
        table.add_column(column, justify="left" if not column else "right")
    precision, f1, accuracy = evaluation.intent_scores
    table.add_row("intents", str(len(evaluation.intents)), _percent(accuracy), f"{f1:.3f}", f"{precision:.3f}")
    if evaluation.entity_report is not None:
        micro = evaluation.entity_report.get("micro avg") or {}
        precision, f1, _ = evaluation.entity_scores
        table.add_row("entities (exact span)", str(micro.get("support", 0)), "", f"{f1:.3f}", f"{precision:.3f}")
    console.print(table)
    errors = evaluation.intent_errors
    if errors:
        console.print(
            f"{len(errors)} intent error(s), e.g. "
            + "; ".join(f"'{escape(e.text)}': {escape(e.target)} -> {escape(str(e.prediction))}" for e in errors[:3])
        )


def _print_intents(console: Console, evaluation: NLUEvaluation, out_of_scope_intent: str) -> None:
    """The intents to work on (lowest recall first) and, when the test data has out-of-scope
    examples, how many of them the bot caught and how often its "out of scope" was right."""
    weakest = [(name, row) for name, row in evaluation.lowest_recall(LOWEST_RECALL_SHOWN) if row["recall"] < 1.0]
    if weakest:
        table = Table(title="Intents with the lowest recall", title_justify="left")
        for column in ("intent", "recall", "precision", "examples", "mistaken for"):
            table.add_column(column, justify="left" if column in ("intent", "mistaken for") else "right")
        for name, row in weakest:
            confused = ", ".join(f"{other} ({n})" for other, n in list(row["confused_with"].items())[:2])
            table.add_row(
                escape(name), _percent(row["recall"]), _percent(row["precision"]), str(row["support"]), escape(confused)
            )
        console.print(table)
    scores = evaluation.out_of_scope(out_of_scope_intent)
    if scores is not None:
        console.print(
            f"Out of scope ({escape(scores.intent)}): recall {_percent(scores.recall)} "
            f"({scores.caught} of {scores.support} caught), "
            f"precision {_percent(scores.precision)} ({scores.answered} answered out of scope)"
        )


def _print_cross_validation(console: Console, result: CrossValidation) -> None:
    table = Table(title=f"Cross-validation ({result.folds} folds): mean (std)", title_justify="left")
    for column in ("", "metric", "train", "test"):
        table.add_column(column, justify="right" if column in ("train", "test") else "left")
    parts = [("intents", result.intent_train, result.intent_test)]
    if result.has_entities:
        parts.append(("entities", result.entity_train, result.entity_test))
    for name, train, test in parts:
        train_summary, test_summary = train.summary(), test.summary()
        for index, metric in enumerate(train_summary):
            table.add_row(
                name if index == 0 else "",
                metric,
                "{:.3f} ({:.3f})".format(*train_summary[metric]),
                "{:.3f} ({:.3f})".format(*test_summary[metric]),
            )
    console.print(table)
