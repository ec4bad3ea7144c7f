"""GETs of Microsoft Graph as the signed-in user: the bearer token, one renewal when Graph
refuses it, Graph's error objects read, and answers that are not Graph's refused.

Graph answers an error as `{"error": {"code": "...", "message": "..."}}`; only the code is
kept (the message is Graph's prose, and may quote the request).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from exec_assistant.calendars.microsoft.authorization import (
    AuthorizationProblem,
    MicrosoftAuthorization,
)
from exec_assistant.calendars.microsoft.graph_http import GraphHttp, HttpAnswer

_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class GraphRefused(Exception):
    """Graph answered an error: its HTTP status and error code."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"HTTP {status} {code}".strip())
        self.status = status
        self.code = code

    @property
    def shown(self) -> str:
        return f"HTTP {self.status}" + (f" {self.code}" if self.code else "")


class GraphGarbage(Exception):
    """An answer that is not what Graph gives: `reason` says what is wrong with it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsafeEndpoint(Exception):
    """The configured endpoint is not https (nor a server on this machine): the token
    would travel in the clear."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        self.endpoint = endpoint


@dataclass(frozen=True)
class GraphAnswer:
    body: dict[str, Any]
    size: int
    """Bytes of the body, for the calendar's size cap."""


class GraphClient:
    """Graph at `endpoint` (`https://graph.microsoft.com/v1.0`)."""

    def __init__(
        self, http: GraphHttp, authorization: MicrosoftAuthorization, endpoint: str
    ) -> None:
        self._http = http
        self._authorization = authorization
        self._endpoint = endpoint.rstrip("/")
        parts = urlsplit(self._endpoint)
        if (
            not (
                parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
            )
            or not parts.hostname
        ):
            raise UnsafeEndpoint(self._endpoint)
        self._origin = _origin(self._endpoint)

    @property
    def host(self) -> str:
        return urlsplit(self._endpoint).netloc

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """`/me/calendar` on the endpoint, with the query parameters."""
        return str(httpx.URL(self._endpoint + path, params=dict(params or {})))

    def get(self, url: str, *, prefer: Sequence[str] = ()) -> GraphAnswer:
        """The JSON object Graph answers at `url` (made by `url()`, or a link Graph gave);
        GraphRefused, GraphGarbage, AuthorizationProblem or HttpFailed otherwise."""
        if _origin(url) != self._origin:
            raise GraphGarbage(f"it pointed to a page on another server than {self.host}")
        answer = self._get(url, prefer)
        if answer.status == 401:
            if self._authorization.renewed:
                raise AuthorizationProblem("expired", _graph_code(answer) or "HTTP 401")
            self._authorization.renew()
            answer = self._get(url, prefer)
            if answer.status == 401:
                raise AuthorizationProblem("expired", _graph_code(answer) or "HTTP 401")
        if not 200 <= answer.status < 300:
            raise GraphRefused(answer.status, _graph_code(answer))
        body = answer.json_object()
        if body is None:
            raise GraphGarbage("an answer is not a JSON object")
        return GraphAnswer(body, len(answer.body))

    def _get(self, url: str, prefer: Sequence[str]) -> HttpAnswer:
        headers = {
            "Authorization": f"Bearer {self._authorization.bearer()}",
            "Accept": "application/json",
            "User-Agent": "exec-assistant",
        }
        if prefer:
            headers["Prefer"] = ", ".join(prefer)
        return self._http.get(url, headers)


def _graph_code(answer: HttpAnswer) -> str:
    body = answer.json_object() or {}
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and _CODE.fullmatch(code) else ""


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number
        return ("", "", None)
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port or default)
