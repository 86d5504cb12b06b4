"""A run's flat artifact list folded into a folder tree for browsing."""

from __future__ import annotations

from typing import Any

from runway_core.schemas import ArtifactPublic


def build_tree(artifacts: list[ArtifactPublic]) -> list[dict[str, Any]]:
    """Nested ``{name, path, is_dir, size, children | artifact}`` nodes, folders first."""
    root: dict[str, Any] = {"children": {}}
    for art in artifacts:
        node = root
        parts = art.path.split("/")
        for i, part in enumerate(parts[:-1]):
            node = node["children"].setdefault(
                part,
                {"name": part, "path": "/".join(parts[: i + 1]), "is_dir": True, "children": {}},
            )
        node["children"][parts[-1]] = {
            "name": parts[-1],
            "path": art.path,
            "is_dir": False,
            "size": art.size,
            "kind": art.kind,
            "artifact_id": art.id,
        }
    return _finish(root)["children"]


def _finish(node: dict[str, Any]) -> dict[str, Any]:
    if "children" in node:
        kids = [_finish(child) for child in node["children"].values()]
        kids.sort(key=lambda c: (not c["is_dir"], c["name"]))
        node = {**node, "children": kids}
        node["size"] = sum(c.get("size") or 0 for c in kids)
    return node
