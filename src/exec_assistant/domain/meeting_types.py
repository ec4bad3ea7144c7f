"""Meeting types and notification rules: the configuration that drives everything per meeting."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from exec_assistant.domain.errors import UnknownMeetingType

ContextProviderName = Literal[
    "budget", "big_rocks", "incidents", "staffing", "decisions", "history"
]

BUILT_IN_TYPE_IDS = (
    "leadership_team",
    "one_on_one",
    "reliability_review",
    "qbr",
    "executive_staff",
    "interview_debrief",
    "vendor_meeting",
    "general",
)
FALLBACK_TYPE_ID = "general"


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DetectionRules(_Config):
    """All stated conditions must hold for a type to match; an empty rule set never matches."""

    title_keywords: tuple[str, ...] = ()
    min_attendees: PositiveInt | None = None
    max_attendees: PositiveInt | None = None
    organizer_domains: tuple[str, ...] = ()
    attendee_domains: tuple[str, ...] = ()
    external_attendees: bool | None = None
    """True: needs someone from outside the executive's domain; False: everyone inside."""

    @field_validator("title_keywords")
    @classmethod
    def _keywords_not_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for keyword in value:
            if not keyword.strip():
                raise ValueError("title keywords must not be blank")
        return tuple(k.strip() for k in value)

    @field_validator("organizer_domains", "attendee_domains")
    @classmethod
    def _lower_domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.strip().lower().lstrip("@") for d in value)

    @model_validator(mode="after")
    def _bounds_ordered(self) -> DetectionRules:
        if (
            self.min_attendees is not None
            and self.max_attendees is not None
            and self.min_attendees > self.max_attendees
        ):
            raise ValueError(
                f"min_attendees ({self.min_attendees}) is greater than "
                f"max_attendees ({self.max_attendees})"
            )
        return self

    @property
    def is_empty(self) -> bool:
        return not (
            self.title_keywords
            or self.min_attendees is not None
            or self.max_attendees is not None
            or self.organizer_domains
            or self.attendee_domains
            or self.external_attendees is not None
        )


class AgendaSectionTemplate(_Config):
    title: str = Field(min_length=1)
    minutes: PositiveInt
    purpose: str = ""
    answers_from: tuple[str, ...] = ()
    """Prep questions (by index from 1) whose answers belong in this section."""


class MeetingType(_Config):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = ""
    priority: int = 0
    """Higher is tried first when classifying."""
    detection: DetectionRules = DetectionRules()
    prep_lead_hours: float = Field(gt=0, le=24 * 30)
    prep_questions: tuple[str, ...] = ()
    context_providers: tuple[ContextProviderName, ...] = ()
    agenda: tuple[AgendaSectionTemplate, ...] = Field(min_length=1)
    notes_template: str = ""


class MeetingTypeCatalog:
    """The configured meeting types, in classification order."""

    def __init__(self, types: Iterable[MeetingType]) -> None:
        self._types = {t.id: t for t in types}
        if FALLBACK_TYPE_ID not in self._types:
            raise ValueError(f"the '{FALLBACK_TYPE_ID}' meeting type must be defined")
        self._ordered = sorted(self._types.values(), key=lambda t: (-t.priority, t.id))

    def __iter__(self) -> Iterator[MeetingType]:
        return iter(self._ordered)

    def __len__(self) -> int:
        return len(self._types)

    def __contains__(self, type_id: object) -> bool:
        return type_id in self._types

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self._ordered]

    def get(self, type_id: str) -> MeetingType:
        try:
            return self._types[type_id]
        except KeyError:
            raise UnknownMeetingType(type_id, list(self._types)) from None

    @property
    def fallback(self) -> MeetingType:
        return self._types[FALLBACK_TYPE_ID]


class QuietHours(_Config):
    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours start and end must differ")
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class NotificationRules(_Config):
    quiet_hours: QuietHours | None = QuietHours(start=time(21, 0), end=time(7, 0))
    final_reminder_minutes: PositiveInt = 120
    response_timeout_hours: float = Field(default=24, gt=0)
