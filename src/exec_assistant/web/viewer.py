"""Who is looking at the page, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    EXECUTIVE = "executive"
    DELEGATE = "delegate"
    """A chief of staff or assistant on the allow-list: sees what the executive sees, except
    meetings of a private type unless the configuration grants it."""


@dataclass(frozen=True)
class Viewer:
    user_id: str
    """Who signed in: "local" for the sign-in link, the Slack user id on AWS."""
    name: str
    role: Role
    sees_private: bool
    """May open meetings of a `private` type (always true for the executive)."""

    def may_see(self, private_type: bool) -> bool:
        return self.sees_private or not private_type


LOCAL_VIEWER = Viewer(user_id="local", name="you", role=Role.EXECUTIVE, sees_private=True)
"""Who signs in with the link `serve` prints: the executive, on their own machine."""
