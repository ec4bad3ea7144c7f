"""Socket Mode: the App served over a WebSocket that Slack opens to us, so no public URL is
needed (`serve --socket-mode`). slack_sdk's builtin client: no extra dependency."""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
from slack_sdk.errors import SlackApiError, SlackClientError

from exec_assistant.domain.errors import ConfigError

logger = logging.getLogger(__name__)


class SocketModeRunner:
    """Connects the App to Slack in Socket Mode and keeps it connected (the client reconnects
    when Slack sends `disconnect`, and on a lost connection) until `stop()`.

    `app_token` is the app-level token (xapp-…, scope connections:write); Slack's
    apps.connections.open is called through the App's Web API client, so its base URL is where
    the WebSocket address comes from.
    """

    def __init__(self, app: App, app_token: str, *, ping_interval: float = 10) -> None:
        if not app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN is not an app-level token (it starts with xapp-)",
                hint="Create one under Basic Information → App-Level Tokens with the "
                "connections:write scope, and set SLACK_APP_TOKEN to it.",
            )
        self._handler = SocketModeHandler(
            app, app_token=app_token, ping_interval=ping_interval, concurrency=4
        )
        self._closed = False

    def start(self) -> None:
        """Connect; returns once the WebSocket is open. An app token Slack refuses is a
        ConfigError that names the Slack error (never the token)."""
        try:
            self._handler.client.connect()
        except SlackApiError as exc:
            self.stop()
            code = exc.response.get("error", "unknown") if exc.response else "unknown"
            raise ConfigError(
                f"Slack refused the app-level token ({code})",
                key="SLACK_APP_TOKEN",
                hint="Check the token under Basic Information → App-Level Tokens (scope "
                "connections:write) and that Socket Mode is enabled for the app.",
            ) from None
        except (SlackClientError, OSError) as exc:
            self.stop()
            raise ConfigError(
                f"cannot open the Socket Mode connection to Slack: {type(exc).__name__}",
                hint="Check the network connection to slack.com, then try again.",
            ) from None
        logger.info("slack socket mode connected")

    @property
    def connected(self) -> bool:
        return bool(self._handler.client.is_connected())

    def stop(self) -> None:
        """Close the connection and the client's threads; safe to call twice. Takes up to
        3 s: the builtin client's reader holds its lock for one receive timeout."""
        if self._closed:
            return
        self._closed = True
        self._handler.client.close()
        logger.info("slack socket mode closed")


def run_socket_mode(app: App, app_token: str, stop: threading.Event) -> SocketModeRunner:
    """Connect the App in Socket Mode and close it when `stop` is set."""
    runner = SocketModeRunner(app, app_token)
    runner.start()

    def watch() -> None:
        stop.wait()
        runner.stop()

    threading.Thread(target=watch, name="slack-socket-mode-stop", daemon=True).start()
    return runner
