"""Running Rasa 3.6 for the side-by-side benchmarks (bench.versus_rasa, bench.versus_rasa_core).

Rasa 3.6 needs Python <= 3.10, so `sudo bash bench/rasa_chroot.sh` builds it in a Debian 11
chroot (BOTCOACH_RASA_CHROOT, default /opt/bullseye). Each benchmark works in its own folder
there, and keeps Rasa's results by their inputs, so a rerun after a change on our side costs no
Rasa time.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CHROOT = Path(os.environ.get("BOTCOACH_RASA_CHROOT", "/opt/bullseye"))


def ready() -> bool:
    """Whether Rasa is installed in the chroot (then /proc is mounted); if not, says what to run."""
    if not (CHROOT / "opt" / "rasa36" / "bin" / "rasa").exists():
        print(f"Rasa 3.6 not found in {CHROOT}: run `sudo bash bench/rasa_chroot.sh` first")
        return False
    subprocess.run(["bash", str(Path(__file__).with_name("rasa_chroot.sh"))], check=True, capture_output=True)
    return True


def host_path(inside: Path) -> Path:
    """Where the host sees the chroot's folder `inside`."""
    return CHROOT / inside.relative_to("/")


def run(inside: Path, command: str, log: str) -> None:
    """`command` in the chroot's folder `inside`, niced, with Rasa's venv first on the PATH, its
    output kept in the file `log` there."""
    subprocess.run(
        [
            "chroot",
            str(CHROOT),
            "/usr/bin/env",
            "-i",
            "PATH=/opt/rasa36/bin:/usr/bin:/bin",
            "HOME=/root",
            "sh",
            "-c",
            f"cd {inside} && nice -n 5 {command} > {log} 2>&1",
        ],
        check=True,
    )


def cached(folder: Path, inputs: dict[str, str], output: str) -> bool:
    """Whether `output` in `folder` still belongs to `inputs` (file name -> text); if not, write
    the inputs and drop the output, for the caller to make again."""
    if (folder / output).exists() and all(
        (folder / f).exists() and (folder / f).read_text() == text for f, text in inputs.items()
    ):
        return True
    (folder / output).unlink(missing_ok=True)
    for file, text in inputs.items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_text(text)
    return False
