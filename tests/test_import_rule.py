"""The import rule of DESIGN.md: core and forms never load the UI toolkit; core never loads forms."""

import subprocess
import sys

from tests.conftest import ROOT


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def _all_modules(package: str) -> list[str]:
    return [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def test_core_and_forms_never_load_textual():
    imports = "\n".join(f"import {m}" for m in _all_modules("core") + _all_modules("forms"))
    loaded = _loaded_after(imports)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert not {m for m in loaded if m == "tui" or m.startswith("tui.")}


def test_core_never_loads_forms():
    imports = "\n".join(f"import {m}" for m in _all_modules("core"))
    loaded = _loaded_after(imports)
    assert "forms" not in loaded
