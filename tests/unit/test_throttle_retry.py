"""A throttled or overloaded model is tried again after a jittered wait, never past the
deadline, and other failures reach the caller at once. A scripted Strands model plays the
provider; the waits are recorded, not slept."""

from __future__ import annotations

import email.utils
import time
from collections.abc import AsyncGenerator
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from strands import Agent
from strands.models.model import Model
from strands.types.exceptions import ModelThrottledException

from exec_assistant.agents.throttling import ThrottleRetry, retry_after_seconds, retry_reason


class ScriptedModel(Model):
    """Raises the scripted errors, one per call, then answers "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def update_config(self, **model_config: Any) -> None:
        pass

    def get_config(self) -> Any:
        return {}

    def structured_output(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockDelta": {"delta": {"text": "ok"}}}
        yield {"contentBlockStop": {}}
        yield {"messageStop": {"stopReason": "end_turn"}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def hook(clock: Clock, deadline: float = 1e9, random: float = 1.0, **kwargs: Any) -> ThrottleRetry:
    return ThrottleRetry(
        deadline=deadline,
        sleep=clock.sleep,
        random=lambda: random,
        monotonic=clock.monotonic,
        **kwargs,
    )


def run(model: ScriptedModel, retry: ThrottleRetry) -> str:
    agent = Agent(model=model, callback_handler=None, retry_strategy=None, hooks=[retry])
    return str(agent("hello")).strip()


def status_error(status: int, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx.Response(status, headers=headers, request=request)
    return httpx.HTTPStatusError(f"HTTP {status}", request=request, response=response)


def throttled(headers: dict[str, str] | None = None) -> ModelThrottledException:
    """As Strands raises it: the SDK's error as the cause."""
    try:
        raise ModelThrottledException("rate limited") from status_error(429, headers)
    except ModelThrottledException as error:
        return error


def aws_error(code: str, headers: dict[str, str] | None = None) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "slow down"},
            "ResponseMetadata": {"HTTPStatusCode": 503, "HTTPHeaders": headers or {}},
        },
        "ConverseStream",
    )


def test_a_throttled_call_is_retried_with_doubling_jittered_waits(clock: Clock) -> None:
    model = ScriptedModel(throttled(), throttled(), throttled())
    retry = hook(clock, random=0.5, base_delay=1.0, max_delay=20.0)
    assert run(model, retry) == "ok"
    assert model.calls == 4
    assert clock.waits == [0.5, 1.0, 2.0]  # half of 1, 2, 4: full jitter on a doubling ceiling
    assert retry.retries == 3 and retry.reasons == ["throttled"] * 3


def test_the_wait_never_exceeds_max_delay(clock: Clock) -> None:
    model = ScriptedModel(*[throttled() for _ in range(5)])
    run(model, hook(clock, max_attempts=6, base_delay=4.0, max_delay=10.0))
    assert clock.waits == [4.0, 8.0, 10.0, 10.0, 10.0]


def test_after_max_attempts_the_throttle_reaches_the_caller(clock: Clock) -> None:
    model = ScriptedModel(*[throttled() for _ in range(4)])
    retry = hook(clock, max_attempts=4)
    with pytest.raises(ModelThrottledException):
        run(model, retry)
    assert model.calls == 4 and retry.retries == 3


def test_retry_after_from_the_provider_is_waited_exactly(clock: Clock) -> None:
    model = ScriptedModel(throttled({"retry-after": "7"}), throttled({"retry-after-ms": "250"}))
    assert run(model, hook(clock, random=0.0)) == "ok"
    assert clock.waits == [7.0, 0.25]


def test_a_retry_after_longer_than_max_delay_is_not_waited_for(clock: Clock) -> None:
    model = ScriptedModel(throttled({"retry-after": "3600"}))
    with pytest.raises(ModelThrottledException):
        run(model, hook(clock, max_delay=20.0))
    assert clock.waits == [] and model.calls == 1


def test_no_wait_runs_past_the_deadline(clock: Clock) -> None:
    model = ScriptedModel(throttled(), throttled(), throttled())
    retry = hook(clock, deadline=clock.now + 2.5, random=1.0)
    with pytest.raises(ModelThrottledException):
        run(model, retry)
    assert clock.waits == [1.0]  # the next wait (2 s) would end after the deadline
    assert clock.now < retry.deadline  # type: ignore[operator]


def test_a_retry_after_past_the_deadline_gives_up_at_once(clock: Clock) -> None:
    model = ScriptedModel(throttled({"retry-after": "5"}))
    with pytest.raises(ModelThrottledException):
        run(model, hook(clock, deadline=clock.now + 4))
    assert clock.waits == []


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
def test_server_errors_and_overload_are_retried(clock: Clock, status: int) -> None:
    model = ScriptedModel(status_error(status))
    retry = hook(clock)
    assert run(model, retry) == "ok"
    assert retry.reasons == [f"HTTP {status}"]


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ServiceUnavailableException", "modelStreamErrorException"]
)
def test_bedrock_errors_that_pass_are_retried(clock: Clock, code: str) -> None:
    model = ScriptedModel(aws_error(code))
    assert run(model, hook(clock)) == "ok"


@pytest.mark.parametrize(
    "error",
    [
        status_error(400),
        status_error(401),
        aws_error("AccessDeniedException"),
        aws_error("ValidationException"),
        httpx.ReadTimeout("timed out"),
        ValueError("a bug"),
    ],
)
def test_other_failures_reach_the_caller_at_once(clock: Clock, error: BaseException) -> None:
    model = ScriptedModel(error)
    retry = hook(clock)
    with pytest.raises(type(error)):
        run(model, retry)
    assert model.calls == 1 and retry.retries == 0


def test_each_model_call_gets_its_own_attempts(clock: Clock) -> None:
    retry = hook(clock, max_attempts=2)
    assert run(ScriptedModel(throttled()), retry) == "ok"
    assert run(ScriptedModel(throttled()), retry) == "ok"
    assert retry.retries == 2


def test_retry_after_is_read_from_each_sdk_error_shape() -> None:
    assert retry_after_seconds(throttled({"retry-after": "2.5"})) == 2.5
    assert retry_after_seconds(aws_error("ThrottlingException", {"retry-after": "3"})) == 3.0
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after_seconds(throttled({"retry-after": later})) or 0) <= 30
    for nonsense in ("soon", "-4", "nan", "inf", ""):
        assert retry_after_seconds(throttled({"retry-after": nonsense})) is None
    assert retry_after_seconds(ValueError("no response")) is None


def test_a_cycle_of_causes_ends() -> None:
    first, second = ValueError("a"), ValueError("b")
    first.__cause__, second.__cause__ = second, first
    assert retry_reason(first) is None


def test_strands_own_retry_is_replaced_not_doubled(clock: Clock) -> None:
    """retry_strategy=None leaves Strands' strategy at one attempt, so only ours waits."""
    model = ScriptedModel(throttled())
    retry = hook(clock)
    assert run(model, retry) == "ok"
    assert model.calls == 2 and clock.waits == [1.0]
