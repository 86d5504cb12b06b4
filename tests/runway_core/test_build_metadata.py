"""Building the wheel: the license is an SPDX expression (PEP 639), so setuptools prints no
deprecation warning and the metadata says ``License-Expression: Apache-2.0``."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_declares_an_spdx_license_without_warnings(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    log = out.stdout + out.stderr
    assert "project.license" not in log, log  # setuptools' "as a TOML table is deprecated"
    [wheel] = tmp_path.glob("runway_tracker-*.whl")
    with zipfile.ZipFile(wheel) as whl:
        [meta] = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        headers = whl.read(meta).decode().split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers
