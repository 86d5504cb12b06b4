"""Unified diffs of two text artifacts, and the clear answer when there can be none (binary)."""

from __future__ import annotations

import difflib

MAX_DIFF_BYTES = 2 * 1024 * 1024


def unified_diff(text_a: str, text_b: str, name_a: str, name_b: str) -> str:
    lines = difflib.unified_diff(
        text_a.splitlines(keepends=True),
        text_b.splitlines(keepends=True),
        fromfile=name_a,
        tofile=name_b,
    )
    # A last line without a newline would glue onto the next diff line; mark it like git does.
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def binary_message(size_a: int | None, size_b: int | None) -> str:
    if size_a != size_b:
        return "binary, sizes and hashes differ"
    return "binary, hashes differ (same size)"
