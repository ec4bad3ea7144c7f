"""Slack's side of Socket Mode on 127.0.0.1, speaking its envelope protocol over a real
WebSocket: `hello` on each connection, envelopes sent by the test, the client's acks."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from typing import Any

from websockets.asyncio.server import ServerConnection, serve


class SocketModeServer:
    """Slack's side of Socket Mode on 127.0.0.1: each connection gets `hello`; the test
    sends envelopes through `send()` and reads the client's acks from `acks`."""

    def __init__(self) -> None:
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connections: list[ServerConnection] = []
        self.paths: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def __enter__(self) -> SocketModeServer:
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(lambda: self._stop and self._stop.set_result(None))
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = self._loop.create_future()
        async with serve(self._connection, "127.0.0.1", 0) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop

    async def _connection(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        self.paths.append(ws.request.path if ws.request else "")
        await ws.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {}}))
        try:
            async for message in ws:
                self.acks.put(json.loads(message))
        except Exception:
            pass

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=t{len(self.paths)}"

    def send(self, envelope: dict[str, Any], connection: int = -1) -> None:
        ws = self.connections[connection]
        asyncio.run_coroutine_threadsafe(ws.send(json.dumps(envelope)), self._loop).result(5)

    def ack(self, timeout: float = 5) -> dict[str, Any]:
        return self.acks.get(timeout=timeout)
