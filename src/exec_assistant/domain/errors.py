"""Typed errors. Each carries a message a person can act on: the cause and the fix."""

from __future__ import annotations

from typing import Any


class ExecAssistantError(Exception):
    """Base of every error the product reports to its user instead of a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ConfigError(ExecAssistantError):
    """A configuration file or setting is missing, malformed or invalid.

    The message says where, as far as it is known:
    "invalid configuration in settings.yaml at 'lookahead_days': ...",
    "invalid configuration in meeting_types.yaml: ...", "invalid EXEC_ASSISTANT_TIMEZONE: ..."
    (a key with no file: an environment variable, a flag, a setting by name), and
    "invalid configuration: ..." when neither is known.
    """

    exit_code = 2

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        if source and key:
            prefix = f"invalid configuration in {source} at '{key}'"
        elif source:
            prefix = f"invalid configuration in {source}"
        elif key:
            prefix = f"invalid {key}"
        else:
            prefix = "invalid configuration"
        super().__init__(f"{prefix}: {problem}", hint=hint)
        self.source = source
        self.key = key
        self.problem = problem


class UsageError(ExecAssistantError):
    """A command-line value is malformed (a bad --now, say)."""

    exit_code = 2


class UnknownMeetingType(ExecAssistantError):
    exit_code = 2

    def __init__(self, type_id: str, known: list[str]) -> None:
        super().__init__(
            f"unknown meeting type '{type_id}'",
            hint=f"Known types: {', '.join(sorted(known))}. "
            "Add new types in meeting_types.yaml in your config folder.",
        )
        self.type_id = type_id


class MeetingNotFound(ExecAssistantError):
    exit_code = 2

    def __init__(self, meeting_id: str) -> None:
        super().__init__(
            f"no meeting with id '{meeting_id}'",
            hint="Run 'exec-assistant meetings' to see the ids, or 'exec-assistant sync' first.",
        )
        self.meeting_id = meeting_id


class AmbiguousMeetingId(ExecAssistantError):
    exit_code = 2

    def __init__(self, prefix: str, candidates: list[str]) -> None:
        super().__init__(
            f"'{prefix}' matches several meetings: {', '.join(candidates)}",
            hint="Give more characters of the id.",
        )
        self.candidates = candidates


class ActionItemNotFound(ExecAssistantError):
    """No accepted action item with this id that the viewer may see (a wrong or stale link,
    an item replaced by corrected notes)."""

    def __init__(self, item_id: str) -> None:
        super().__init__(
            f"no action item with id '{item_id}'",
            hint="Corrected notes replace a meeting's items: open Commitments for the current "
            "ones, or run 'exec-assistant actions --open'.",
        )
        self.item_id = item_id


class ActionItemNotAccepted(ExecAssistantError):
    """The item is a proposal from notes the executive has not accepted yet."""

    def __init__(self, item_id: str, meeting_id: str) -> None:
        super().__init__(
            f"action item '{item_id}' comes from notes that are not accepted yet",
            hint=f"Accept the notes of meeting {meeting_id} first; its items are open then.",
        )
        self.item_id = item_id
        self.meeting_id = meeting_id


class IllegalStatusTransition(ExecAssistantError):
    def __init__(self, meeting_id: str, current: str, requested: str) -> None:
        super().__init__(f"meeting {meeting_id} cannot move from '{current}' to '{requested}'")
        self.current = current
        self.requested = requested


class CalendarUnavailable(ExecAssistantError):
    """A calendar could not be read at all (unreachable URL, missing file, not iCalendar)."""

    def __init__(self, location: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot read calendar {location}: {reason}", hint=hint)
        self.location = location
        self.reason = reason


class CalendarAuthorizationExpired(CalendarUnavailable):
    """The calendar account's authorization can no longer be used (its refresh token was
    refused or revoked): a person must authorize again; retrying does not help.

    `episode` names this authorization (a digest of its refresh token), so the executive is
    told once per dead authorization, not at every sync."""

    def __init__(
        self, location: str, reason: str, *, provider: str, episode: str, hint: str | None = None
    ) -> None:
        super().__init__(location, reason, hint=hint)
        self.provider = provider
        self.episode = episode


class SignInFailed(ExecAssistantError):
    """Signing in did not complete: connecting a calendar account (declined, the code
    expired, the app registration refused: nothing was stored), or signing in to the web page
    with Slack (no session was started)."""


class ConsentFailed(SignInFailed):
    """Connecting a calendar account through the deployment's web address stopped; nothing
    was stored. The message and hint are what the executive's browser shows (never a value
    from the request or the provider); `reason` is a short code for the log; `status` the
    HTTP status of the page."""

    status = 400

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class ConsentLinkInvalid(ConsentFailed):
    """The link or the callback is not one this deployment gave, was used already, has
    expired, or came back to another browser."""


class ConsentDeclined(ConsentFailed):
    """The provider answered the consent with an error (the executive declined, say)."""


class ConsentNotConfigured(ConsentFailed):
    """The deployment has no usable OAuth client for the provider."""

    status = 503


class ConsentExchangeFailed(ConsentFailed):
    """The token endpoint gave no usable answer to the authorization code."""

    status = 502


class WebSignInFailed(SignInFailed):
    """Signing in to the web page with Slack stopped; no session was started. The message and
    hint are what the browser shows (never a token, a code or a state); `reason` is a short
    code for the log; `status` the HTTP status of the page."""

    status = 400

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class WebSignInStateInvalid(WebSignInFailed):
    """The callback's state is missing, is not the one this browser was given, has expired,
    or was used already."""


class WebSignInDeclined(WebSignInFailed):
    """Slack answered the sign-in with an error (the person cancelled, say)."""


class WebSignInNotConfigured(WebSignInFailed):
    """Slack refused the deployment's own app: its client id, secret or redirect address."""

    status = 503


