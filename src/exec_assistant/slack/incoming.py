"""An incoming Slack HTTP request, parsed or refused: the edge shared by the local endpoint and
the Lambda handler."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.request import BoltRequest

Headers = Mapping[str, str | Sequence[str]]


class MalformedSlackRequest(ValueError):
    """A body that is neither a form nor a JSON object, or whose `payload` is not one."""


class OversizedSlackRequest(ValueError):
    """A body larger than the limit (slack_max_body_kb)."""


def parse_slack_request(
    body: bytes, headers: Headers, query: Mapping[str, Sequence[str]] | None = None
) -> BoltRequest:
    """A BoltRequest for Bolt to verify and dispatch; MalformedSlackRequest when the body
    cannot be one (not UTF-8, JSON that is not an object, a form whose `payload` is not a JSON
    object). Slack sends events as JSON and interactivity and slash commands as forms."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedSlackRequest("the body is not UTF-8") from None
    content_type = _first(headers, "content-type") or ""
    _check_shape(text, content_type.split(";")[0].strip().lower())
    try:
        return BoltRequest(body=text, query=dict(query or {}), headers=dict(headers))
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise MalformedSlackRequest(
            f"the body is not a Slack request ({type(exc).__name__})"
        ) from None


def _check_shape(text: str, content_type: str) -> None:
    if not text:
        return
    # The same rule Bolt parses by: JSON when it says so or looks so, else a form.
    if content_type == "application/json" or text.startswith("{"):
        _json_object(text, "the body")
        return
    params = parse_qsl(text, keep_blank_values=True)
    if "payload" in text:
        payload = dict(params).get("payload")
        if payload is not None:
            _json_object(payload, "the form's payload")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise MalformedSlackRequest(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedSlackRequest(f"{what} is not a JSON object")
    return value


def _first(headers: Headers, name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            if isinstance(value, str):
                return value
            return value[0] if value else None
    return None
