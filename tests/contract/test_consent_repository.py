"""The ConsentRepository contract: a pending step of connecting a calendar account is found
until it expires and spent once, on every adapter.

Its own backends (not tests/contract/conftest.py's Repositories): one more entry in BACKENDS
runs the whole suite against another store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from exec_assistant.adapters.aws.dynamodb_state import DynamoConsentRepository
from exec_assistant.adapters.aws.tables import STATE
from exec_assistant.adapters.memory import InMemoryConsentRepository
from exec_assistant.domain.calendar_consent import ConsentStage, PendingConsent, digest
from exec_assistant.ports import ConsentRepository

from dynamo_tables import dynamodb_tables

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FixtureLookup = Callable[[str], Any]
BackendFactory = Callable[[FixtureLookup], AbstractContextManager[ConsentRepository]]


@contextmanager
def _memory(fixture: FixtureLookup) -> Iterator[ConsentRepository]:
    yield InMemoryConsentRepository()


@contextmanager
def _dynamodb(fixture: FixtureLookup) -> Iterator[ConsentRepository]:
    with dynamodb_tables(fixture("aws"), STATE) as (client, (table,)):
        yield DynamoConsentRepository(client, table)


BACKENDS: dict[str, BackendFactory] = {"memory": _memory, "dynamodb": _dynamodb}


@pytest.fixture(params=list(BACKENDS))
def pending(request: pytest.FixtureRequest) -> Iterator[ConsentRepository]:
    with BACKENDS[request.param](request.getfixturevalue) as repository:
        yield repository


def _consent(token: str = "state-1", minutes: int = 10, **fields: Any) -> PendingConsent:
    return PendingConsent(
        stage=fields.pop("stage", ConsentStage.REDIRECTED),
        digest=digest(token),
        provider=fields.pop("provider", "google"),
        created_at=T0,
        expires_at=T0 + timedelta(minutes=minutes),
        **fields,
    )


def test_a_step_is_found_whole_until_it_expires(pending: ConsentRepository) -> None:
    step = _consent(
        invitation=digest("ticket"),
        code_verifier="v" * 86,
        redirect_uri="https://d1.cloudfront.net/oauth/calendar/callback",
        browser_digest=digest("browser"),
    )
    pending.add(step)
    found = pending.get(ConsentStage.REDIRECTED, step.digest, T0 + timedelta(minutes=9))
    assert found == step
    assert pending.get(ConsentStage.REDIRECTED, step.digest, T0 + timedelta(minutes=10)) is None


def test_a_step_is_spent_once(pending: ConsentRepository) -> None:
    step = _consent()
    pending.add(step)
    assert pending.take(ConsentStage.REDIRECTED, step.digest, T0) == step
    assert pending.take(ConsentStage.REDIRECTED, step.digest, T0) is None
    assert pending.get(ConsentStage.REDIRECTED, step.digest, T0) is None


def test_looking_does_not_spend(pending: ConsentRepository) -> None:
    step = _consent(stage=ConsentStage.INVITED, minutes=60)
    pending.add(step)
    assert pending.get(ConsentStage.INVITED, step.digest, T0) == step
    assert pending.get(ConsentStage.INVITED, step.digest, T0) == step
    assert pending.take(ConsentStage.INVITED, step.digest, T0) == step


def test_an_expired_step_cannot_be_spent(pending: ConsentRepository) -> None:
    step = _consent()
    pending.add(step)
    late = T0 + timedelta(minutes=10, seconds=1)
    assert pending.take(ConsentStage.REDIRECTED, step.digest, late) is None


def test_a_step_is_spent_as_it_was_at_an_earlier_instant(pending: ConsentRepository) -> None:
    # The connect link, spent when a consent it began completes after the link's hour.
    step = _consent(stage=ConsentStage.INVITED, minutes=60)
    pending.add(step)
    began = T0 + timedelta(minutes=59)
    assert pending.take(ConsentStage.INVITED, step.digest, began) == step


def test_unknown_steps_and_other_stages_are_not_found(pending: ConsentRepository) -> None:
    step = _consent(stage=ConsentStage.INVITED, minutes=60)
    pending.add(step)
    assert pending.get(ConsentStage.REDIRECTED, step.digest, T0) is None
    assert pending.take(ConsentStage.REDIRECTED, step.digest, T0) is None
    assert pending.get(ConsentStage.INVITED, digest("other"), T0) is None
    assert pending.get(ConsentStage.INVITED, step.digest, T0) == step


def test_of_callers_spending_one_step_at_once_one_gets_it(pending: ConsentRepository) -> None:
    step = _consent()
    pending.add(step)
    taken: list[PendingConsent | None] = []
    barrier = threading.Barrier(8)

    def spend() -> None:
        barrier.wait()
        taken.append(pending.take(ConsentStage.REDIRECTED, step.digest, T0))

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [t for t in taken if t is not None] == [step]
