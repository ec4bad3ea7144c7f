"""What the executive does in Slack, as the requests Slack then sends the app: signed, in
Slack's shapes (events as JSON, interactivity as a form field `payload`, slash commands as a
form), for scenario tests."""

from __future__ import annotations

import http.client
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from slack_requests import signed

TEAM = "TFAKE001"
APP = "AFAKE001"

_ids = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}{next(_ids):06d}"


@dataclass(frozen=True)
class SlackRequest:
    body: bytes
    headers: dict[str, str]


def _signed(body: str, content_type: str, **signing: Any) -> SlackRequest:
    raw, headers = signed(body, content_type=content_type, **signing)
    return SlackRequest(raw, headers)


def event(
    event_body: dict[str, Any], *, event_id: str | None = None, **signing: Any
) -> SlackRequest:
    envelope = {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": APP,
        "type": "event_callback",
        "event_id": event_id or _next("Ev"),
        "event_time": int(time.time()),
        "event": event_body,
    }
    return _signed(json.dumps(envelope), "application/json", **signing)


def dm_message(
    user: str,
    channel: str,
    text: str,
    *,
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
    **signing: Any,
) -> SlackRequest:
    ts = f"{time.time():.6f}"
    body: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    }
    if thread_ts:
        body["thread_ts"] = thread_ts
    if files:
        body["subtype"] = "file_share"
        body["files"] = files
    return event(body, **signing)


def interaction(payload: dict[str, Any], **signing: Any) -> SlackRequest:
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return _signed(body, "application/x-www-form-urlencoded", **signing)


def button_payload(
    user: str, action_id: str, value: str, *, channel: str, message_ts: str, response_url: str
) -> dict[str, Any]:
    """The `block_actions` payload of a click on one of the app's buttons."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "api_app_id": APP,
        "trigger_id": _next("trig."),
        "container": {"type": "message", "channel_id": channel, "message_ts": message_ts},
        "channel": {"id": channel},
        "message": {"ts": message_ts, "type": "message"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def button(
    user: str,
    action_id: str,
    value: str,
    *,
    channel: str,
    message_ts: str,
    response_url: str,
    **signing: Any,
) -> SlackRequest:
    payload = button_payload(
        user, action_id, value, channel=channel, message_ts=message_ts, response_url=response_url
    )
    return interaction(payload, **signing)


def view_submission(
    user: str, view: dict[str, Any], values: dict[str, Any], **signing: Any
) -> SlackRequest:
    """The submission of a modal the app opened: `view` as it was opened (from views.open),
    `values` the state Slack reports ({block_id: {action_id: {"type": ..., "value": ...}}})."""
    submitted = {
        **view,
        "id": _next("V"),
        "team_id": TEAM,
        "state": {"values": values},
        "hash": "1.abc",
    }
    return interaction(
        {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user},
            "api_app_id": APP,
            "trigger_id": _next("trig."),
            "view": submitted,
        },
        **signing,
    )


def slash(
    user: str, text: str, *, response_url: str, channel: str = "D0EXEC", **signing: Any
) -> SlackRequest:
    body = urllib.parse.urlencode(
        {
            "token": "unused",
            "team_id": TEAM,
            "channel_id": channel,
            "channel_name": "directmessage",
            "user_id": user,
            "command": "/prep",
            "text": text,
            "api_app_id": APP,
            "response_url": response_url,
            "trigger_id": _next("trig."),
        }
    )
    return _signed(body, "application/x-www-form-urlencoded", **signing)


def text_values(answers: dict[str, str], view: dict[str, Any]) -> dict[str, Any]:
    """The state of a modal's plain-text inputs filled in with `answers` by block id."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        if block_id in answers:
            values[block_id] = {
                element["action_id"]: {"type": element["type"], "value": answers[block_id]}
            }
        else:
            values[block_id] = {
                element["action_id"]: {
                    "type": element["type"],
                    "value": element.get("initial_value"),
                }
            }
    return values


def post(port: int, request: SlackRequest, path: str = "/slack/events") -> tuple[int, str]:
    """POST the request to the app on 127.0.0.1; the status and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()
