"""Follow-up questions on vague prep answers, in the prep's chat session.

Once the answers are in, the answer reviewer may ask about one that is too vague to prepare
from ("the incident": which one?), at most `follow_up_turns` times per prep. Its answer is
joined to the answer it makes concrete, and the answers are reviewed again while turns are
left. A reviewer that fails, hangs or may not read a private meeting never holds the prep
up: it goes on with the answers as they are.
"""

from __future__ import annotations

import logging

from exec_assistant.domain.follow_ups import follow_up_turn, with_follow_up_answer
from exec_assistant.domain.identity import delivery_key
from exec_assistant.domain.meeting_types import MeetingType
from exec_assistant.domain.models import ChatSession, Meeting, SessionState
from exec_assistant.domain.privacy import private_refusal
from exec_assistant.ports import AnswerReview
from exec_assistant.services.deliveries import deliver_once, delivered
from exec_assistant.services.dependencies import PrepDependencies
from exec_assistant.services.time_limit import within

log = logging.getLogger(__name__)

FOLLOW_UP_STATE = "FollowUp"
"""A follow-up's delivery key is the prep id and `FollowUp1`, `FollowUp2`, …"""


def follow_up_key(prep_id: str, number: int, questions_round: int = 1) -> str:
    """`FollowUp1`, …; in a later round of questions (after a reclassification),
    `FollowUp1-r2`, so that it is not taken for the first round's."""
    suffix = "" if questions_round == 1 else f"-r{questions_round}"
    return delivery_key(prep_id, f"{FOLLOW_UP_STATE}{number}{suffix}")


class FollowUps:
    """Takes a session whose answers are in to its end: answered, or waiting for the answer
    to a follow-up question."""

    def __init__(self, deps: PrepDependencies) -> None:
        self._deps = deps

    def settle(self, meeting: Meeting, session: ChatSession, prep_id: str) -> ChatSession:
        """Review, ask, take the answers that come at once, until the reviewer is satisfied,
        the turns are used up, or a follow-up waits for an answer that comes later.

        Safe to repeat after a crash: a follow-up is recorded on the session before it is
        sent, and sent once under its own delivery key.
        """
        sessions = self._deps.sessions
        for _ in range(2 * self._deps.follow_up_turns + 2):  # each pass records progress
            current = sessions.get(session.session_id) or session
            if current.state != SessionState.WAITING or not current.answers_given:
                return current
            pending = current.pending_follow_up
            if pending is not None:
                key = follow_up_key(prep_id, len(current.follow_ups), current.questions_round)
                if delivered(self._deps.deliveries, key):
                    return current  # its answer comes later
                answer = self._ask(meeting, current, key)
                if answer is None:
                    return sessions.get(current.session_id) or current
                self._answer(current, answer)
                continue
            if current.follow_ups and current.follow_ups[-1].answer == "":
                return self._finish(current)  # nothing to add: no more questions
            review = self._review_if_allowed(meeting, current)
            if review is None or review.follow_up is None:
                return self._finish(current)
            self._record(current, review)
        return self._finish(sessions.get(session.session_id) or session)

    # --- steps -------------------------------------------------------------------------------

    def _review_if_allowed(self, meeting: Meeting, session: ChatSession) -> AnswerReview | None:
        deps = self._deps
        reviewer = deps.answer_reviewer
        if reviewer is None or len(session.follow_ups) >= deps.follow_up_turns:
            return None
        meeting_type = self._type_of(meeting)
        if meeting_type.private and private_refusal(reviewer.destination, deps.private_providers):
            log.info(
                "answers not reviewed: a private meeting",
                extra={"meeting_id": meeting.meeting_id, "reviewer": reviewer.name},
            )
            return None
        review = self._review_within(meeting, meeting_type, session)
        if review is None:
            return None
        if review.calls:
            deps.meetings.update(
                meeting.meeting_id,
                lambda m: m.model_copy(update={"model_calls": m.model_calls + review.calls}),
            )
        if review.failure is not None:
            log.warning(
                "answer review failed; going on with the answers as they are",
                extra={"meeting_id": meeting.meeting_id, "session_id": session.session_id},
            )
            return None
        return review

    def _review_within(
        self, meeting: Meeting, meeting_type: MeetingType, session: ChatSession
    ) -> AnswerReview | None:
        """The review, or None when the reviewer raised or overran `review_timeout`."""
        deps = self._deps
        reviewer = deps.answer_reviewer
        assert reviewer is not None
        try:
            return within(
                deps.review_timeout,
                lambda: reviewer.review(meeting, meeting_type, session),
                name="review-answers",
                what=reviewer.name,
            )
        except Exception as exc:  # a failed review never holds the prep up
            log.warning(
                "answer review failed; going on with the answers as they are",
                extra={
                    "meeting_id": meeting.meeting_id,
                    "session_id": session.session_id,
                    "error": type(exc).__name__,
                },
            )
            return None

    def _record(self, session: ChatSession, review: AnswerReview) -> None:
        """The follow-up on the session, unless another writer moved it on meanwhile."""
        assert review.follow_up is not None
        turn = follow_up_turn(review.follow_up)
        seen = len(session.follow_ups)

        def ask(current: ChatSession) -> ChatSession:
            if (
                current.state != SessionState.WAITING
                or len(current.follow_ups) != seen
                or current.pending_follow_up is not None
            ):
                return current
            return current.model_copy(update={"follow_ups": (*current.follow_ups, turn)})

        self._deps.sessions.update(session.session_id, ask)
        log.info(
            "follow-up question recorded",
            extra={"session_id": session.session_id, "turn": seen + 1},
        )

    def _ask(self, meeting: Meeting, session: ChatSession, key: str) -> str | None:
        deps = self._deps
        pending = session.pending_follow_up
        assert pending is not None
        answered: list[str | None] = []
        deliver_once(
            deps.deliveries,
            deps.clock,
            key,
            meeting.meeting_id,
            "follow_up",
            lambda: answered.append(deps.channel.follow_up(meeting, session, pending, key)),
        )
        return answered[0] if answered else None

    def _answer(self, session: ChatSession, answer: str) -> None:
        asked = session.pending_follow_up

        def answered(current: ChatSession) -> ChatSession:
            if current.pending_follow_up != asked:
                return current  # answered meanwhile (`exec-assistant answer`)
            return with_follow_up_answer(current, answer)

        self._deps.sessions.update(session.session_id, answered)

    def _finish(self, session: ChatSession) -> ChatSession:
        def done(current: ChatSession) -> ChatSession:
            if current.state != SessionState.WAITING or not current.answers_given:
                return current
            return current.model_copy(update={"state": SessionState.ANSWERED})

        return self._deps.sessions.update(session.session_id, done) or session

    def _type_of(self, meeting: Meeting) -> MeetingType:
        catalog = self._deps.catalog
        if meeting.meeting_type in catalog:
            return catalog.get(meeting.meeting_type or "")
        return catalog.fallback
