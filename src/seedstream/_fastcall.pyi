# Stub for the compiled small-call descriptor (src/seedstream/csrc/small_call.c).
from collections.abc import Callable
from typing import Any

class small_call:
    _numpy: Callable[..., Any]
    _fallback: Callable[..., Any]
    __wrapped__: Callable[..., Any]
    def __init__(
        self,
        numpy: Callable[..., Any],
        fallback: Callable[..., Any],
        names: tuple[str, ...],
        *,
        size_at: int = -1,
        max_size: int = -1,
        keywords: bool = True,
        rule: str = "words",
        per: int | str | None = None,
        label: str | None = None,
        core: Callable[..., Any] | None = None,
        core_min: int = -1,
    ) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def __get__(self, obj: object, owner: type | None = None) -> Any: ...

class Track:
    words: int | None
    lost_by: str | None
    double_words: int
    def __init__(
        self, words: int | None = 0, lost_by: str | None = None, double_words: int = 1
    ) -> None: ...
