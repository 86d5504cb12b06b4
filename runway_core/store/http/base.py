"""Plumbing of ``HttpStore``: one ``_request()`` that sends JSON and turns error bodies back into
the same ``RunwayError`` classes the server raised (transport failures → ``StoreUnavailable``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from runway_core.errors import RunwayError, StoreUnavailable, error_from_dict

API_PREFIX = "/api/v1"
_JSON = {"content-type": "application/json"}


def segment(value: str) -> str:
    """One path segment, quoted so that names and keys with ``/`` or spaces survive."""
    return quote(value, safe="")


def dump(model: BaseModel, *, exclude_unset: bool = False) -> bytes:
    """JSON of a model, with NaN/infinity as bare tokens so the server can refuse them by name
    (pydantic's own JSON would turn them into null silently)."""
    return encode(model.model_dump(mode="json", exclude_unset=exclude_unset))


def encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


class HttpBase:
    """Base of the ``HttpStore`` mixins (one per entity family); holds the client."""

    _client: httpx.Client
    _api: str
    _headers: dict[str, str]
    _owns_client: bool

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.Client | None = None,
        token: str | None = None,
        timeout: float = 30,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api = self.base_url + API_PREFIX
        self._headers = {"accept": "application/json"}
        if token is None:  # RUNWAY_TOKEN; "" sends no token whatever the environment says
            from runway_core.config import settings

            secret = settings().token
            token = secret.get_secret_value() if secret is not None else None
        if token:
            self._headers["authorization"] = f"Bearer {token}"
        self._owns_client = client is None
        # An injected client (e.g. FastAPI's TestClient) keeps its own timeout and settings.
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    def _request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
    ) -> Any:
        """Send one JSON request to ``/api/v1{path}``; return the decoded JSON (None for 204)."""
        headers = _JSON if content is not None else None
        response = self._send(method, path, content=content, params=params, headers=headers)
        if response.status_code == 204 or not response.content:
            return None
        return json_body(response)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send any request (``files=``, ``data=``, raw ``content=``) to ``/api/v1{path}``;
        error responses and transport failures are raised as ``RunwayError``s."""
        headers = {**self._headers, **(kwargs.pop("headers", None) or {})}
        try:
            response = self._client.request(method, self._api + path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"cannot reach the Runway server at {self.base_url}: {exc or type(exc).__name__}"
            ) from exc
        if response.status_code >= 300:  # the API never redirects: an error, or not the API
            raise error_from_response(response)
        return response

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpBase:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON of an answer; anything else (an HTML page from the dashboard's port or
    a proxy) is a ``RunwayError`` saying what answered instead of a ``JSONDecodeError``."""
    try:
        return response.json()
    except ValueError:
        raise not_runway(response) from None


def not_runway(response: httpx.Response) -> RunwayError:
    """What answered instead of the Runway API, and where the API usually is."""
    url = response.request.url
    base = f"{url.scheme}://{url.netloc.decode()}"
    kind = response.headers.get("content-type", "no content type").split(";")[0].strip()
    message = (
        f"{base} answered HTTP {response.status_code} {kind}, not the Runway API "
        f"(expected JSON from {url.path})"
    )
    if "location" in response.headers:
        message += f"; it redirects to {response.headers['location']}"
    if "html" in kind:
        message += "; is this the dashboard's port? the API is usually on :5000"
    return RunwayError(message)


def error_from_response(response: httpx.Response) -> RunwayError:
    """The ``RunwayError`` an error response stands for (``read()`` a streamed one first)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return error_from_dict(body["error"], status)
    # Not our server's body: a proxy or load balancer answered.
    if status in (502, 503, 504):
        text = response.text.strip()[:200] or response.reason_phrase
        return StoreUnavailable(f"the Runway server at {response.url.host} is unavailable: {text}")
    if body is None:
        return not_runway(response)
    return RunwayError(f"HTTP {status} from {response.request.url}: {str(body)[:200]}")
