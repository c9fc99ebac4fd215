"""`botcoach data validate` and `botcoach data convert`."""

from __future__ import annotations

import argparse

from rich.console import Console

from core.config import load_config
from core.conversion import convert
from core.domain import load_domain
from core.training_data.loader import load_training_data
from core.validation import validate


def run(args: argparse.Namespace) -> int:
    if args.subcommand == "convert":
        return _convert(args)
    return _validate(args)


def _convert(args: argparse.Namespace) -> int:
    written = convert(args.kind, args.data, args.format, args.out)
    console = Console(stderr=True)
    for path in written:
        console.print(f"[green]wrote[/] {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    config = load_config(args.config)
    data = load_training_data(args.data)
    domain = load_domain(args.domain).with_nlu_responses(data.nlu)
    max_history = args.max_history or config.policies.max_history
    report = validate(domain, data, max_history, config.policies)
    for warning in [*domain.warnings, *config.warnings]:
        console.print(f"[yellow]warning[/] {warning}")
    for finding in report.findings:
        colour = "red" if finding.level == "error" else "yellow"
        console.print(f"[{colour}]{finding.level}[/] {finding}", markup=True)
    errors, warnings = len(report.errors), len(report.warnings)
    console.print(f"{errors} error(s), {warnings} warning(s) in {args.domain} and {', '.join(map(str, args.data))}")
    if errors or (args.fail_on_warnings and warnings):
        return 1
    return 0
