"""A real S3 endpoint for the tests: moto's standalone server, spoken to over HTTP.

:class:`S3` starts ``moto.server.ThreadedMotoServer`` on a free local port;
s3fs talks to it exactly as to AWS (``endpoint_url``, a key and secret, a
region), and buckets are made through the S3 API.  Nothing of the storage layer
is replaced.  Bad credentials are real too: moto's own ``/moto-api/reset-auth``
turns on its IAM check, under which an unknown access key is refused (403).
(importable: pyproject's pythonpath)
"""

from __future__ import annotations

import contextlib
import logging
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any


def free_port() -> int:
    """A TCP port nothing listens on now (for the server, or for an unreachable endpoint)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class S3:
    """A running moto S3 server and what a client needs to reach it."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        self.client = self.boto3()

    @property
    def options(self) -> dict[str, Any]:
        """``storage_options`` for s3fs: as for AWS, with the endpoint and dummy credentials."""
        return {
            "key": "testing",
            "secret": "testing",
            "endpoint_url": self.endpoint,
            "client_kwargs": {"region_name": "us-east-1"},
        }

    def boto3(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def bucket(self, name: str, *, versioned: bool = False) -> str:
        """Make bucket `name` through the S3 API; ``s3://name``."""
        self.client.create_bucket(Bucket=name)
        if versioned:  # every PUT a new version: what a run rewrote can be counted
            self.client.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        return f"s3://{name}"

    def keys(self, bucket: str, prefix: str) -> dict[str, int]:
        """The objects under `prefix` and their sizes, as S3 lists them."""
        found: dict[str, int] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix
        ):
            found.update({o["Key"]: o["Size"] for o in page.get("Contents", [])})
        return found

    def puts(self, bucket: str, prefix: str) -> dict[str, int]:
        """How many times each key under `prefix` was written (a versioned bucket's versions)."""
        found: dict[str, int] = {}
        for page in self.client.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Prefix=prefix
        ):
            for v in page.get("Versions", []):
                found[v["Key"]] = found.get(v["Key"], 0) + 1
        return found

    @contextlib.contextmanager
    def authenticating(self) -> Iterator[None]:
        """Inside, moto checks every request's credentials against its IAM (unknown keys: 403)."""
        self._reset_auth("0")
        try:
            yield
        finally:
            self._reset_auth("inf")

    def _reset_auth(self, count: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth",
            data=count.encode(),
            headers={"Content-Type": "text/plain"},  # a form body would be parsed away
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        self.server.stop()
