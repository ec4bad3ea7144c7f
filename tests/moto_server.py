"""AWS at the network boundary: one moto server per test process on 127.0.0.1.

The adapters are given boto3 clients pointed at it, exactly as on AWS they are given clients
pointed at the region's endpoints. Step Functions executes what it is given (moto's execution
mode, turned on when the server starts: machines created before that would be invisible).
Tests share the server, so every test names its own tables, buckets and machines
(`AwsEndpoint.unique`).
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
"""moto's default account."""


@dataclass(frozen=True)
class AwsEndpoint:
    url: str
    region: str = REGION

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=self.region,
        )

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client of `service` on the server; few retries, short timeouts."""
        settings = {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 5}
        settings.update(config)
        return self.session().client(service, endpoint_url=self.url, config=Config(**settings))

    def sdk_environment(self, *services: str) -> dict[str, str]:
        """The environment that points a process's own boto3 clients of `services` (botocore's
        names: `lambda`, `secrets_manager`) at the server."""
        endpoints = {f"AWS_ENDPOINT_URL_{s.upper()}": self.url for s in services}
        return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", **endpoints}

    @staticmethod
    def unique(prefix: str) -> str:
        """A name no other test uses: lower case, digits and dashes (valid for a bucket)."""
        return f"{prefix}-{uuid.uuid4().hex[:12]}"


class MotoServer:
    """A started moto server, Step Functions' execution mode on."""

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = AwsEndpoint(f"http://{host}:{port}")
        self._configure(
            {
                "stepfunctions": {"execute_state_machine": True},
                "lambda": {"use_docker": False},
            }
        )

    def _configure(self, config: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.endpoint.url}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def stop(self) -> None:
        self._server.stop()