class WebSignInUnavailable(WebSignInFailed):
    """Slack gave no usable answer: no answer in time, an error status, a page that is not
    Slack's JSON, or an identity token that does not verify."""

    status = 502


class WebSignInRefused(WebSignInFailed):
    """The person signed in with Slack is not the executive nor a delegate on the list (or
    is in another workspace)."""

    status = 403


class WebPageNotServed(ExecAssistantError):
    """A sign-in link was asked for and no `serve` serves the web page from the data folder."""

    exit_code = 2


class DataFolderError(ExecAssistantError):
    """The data folder cannot be used: not writable, locked, or from a newer version."""

    exit_code = 3


class DataFolderInUse(DataFolderError):
    def __init__(self, message: str, *, holder: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder
        """What holds the folder, as it wrote itself in the lock: `exec-assistant serve
        (pid 123)`."""

    @property
    def held_by_serve(self) -> bool:
        return " serve " in f" {self.holder} "


class Interrupted(ExecAssistantError):
    """The user asked to stop (Ctrl-C, SIGTERM) while a long operation was under way."""

    exit_code = 130


class PackRejected(Exception):
    """A model gave no pack that could be trusted; the offline pack is written instead."""

    def __init__(self, reason: str, calls: tuple[Any, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.calls = calls
        """The ModelCalls made on the way, to be recorded with the offline pack."""


class ModelCallFailed(Exception):
    """A model call failed or ran out of time; `call` (a ModelCall) records what it had
    used by then, to be kept with the meeting."""

    def __init__(self, reason: str, call: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.call = call


class ModelUnavailable(ExecAssistantError):
    """The configured model provider cannot be used (its extra is missing, no API key)."""

    exit_code = 2


class RecordNotStored(ExecAssistantError):
    """The store refused a record as it is (over its item size limit, an id it cannot key):
    nothing of the write was stored. `record` names it: "meeting mtg_1a2b…"."""

    def __init__(self, record: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot store {record}: {reason}", hint=hint)
        self.record = record
        self.reason = reason


class UpdateConflict(ExecAssistantError):
    """A record kept changing under an update: every attempt lost the race to another
    writer, and nothing of this update was stored. Trying again later is safe."""

    def __init__(self, record: str, attempts: int) -> None:
        super().__init__(
            f"{record} was changed by another writer during each of {attempts} attempts to"
            " update it; nothing was written",
            hint="Try again in a moment.",
        )
        self.record = record
        self.attempts = attempts


class SecretUnavailable(ExecAssistantError):
    """A secret exists but cannot be read: refused, undecryptable, or not the JSON object its
    keys are read from. The message names the secret, never its value."""

    def __init__(self, secret_id: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot read secret {secret_id}: {reason}", hint=hint)
        self.secret_id = secret_id
        self.reason = reason


class DocumentsUnavailable(ExecAssistantError):
    """The documents bucket refused a request (no bucket, no permission, its key refused)."""

    def __init__(self, location: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot use {location}: {reason}", hint=hint)
        self.location = location
        self.reason = reason


class ContextSourceUnavailable(ExecAssistantError):
    """A system of record gave no context: refused, unreachable, too slow, or answering in a
    shape it should not. `reason` is what a prep pack says after "unavailable:" (a few words,
    never a secret's value); `fix` is what `doctor` tells the user to do about it."""

    def __init__(self, reason: str, *, fix: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


class EventNotPublished(ExecAssistantError):
    """An event the deployment runs on (MeetingPrepRequired) was refused by its event bus."""

    def __init__(self, detail_type: str, bus_name: str, reason: str) -> None:
        super().__init__(f"event bus {bus_name} refused the {detail_type} event: {reason}")
        self.detail_type = detail_type
        self.bus_name = bus_name
        self.reason = reason


class SecretRotationFailed(ExecAssistantError):
    """A step of a secret's rotation did not complete. The message names the secret and the
    step, never a value; the secret's current version is left as it was."""

    def __init__(self, secret: str, step: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot rotate secret {secret} at {step}: {reason}", hint=hint)
        self.secret = secret
        self.step = step
        self.reason = reason


class RotationRefused(SecretRotationFailed):
    """The rotation cannot be done as asked: rotation is off on the secret, the version is
    not the pending one, or the secret holds credentials that cannot be rotated by API."""


class CredentialsRejected(SecretRotationFailed):
    """The provider refused the credentials (a revoked refresh token, a wrong client secret,
    a new token it does not accept): a person must authorize again; retrying does not help."""


class ProviderUnavailable(SecretRotationFailed):
    """The provider could not be reached, did not answer in time, or kept answering 429 or
    5xx: a later rotation may succeed."""


class TrackerUnavailable(ExecAssistantError):
    """The task tracker cannot be used at all just now (refused credentials, unreachable,
    throttling past the wait allowed): every other request of the run would fail the same
    way, so a sync stops at the first one and tries again next time."""
