"""The session cookie: who signed in, until when, signed with a key only the server has.

Signed rather than stored, so the Lambda behind API Gateway needs no session table: any
instance with the key can read it. The CSRF token is derived from the session's random id,
so a form is only accepted with a token issued to the same session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from exec_assistant.web.viewer import Role, Viewer

SESSION_COOKIE = "ea_session"
SESSION_DAYS = 7
KEY_BYTES = 32


@dataclass(frozen=True)
class Session:
    session_id: str
    viewer: Viewer
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCookies:
    """Issues and reads session cookies signed with HMAC-SHA256 under `key`."""

    def __init__(self, key: bytes, *, lifetime: timedelta = timedelta(days=SESSION_DAYS)) -> None:
        if len(key) < 16:
            raise ValueError("the session key must be at least 16 bytes")
        self._key = key
        self._lifetime = lifetime

    def issue(self, viewer: Viewer, now: datetime) -> tuple[str, Session]:
        session = Session(secrets.token_urlsafe(16), viewer, now + self._lifetime)
        body = {
            "sid": session.session_id,
            "sub": viewer.user_id,
            "name": viewer.name,
            "role": viewer.role.value,
            "private": viewer.sees_private,
            "exp": int(session.expires_at.timestamp()),
        }
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}", session

    def read(self, value: str | None, now: datetime) -> Session | None:
        """The session in the cookie, or None when it is missing, altered or expired."""
        if not value or len(value) > 4096 or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
            expires = datetime.fromtimestamp(int(body["exp"]), tz=now.tzinfo)
            viewer = Viewer(
                user_id=str(body["sub"]),
                name=str(body["name"]),
                role=Role(body["role"]),
                sees_private=bool(body["private"]),
            )
            session_id = str(body["sid"])
        except (ValueError, KeyError, TypeError):
            return None
        if expires <= now:
            return None
        return Session(session_id, viewer, expires)

    def csrf_token(self, session: Session) -> str:
        return self._sign("csrf:" + session.session_id)

    def csrf_matches(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))

    def sign(self, text: str) -> str:
        """A signature of `text` under the key (for sign-in state that must come back
        unaltered)."""
        return self._sign("state:" + text)

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode(), hashlib.sha256).digest())


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)
