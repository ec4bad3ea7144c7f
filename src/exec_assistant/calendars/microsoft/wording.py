"""What the executive is told when a Microsoft 365 calendar cannot be read: one message
naming the cause, and the fix."""

from __future__ import annotations

from exec_assistant.calendars.microsoft.authorization import AuthorizationProblem
from exec_assistant.calendars.microsoft.graph_client import (
    GraphGarbage,
    GraphRefused,
    UnsafeEndpoint,
)
from exec_assistant.calendars.microsoft.graph_http import HttpFailed, Throttled
from exec_assistant.domain.errors import CalendarAuthorizationExpired, CalendarUnavailable

ADD_COMMAND = "exec-assistant calendars add microsoft"
KEPT = "meetings already stored are kept as they are"
NEXT_SYNC = f"The next sync tries again; {KEPT}."
SIGN_IN_AGAIN = f"Run '{ADD_COMMAND}' to sign in again; {KEPT}."


def unavailable(location: str, problem: Exception, episode: str | None) -> CalendarUnavailable:
    """The CalendarUnavailable for a failed sync of `location`: CalendarAuthorizationExpired
    when a person must sign in again (`episode` names the authorization that died)."""
    reason, hint = _explain(problem)
    if (
        isinstance(problem, AuthorizationProblem)
        and problem.kind in ("expired", "client")
        and episode is not None
    ):
        return CalendarAuthorizationExpired(
            location, reason, provider="microsoft", episode=episode, hint=hint
        )
    return CalendarUnavailable(location, reason, hint=hint)


def _explain(problem: Exception) -> tuple[str, str]:
    if isinstance(problem, AuthorizationProblem):
        return _authorization(problem)
    if isinstance(problem, GraphRefused):
        return _refused(problem)
    if isinstance(problem, Throttled):
        return f"Microsoft Graph is busy: {problem.reason}", NEXT_SYNC
    if isinstance(problem, HttpFailed):
        return f"Microsoft Graph cannot be reached: {problem.reason}", (
            f"Check your network (and EXEC_ASSISTANT_MICROSOFT_GRAPH_ENDPOINT); {KEPT}."
        )
    if isinstance(problem, GraphGarbage):
        return f"Microsoft Graph's answer cannot be used: {problem.reason}", (
            f"{NEXT_SYNC} If this goes on, check EXEC_ASSISTANT_MICROSOFT_GRAPH_ENDPOINT."
        )
    if isinstance(problem, UnsafeEndpoint):
        return (
            f"the Graph endpoint {problem.endpoint} is not an https URL (the token would "
            "travel in the clear)",
            "Set EXEC_ASSISTANT_MICROSOFT_GRAPH_ENDPOINT to Graph's https address "
            "(https://graph.microsoft.com/v1.0).",
        )
    raise TypeError(f"not a Microsoft calendar problem: {type(problem).__name__}")


def _authorization(problem: AuthorizationProblem) -> tuple[str, str]:
    detail = f" ({problem.detail})" if problem.detail else ""
    if problem.kind == "missing":
        return "no Microsoft 365 account is connected", (
            f"Run '{ADD_COMMAND}' to sign in (it needs the client id of an app registration: "
            "--client-id or EXEC_ASSISTANT_MICROSOFT_CLIENT_ID)."
        )
    if problem.kind == "expired":
        return f"the Microsoft 365 authorization has expired or was revoked{detail}", (
            SIGN_IN_AGAIN
        )
    if problem.kind == "client":
        return f"Microsoft refused the app registration the authorization was made with{detail}", (
            "Check the app registration (a public client with Calendars.Read), then run "
            f"'{ADD_COMMAND} --client-id ID'; {KEPT}."
        )
    if problem.kind == "unreachable":
        return f"the Microsoft 365 authorization cannot be renewed: {problem.detail}", NEXT_SYNC
    return f"the stored Microsoft 365 authorization cannot be used{detail}", SIGN_IN_AGAIN


def _refused(problem: GraphRefused) -> tuple[str, str]:
    if problem.status == 404:
        return f"Microsoft Graph knows no such calendar ({problem.shown})", (
            f"Run '{ADD_COMMAND}' to list the account's calendars and configure one of the "
            f"microsoft:<id> lines it prints; {KEPT}."
        )
    if problem.status == 403:
        return f"Microsoft Graph refused to show this calendar ({problem.shown})", (
            "The account must grant Calendars.Read and own the calendar or have it shared; "
            f"run '{ADD_COMMAND}' to sign in again; {KEPT}."
        )
    return f"Microsoft Graph refused the request ({problem.shown})", NEXT_SYNC
