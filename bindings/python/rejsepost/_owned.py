# SPDX-License-Identifier: MIT
"""The lifetime the handle classes share (Config, Message, Received)."""
from __future__ import annotations

from typing import Any, TypeVar

from .errors import ErrorCode, make_error

_T = TypeVar("_T", bound="_Owned")


class _Owned:
    """A C object the Python object owns: ``with`` closes it, ``close()`` frees it once,
    a finalizer is only the safety net, and ``_h`` refuses a closed one with ESTATE
    saying why (``_closed_detail``)."""

    _ptr: Any = None
    _closed_detail = "the object is closed"

    def close(self) -> None:  # pragma: no cover - each class frees its own kind
        raise NotImplementedError

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    @property
    def _h(self) -> int:
        if not self._ptr:
            raise make_error(ErrorCode.ESTATE, detail=self._closed_detail)
        return self._ptr
