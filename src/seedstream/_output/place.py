"""Where an output lives: a local path, or a URL on object storage and its storage options.

``store=`` takes a local path, a zarr v3 store object, or a URL that fsspec
understands (``s3://``, ``gs://``, ``abfs://``, ``memory://``, ...) with
``storage_options=`` passed through to fsspec as zarr passes them
(``zarr.open_array(store=url, storage_options=...)``).  :func:`where` tells
them apart, once.  A ``file://`` URL is its local path, so it keeps
everything a path has (the lock, the disk check).

A URL becomes a :class:`Place`: small, frozen and picklable, so a worker
process or a cluster's worker reopens the output from it
(``target_type(place).attach(place, request)``).  The storage options may
hold credentials: they travel with the place, but are never recorded with the
output nor printed in a message.

On object storage there is no lock: one writer per output is the user's
responsibility there (two writers of one request write the same bytes to the
same keys, each PUT whole, so they do no harm to each other's chunks; a writer
with ``overwrite=True`` may remove another's).  Nor is there a free-space
check.  What a PUT gives instead is atomicity: a key that exists is a whole
chunk, so resuming after a crash needs no temporary files.

Before anything is written, the output's keys are listed with a short connect
timeout on S3 (when the user set none), so that a missing bucket, bad credentials
or an unreachable endpoint is one clear error (:func:`remote_errors`) within
seconds, before anything is created.

Imports nothing of the output package; fsspec and zarr only inside the functions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

# A scheme, or fsspec's chained schemes (simplecache::s3://...), before '://'.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(::[A-Za-z][A-Za-z0-9+.\-]*)*://")
# Only when the user set none: a dead endpoint fails in seconds, not after minutes of retries.
_PROBE_S3_CONFIG = {"connect_timeout": 5, "retries": {"max_attempts": 2}}


def is_url(store: Any) -> bool:
    """Whether `store` is a URL for fsspec rather than a local path or a store object.

    Examples
    --------
    >>> is_url("s3://bucket/x.zarr"), is_url("x.zarr"), is_url("C:\\\\x.zarr"), is_url(3)
    (True, False, False, False)
    """
    return isinstance(store, str) and _URL.match(store) is not None


@dataclasses.dataclass(frozen=True)
class Place:
    """Where an output lives, picklable: a URL and fsspec's storage options, or a local path.

    What a worker needs to reopen the output:
    ``target_type(place).attach(place, request)`` (every opened target has
    one as ``target.place``, but a zarr store object).  The options are passed
    to fsspec as zarr passes them; they may hold credentials, so they are never
    shown (not in ``repr``) nor recorded.

    Examples
    --------
    >>> import pickle
    >>> place = Place("s3://bucket/x.zarr", {"anon": True})
    >>> pickle.loads(pickle.dumps(place)) == place, place.protocol, str(place)
    (True, 's3', 's3://bucket/x.zarr')
    """

    url: str
    storage_options: Mapping[str, Any] = dataclasses.field(
        default_factory=dict, hash=False, repr=False
    )
    # The process that made it: a memory:// URL is that process's memory alone.
    origin: int = dataclasses.field(default_factory=os.getpid, compare=False, repr=False)

    def __str__(self) -> str:
        return self.url

    @property
    def remote(self) -> bool:
        """A URL (object storage), not a local path."""
        return is_url(self.url)

    @property
    def protocol(self) -> str:
        """The (last) scheme of the URL: ``s3``, ``gs``, ``memory``..."""
        return self.url.split("://", 1)[0].rsplit("::", 1)[-1].lower()

    def zarr_store(self, read_only: bool = False) -> Any:
        """zarr's store for this place (``FsspecStore.from_url``, as ``zarr.open_array`` makes).

        A ``memory://`` place is refused in any process but the one that made
        it: what another process wrote there would be lost with it.
        """
        from zarr.storage import FsspecStore

        if self.protocol == "memory" and os.getpid() != self.origin:
            raise ValueError(
                f"{self.url} is the memory of process {self.origin}: another process cannot "
                "write there; write with threads (processes=False) or to shared storage"
            )
        return FsspecStore.from_url(self.url, dict(self.storage_options), read_only=read_only)

    def filesystem(self, probe: bool = False) -> tuple[Any, str]:
        """A synchronous fsspec filesystem and the output's root path in it, for listing.

        With `probe` (the first question asked of a place), an ``s3://``
        filesystem gets a short connect timeout and few retries unless the
        options set their own (``config_kwargs``), so that a dead endpoint is
        reported in seconds; later listings keep the usual retries.
        """
        import fsspec

        options = dict(self.storage_options)
        if probe and self.protocol in ("s3", "s3a"):
            config = dict(options.get("config_kwargs") or {})
            for key, value in _PROBE_S3_CONFIG.items():
                config.setdefault(key, value)
            options["config_kwargs"] = config
        fs, root = fsspec.url_to_fs(self.url, **options)
        return fs, root.rstrip("/")

    def bucket(self) -> str:
        """The bucket (or container, or host) the URL names, for messages."""
        return urlsplit(self.url.rsplit("::", 1)[-1]).netloc


def where(store: Any, storage_options: Mapping[str, Any] | None) -> Any:
    """`store` as the writer and verification take it: a local path, a :class:`Place`, or a store.

    A ``file://`` URL becomes its local path; a ``.npy`` URL is refused
    (object storage has no in-place writes into one file); storage options
    without a URL are refused rather than ignored.
    """
    if isinstance(store, Place):
        if storage_options:
            raise ValueError(
                f"storage_options= is given twice for {store}: pass it in the Place or as "
                "storage_options=, not both"
            )
        return store if store.remote else store.url
    if not is_url(store):
        if storage_options:
            raise ValueError(
                "storage_options= goes with a URL such as s3://bucket/x.zarr; "
                f"{store!r} is not a URL: remove storage_options= or give a URL"
            )
        return store
    if store.startswith("file://"):
        parts = urlsplit(store)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(
                f"{store}: a file:// URL names a path on this machine (file:///path); "
                "write to the other host's storage by another URL"
            )
        return unquote(parts.path)
    if store.rstrip("/").endswith(".npy"):
        raise NotImplementedError(
            f"{store}: a .npy file cannot be written to object storage (its chunks are writes "
            "into one file); write a zarr array there: a URL not ending in .npy"
        )
    return Place(store, dict(storage_options or {}))


# --- one clear line for what goes wrong at a URL ------------------------------------------


def describe(exc: BaseException, place: Place) -> OSError | None:
    """One clear error naming `place` and what to check, or None if `exc` is not a storage error.

    The classes stay ``OSError``'s (``FileNotFoundError``, ``PermissionError``,
    ``ConnectionError``), so callers that catch those still do.
    """
    detail = " ".join(f"{type(exc).__name__}: {exc}".split())
    name = type(exc).__name__
    if isinstance(exc, FileNotFoundError):
        return FileNotFoundError(
            f"{place}: the bucket (or container) {place.bucket()!r} does not exist, or these "
            f"credentials cannot see it ({detail}); create it, or check the URL and "
            "endpoint_url"
        )
    if isinstance(exc, PermissionError) or "Credential" in name or "AccessDenied" in detail:
        return PermissionError(
            f"{place}: access denied ({detail}); check the credentials (storage_options' "
            "key and secret, or the AWS_* environment / profile) and that they may list, "
            "read and write under this URL"
        )
    if isinstance(exc, ConnectionError | TimeoutError) or "Connect" in name or "Timeout" in name:
        endpoint = _endpoint(place)
        return ConnectionError(
            f"{place}: cannot reach the storage endpoint{endpoint} ({detail}); check "
            "storage_options' endpoint_url, the network and any proxy"
        )
    return None


def _endpoint(place: Place) -> str:
    options = place.storage_options
    url = options.get("endpoint_url") or (options.get("client_kwargs") or {}).get("endpoint_url")
    return f" {url}" if url else ""


@contextlib.contextmanager
def remote_errors(place: Place | None) -> Iterator[None]:
    """Storage errors inside as one clear line naming `place` (:func:`describe`).

    With `place` None (a local output) errors pass as they are.
    """
    try:
        yield
    except Exception as exc:
        if place is None:
            raise
        clear = describe(exc, place)
        if clear is None:
            raise
        raise clear from None
