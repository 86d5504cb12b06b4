"""Talking to a running Airflow 3 through its REST API (v2) with ``apache-airflow-client``: the
token from ``POST /auth/token``, the client, and its errors as Runway's (one readable line)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from runway_core.errors import InvalidInput, NotFound, RunwayError, StoreUnavailable, Unauthorized

MISSING_CLIENT = "the Airflow REST client is not installed: pip install 'runway-tracker[airflow]'"


def check_url(url: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidInput(
            f"Airflow URL must start with http:// or https://, got {url!r}", field="url"
        )
    return url.rstrip("/")


def access_token(
    url: str,
    *,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 30,
) -> str:
    """``token`` as given, else one from ``POST /auth/token`` for ``username`` / ``password``."""
    if token:
        return token
    if not username or password is None:
        raise InvalidInput(
            "Airflow needs a token, or a username and a password to get one", field="token"
        )
    try:
        response = httpx.post(
            f"{url}/auth/token",
            json={"username": username, "password": password},
            timeout=timeout,
        )
    except httpx.TransportError as exc:
        raise StoreUnavailable(f"cannot reach Airflow at {url}: {exc}") from exc
    if response.status_code in (401, 403):
        raise Unauthorized(f"Airflow at {url} refused the password of {username!r}")
    if response.status_code not in (200, 201):
        raise RunwayError(f"Airflow at {url} answered HTTP {response.status_code} to /auth/token")
    try:
        return str(response.json()["access_token"])
    except (ValueError, KeyError, TypeError):
        raise RunwayError(f"{url}/auth/token did not answer with an access token") from None


@contextlib.contextmanager
def api_client(url: str, token: str) -> Iterator[Any]:
    """An ``airflow_client.client.ApiClient`` for ``url`` (Airflow's root); its errors leave the
    block as ``Unauthorized``, ``NotFound``, ``StoreUnavailable`` or ``RunwayError``."""
    try:
        import airflow_client.client as ac
    except ImportError:
        raise InvalidInput(MISSING_CLIENT, field="airflow") from None
    import urllib3

    with ac.ApiClient(ac.Configuration(host=url, access_token=token)) as client:
        try:
            yield client
        except ac.ApiException as exc:
            raise api_error(url, exc) from None
        except urllib3.exceptions.HTTPError as exc:
            raise StoreUnavailable(f"cannot reach Airflow at {url}: {exc}") from None


def api_error(url: str, exc: Any) -> RunwayError:
    status = getattr(exc, "status", None)
    detail = _detail(getattr(exc, "body", None)) or getattr(exc, "reason", None) or ""
    if status in (401, 403):
        return Unauthorized(f"Airflow at {url} refused the token (HTTP {status}) {detail}".strip())
    if status == 404:
        return NotFound(f"Airflow at {url}: {detail or 'not found'}")
    return RunwayError(f"Airflow at {url} answered HTTP {status}: {detail}".strip())


def _detail(body: Any) -> str:
    if not body:
        return ""
    try:
        import json

        data = json.loads(body)
        detail = data.get("detail", data) if isinstance(data, dict) else data
        return str(detail)[:300]
    except (ValueError, TypeError):
        return str(body)[:300]
