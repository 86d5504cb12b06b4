"""Web links to a run's code: the commit page of a GitHub, GitLab or Bitbucket remote."""

from __future__ import annotations

import re

_SCP_RE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")
_HOSTS = {
    "github.com": "{base}/commit/{commit}",
    "gitlab.com": "{base}/-/commit/{commit}",
    "bitbucket.org": "{base}/commits/{commit}",
}
_COMMIT_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")


def commit_url(remote: str | None, commit: str | None) -> str | None:
    """The web page of ``commit`` for a GitHub, GitLab or Bitbucket remote; None otherwise.

    Handles ``git@github.com:o/r.git``, ``ssh://git@host/o/r.git`` and ``https://host/o/r(.git)``
    (credentials in the URL are dropped).
    """
    if not remote or not commit or not _COMMIT_RE.match(commit):
        return None
    remote = remote.strip()
    host = path = ""
    if "://" in remote:
        scheme, rest = remote.split("://", 1)
        if scheme not in ("https", "http", "ssh", "git", "git+ssh", "git+https"):
            return None
        netloc, _, path = rest.partition("/")
        host = netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    else:
        m = _SCP_RE.match(remote)
        if not m:
            return None
        host, path = m["host"], m["path"]
    host = host.lower()
    path = path.strip("/").removesuffix(".git")
    # Self-hosted GitHub Enterprise and GitLab instances usually keep the product in the name.
    template = _HOSTS.get(host) or next(
        (_HOSTS[f"{p}.com"] for p in ("github", "gitlab") if host.startswith(f"{p}.")), None
    )
    if not template or path.count("/") < 1 or ".." in path:
        return None
    return template.format(base=f"https://{host}/{path}", commit=commit.lower())
