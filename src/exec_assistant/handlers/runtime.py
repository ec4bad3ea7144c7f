"""What every Lambda handler shares: the app built once per instance, powertools' Logger,
Tracer and Metrics, idempotency on the idempotency table, and the mapping of errors.

A handler's body takes the app and the event and returns what the function returns. An
event that is not what the function takes raises `BadEvent` (its message names the function
and the field); every other error is raised unchanged, under its own class name, which is
the error name Step Functions' Retry and Catch match (`ChannelRefused` among them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from exec_assistant.domain.errors import ExecAssistantError
from exec_assistant.lambda_functions import BY_KEY

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer

    from exec_assistant.aws_bootstrap import AgentBuilders, AwsApp

SERVICE = "exec-assistant"
METRICS_NAMESPACE = "ExecAssistant"

LambdaEvent = dict[str, Any]
Handler = Callable[[LambdaEvent, Any], Any]
AppFactory = Callable[[], "AwsApp"]

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)

BODY_LOGGERS = ("botocore", "botocore.endpoint", "botocore.parsers")
"""botocore's loggers that write whole requests and answers at DEBUG: a secret's value among
them (PutSecretValue's parameters, GetSecretValue's answer)."""

_Model = TypeVar("_Model", bound=BaseModel)
_App = TypeVar("_App")


class BadEvent(ExecAssistantError):
    """The function was invoked with an event it does not take."""


def parse_event(model: type[_Model], data: Any, function: str) -> _Model:
    """The event as the function's input model; BadEvent naming each bad field."""
    if not isinstance(data, Mapping):
        raise BadEvent(
            f"{function}: the event is {type(data).__name__}, not a JSON object",
            hint="Invoke the function with the input its trigger sends.",
        )
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error["loc"]) or "the event"
            problems.append(f"{where}: {error['msg']}")
        raise BadEvent(
            f"{function}: not a {model.__name__}: {'; '.join(problems)}",
            hint="Invoke the function with the input its trigger sends.",
        ) from None


def quiet_request_bodies() -> None:
    """botocore's request and answer bodies kept out of the log, even when the function's
    log level is DEBUG (AWS_LAMBDA_LOG_LEVEL): for the functions that read or write a
    secret's value."""
    for name in BODY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def once(build: Callable[[], _App]) -> Callable[[], _App]:
    """`build` called on the first use only (once, even when two threads ask at once)."""
    built: list[_App] = []
    lock = threading.Lock()

    def app() -> _App:
        if not built:
            with lock:
                if not built:
                    built.append(build())
        return built[0]

    return app


def function_handler(
    key: str, app: Callable[[], _App], body: Callable[[_App, LambdaEvent, Any], Any]
) -> Handler:
    """The handler of the function `key` (an entry of `lambda_functions.FUNCTIONS`): the app
    from `app` (built on the first invocation; an AwsApp, or what the function composes
    instead), `body` timed, logged and counted."""
    function = BY_KEY[key]
    the_app = once(app)

    def handler(event: LambdaEvent, context: Any) -> Any:
        started = time.perf_counter()
        request_id = getattr(context, "aws_request_id", None)
        # The keys appended last time (meeting_id, …) stay on the Logger for as long as the
        # instance lives: each invocation starts with none.
        logger.clear_state()
        logger.append_keys(function=function.name, request_id=request_id)
        outcome = "failed"
        try:
            result = body(the_app(), event, context)
            outcome = "ok"
            return result
        except BadEvent as exc:
            outcome = "bad_event"
            logger.warning("bad event", error=exc.__class__.__name__)
            raise
        except Exception as exc:
            logger.info("failed", error=exc.__class__.__name__)
            raise
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info("invocation", outcome=outcome, ms=ms)
            _count(function.name, outcome, ms)

    traced: Handler = tracer.capture_lambda_handler(handler, capture_response=False)
    return traced


def _count(function: str, outcome: str, ms: float) -> None:
    metrics.add_dimension(name="function", value=function)
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    if outcome != "ok":
        metrics.add_metric(name="Failures", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Duration", unit=MetricUnit.Milliseconds, value=ms)
    metrics.flush_metrics()


def idempotent(
    app: AwsApp,
    key: str,
    run: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    event_key: str,
    expires_after_seconds: int,
    layers: dict[str, BasePersistenceLayer],
    scope: str | None = None,
    replayed: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """`run` once per distinct `event_key` (a JMESPath into its argument) until the record
    expires, on the deployment's idempotency table: a repeat returns the first result (as
    `replayed` changes it), and one that comes while the first still runs raises (its
    trigger retries it later). A run that raises leaves no record: the retry runs again.

    `scope` names a second guard of the same function, over other keys (powertools keeps a
    persistence layer's first key path for good: each scope has its own layer)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    layer = f"layer.{scope}" if scope else "layer"
    if layer not in layers:
        if app.clients is None:
            raise ExecAssistantError(
                f"{key}: no AWS clients to keep the idempotency records with",
                hint="Build the app with build_aws (or give it AwsClients).",
            )
        layers[layer] = DynamoDBPersistenceLayer(
            table_name=app.deployment.idempotency_table,
            boto3_client=app.clients.client("dynamodb"),
        )
    config = IdempotencyConfig(
        event_key_jmespath=event_key,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_after_seconds,
        response_hook=(lambda response, _record: replayed(response)) if replayed else None,
    )

    def runs(payload: dict[str, Any]) -> dict[str, Any]:
        return run(payload)

    guarded: Callable[..., dict[str, Any]] = idempotent_function(
        runs,
        data_keyword_argument="payload",
        persistence_store=layers[layer],
        config=config,
        key_prefix=f"{BY_KEY[key].name}.{scope}" if scope else BY_KEY[key].name,
    )

    def call(payload: dict[str, Any], context: Any) -> dict[str, Any]:
        if context is not None and hasattr(context, "get_remaining_time_in_millis"):
            config.register_lambda_context(context)
        result: dict[str, Any] = guarded(payload=payload)
        return result

    return call


def environment_handler(
    make_handler: Callable[[AppFactory], Handler], agents: AgentBuilders | None = None
) -> Handler:
    """The function's `lambda_handler`: settings and deployment from its environment, the
    app and the handler made on the first invocation (see `first_invocation_handler`)."""

    def make() -> Handler:
        from exec_assistant.aws_bootstrap import environment_app

        return make_handler(environment_app(agents))

    return first_invocation_handler(make)


def first_invocation_handler(make: Callable[[], Handler]) -> Handler:
    """A `lambda_handler` whose handler `make` makes on the first invocation (once, even when
    two threads invoke at once); the package's own logs (the services') go out through
    powertools' Logger, as JSON."""
    made: list[Handler] = []
    lock = threading.Lock()

    def lambda_handler(event: LambdaEvent, context: Any) -> Any:
        if not made:
            with lock:
                if not made:
                    from aws_lambda_powertools.logging.utils import (
                        copy_config_to_registered_loggers,
                    )

                    copy_config_to_registered_loggers(
                        source_logger=logger, include={"exec_assistant"}
                    )
                    made.append(make())
        return made[0](event, context)

    return lambda_handler
