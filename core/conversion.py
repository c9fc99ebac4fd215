"""`botcoach data convert`: NLU, stories and domains between Rasa 1.x Markdown, YAML and JSON.

A file converts to a file; a folder converts file by file into the output folder, keeping the
relative layout and changing only the suffix. Nothing is written until every input has been read
and converted, so a bad file leaves the output untouched.
"""

from __future__ import annotations

from pathlib import Path

from core.domain import load_domain, write_domain, write_domain_1x
from core.errors import DataError, Location
from core.fileio import atomic_write_text
from core.training_data import nlu_json, nlu_md, nlu_yaml, stories_md, stories_yaml
from core.training_data.loader import data_files, kinds_of
from core.yamlio import read_text

SUFFIX = {"md": ".md", "yaml": ".yml", "json": ".json"}


def convert(kind: str, data: str | Path, fmt: str, out: str | Path) -> list[Path]:
    """Convert `data` (file or folder) of `kind` (nlu, core, domain) to `fmt`; return written paths."""
    data, out = Path(data), Path(out)
    if fmt not in SUFFIX:
        raise DataError(f"unknown format {fmt!r}", hint="use -f md, -f yaml or -f json")
    if fmt == "json" and kind != "nlu":
        raise DataError(f"{kind} data has no JSON format", hint="use -f md or -f yaml")
    if kind == "domain":
        return _convert_domain(data, fmt, out)
    wanted = "nlu" if kind == "nlu" else "stories"
    sources = [p for p in data_files([data]) if wanted in kinds_of(p, read_text(p))]
    if not sources:
        raise DataError(f"no {kind} data found", Location(data), f"point --data at {kind} training data")
    results = [(_target(p, data, out, fmt), _convert_file(kind, p, fmt)) for p in sources]
    for target, text in results:
        atomic_write_text(target, text)
    return [target for target, _ in results]


def _target(source: Path, data: Path, out: Path, fmt: str) -> Path:
    if data.is_dir():
        return (out / source.relative_to(data)).with_suffix(SUFFIX[fmt])
    if out.is_dir() or not out.suffix:
        return (out / source.name).with_suffix(SUFFIX[fmt])
    return out


def _convert_file(kind: str, path: Path, fmt: str) -> str:
    text = read_text(path)
    if kind == "nlu":
        readers = {".md": nlu_md.read_nlu_md, ".json": nlu_json.read_nlu_json}
        nlu = readers.get(path.suffix.lower(), nlu_yaml.read_nlu_yaml)(text, path)
        writers = {"md": nlu_md.write_nlu_md, "yaml": nlu_yaml.write_nlu_yaml, "json": nlu_json.write_nlu_json}
        return writers[fmt](nlu)
    reader = stories_md.read_stories_md if path.suffix.lower() == ".md" else stories_yaml.read_stories_yaml
    stories = reader(text, path)
    if fmt == "md":
        rules = [s for s in stories if s.is_rule]
        if rules:
            raise DataError(
                f"{len(rules)} rule(s) cannot be written in Markdown: Rasa 1.x has no rules (first: {rules[0].name!r})",
                rules[0].location or Location(path),
                "keep rules in YAML, or convert only the stories",
            )
        return stories_md.write_stories_md(stories)
    return stories_yaml.write_stories_yaml(stories)


def _convert_domain(data: Path, fmt: str, out: Path) -> list[Path]:
    domain = load_domain(data)
    text = write_domain_1x(domain) if fmt == "md" else write_domain(domain)
    target = out / "domain.yml" if out.is_dir() or not out.suffix else out
    atomic_write_text(target, text)
    return [target]
