"""Meeting types and notification rules: the configuration that drives everything per meeting."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import time
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

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
    """One way to recognise a type: every condition given must hold; an empty set never matches."""

    title_keywords: tuple[str, ...] = ()
    also_title_keywords: tuple[str, ...] = ()
    """A second word the title must contain besides the keyword found: 'debrief' alone is a
    launch debrief as often as an interview debrief; 'debrief' and 'candidate' is not."""
    min_attendees: PositiveInt | None = None
    max_attendees: PositiveInt | None = None
    organizer_domains: tuple[str, ...] = ()
    attendee_domains: tuple[str, ...] = ()
    external_attendees: bool | None = None
    """True: needs someone from outside the executive's domain; False: everyone inside."""

    @field_validator(
        "title_keywords",
        "also_title_keywords",
        "organizer_domains",
        "attendee_domains",
        mode="before",
    )
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise PydanticCustomError(
                "list_expected", "expected a list, e.g. [{example}]", {"example": repr(value)}
            )
        return value

    @field_validator("title_keywords", "also_title_keywords")
    @classmethod
    def _keywords_not_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for keyword in value:
            if not keyword.strip():
                raise PydanticCustomError("blank_keyword", "title keywords must not be blank")
        return tuple(k.strip() for k in value)

    @field_validator("organizer_domains", "attendee_domains")
    @classmethod
    def _lower_domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.strip().lower().lstrip("@") for d in value)

    @model_validator(mode="after")
    def _consistent(self) -> DetectionRules:
        if self.also_title_keywords and not self.title_keywords:
            raise PydanticCustomError(
                "also_without_keywords",
                "also_title_keywords needs title_keywords: it asks for a second word "
                "besides one of those",
            )
        if (
            self.min_attendees is not None
            and self.max_attendees is not None
            and self.min_attendees > self.max_attendees
        ):
            raise PydanticCustomError(
                "attendee_bounds",
                "min_attendees ({min}) is greater than max_attendees ({max})",
                {"min": self.min_attendees, "max": self.max_attendees},
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


def _error_at(index: int, kind: str, message: str, given: Any) -> ValidationError:
    """A validation error located at one rule set of a list, so the key path names it."""
    detail = InitErrorDetails(type=PydanticCustomError(kind, message), loc=(index,), input=given)
    return ValidationError.from_exception_data("detection", [detail])


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
    detection: tuple[DetectionRules, ...] = ()
    """Ways to recognise this type, tried in order; the first that matches decides. In a file,
    one mapping of conditions, or a list of them when one keyword alone would be too common."""
    prep_lead_hours: float = Field(gt=0, le=24 * 30)
    prep_questions: tuple[str, ...] = ()
    context_providers: tuple[ContextProviderName, ...] = ()
    private: bool = False
    """Its content goes only to the model providers allowed for private meetings."""
    agenda: tuple[AgendaSectionTemplate, ...] = Field(min_length=1)
    notes_template: str = ""

    @field_validator("detection", mode="wrap")
    @classmethod
    def _one_or_several(
        cls, value: Any, handler: ValidatorFunctionWrapHandler
    ) -> tuple[DetectionRules, ...]:
        if value is None:
            return ()
        if isinstance(value, DetectionRules):
            return (value,)
        if isinstance(value, Mapping):
            # Validated alone so that an error's key path is the file's, detection.min_attendees,
            # not detection.0.min_attendees (a ValidationError raised here keeps its locations).
            return (DetectionRules.model_validate(value),)
        if not isinstance(value, list | tuple):
            raise PydanticCustomError(
                "detection_shape", "expected a mapping of conditions, or a list of such mappings"
            )
        for index, item in enumerate(value):
            if not isinstance(item, Mapping | DetectionRules):
                raise _error_at(index, "rule_set_shape", "expected a mapping of conditions", item)
        rule_sets: tuple[DetectionRules, ...] = handler(value)
        for index, rules in enumerate(rule_sets):
            if rules.is_empty:
                raise _error_at(
                    index,
                    "empty_rule_set",
                    "this rule set has no conditions, so it would never match; "
                    "give at least one or remove it",
                    value[index],
                )
        return rule_sets


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
            raise PydanticCustomError("empty_quiet_hours", "quiet hours start and end must differ")
        return self

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class NotificationRules(_Config):
    quiet_hours: QuietHours | None = QuietHours(start=time(21, 0), end=time(7, 0))
    final_reminder_minutes: PositiveInt = 120
    response_timeout_hours: float = Field(default=24, gt=0)
    max_prep_requests_per_day: PositiveInt | None = 5
    """Prep requests sent as their own message in one of the executive's days; the rest of
    that day's go into the day's digest. None: no limit."""
    silent_types: tuple[str, ...] = ()
    """Meeting types never asked their questions: they get their pack all the same."""

    @field_validator("silent_types", mode="before")
    @classmethod
    def _types_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise PydanticCustomError(
                "list_expected", "expected a list, e.g. [{example}]", {"example": repr(value)}
            )
        return () if value is None else value

    def unknown_silent_types(self, catalog: MeetingTypeCatalog) -> list[str]:
        """The silent types the catalog does not define (a typo would silence nothing)."""
        return [t for t in self.silent_types if t not in catalog]
