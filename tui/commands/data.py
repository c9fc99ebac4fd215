"""`botcoach data validate` and `botcoach data convert`."""

from __future__ import annotations

from rich.console import Console

from core.config import load_config
from core.conversion import convert
from core.domain import load_domain
from core.training_data.loader import load_training_data
from core.validation import validate
from tui.settings import ConvertSettings, ValidateSettings


def run(options: ValidateSettings | ConvertSettings) -> int:
    if isinstance(options, ConvertSettings):
        return _convert(options)
    return _validate(options)


def _convert(options: ConvertSettings) -> int:
    written = convert(options.kind, options.data, options.format, options.out)
    console = Console(stderr=True)
    for path in written:
        console.print(f"[green]wrote[/] {path}")
    return 0


def _validate(options: ValidateSettings) -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    config = load_config(options.config)
    data = load_training_data(list(options.data))
    domain = load_domain(options.domain).with_nlu_responses(data.nlu)
    max_history = options.max_history or config.policies.max_history
    report = validate(domain, data, max_history, config.policies)
    for warning in [*domain.warnings, *config.warnings]:
        console.print(f"[yellow]warning[/] {warning}")
    for finding in report.findings:
        colour = "red" if finding.level == "error" else "yellow"
        console.print(f"[{colour}]{finding.level}[/] {finding}", markup=True)
    errors, warnings = len(report.errors), len(report.warnings)
    console.print(f"{errors} error(s), {warnings} warning(s) in {options.domain} and {', '.join(options.data)}")
    if errors or (options.fail_on_warnings and warnings):
        return 1
    return 0
