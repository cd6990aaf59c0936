"""Streaming a draw to disk and checking it: the output package's face.

The rest of seedstream imports from here, never from the modules inside.
"""

from seedstream._output.verify import OutputInfo, VerifyReport, inspect_output, verify_output
from seedstream._output.writer import (
    ATTRS_KEY,
    SIDECAR_SUFFIX,
    Request,
    ZarrTarget,
    _human,
    write,
)

__all__ = [
    "ATTRS_KEY",
    "SIDECAR_SUFFIX",
    "OutputInfo",
    "Request",
    "VerifyReport",
    "ZarrTarget",
    "_human",
    "inspect_output",
    "verify_output",
    "write",
]
