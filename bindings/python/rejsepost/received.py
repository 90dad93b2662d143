# SPDX-License-Identifier: MIT
"""Received messages: :class:`Received` over ``rp_received``."""
from __future__ import annotations

import ctypes
import io
import json
from ctypes import byref, c_char_p, c_int, c_size_t, c_uint64, c_void_p
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, List, NamedTuple, Optional, Union

from . import _native as N
from ._native import dec, enc, lib
from ._owned import _Owned
from .errors import ErrorCode, make_error

if TYPE_CHECKING:
    from .client import Client

_MISSING: Any = object()
Sink = Union[BinaryIO, Callable[[bytes], Any]]


class Attachment(NamedTuple):
    """A received attachment's descriptor (``rp_received_attachment``)."""

    index: int
    name: str
    mime: str
    size: int
    kind: str


class _Writer:
    """The write callback of one attachment read; runs on the calling thread."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.error: Optional[BaseException] = None
        self.total = 0
        self.thunk = N.WRITE_FN(self._write)

    def _write(self, _ctx: Optional[int], buf: int, length: int) -> int:
        try:
            data = ctypes.string_at(buf, length)
            w = getattr(self.sink, "write", None)
            if w is not None:
                w(data)
            else:
                self.sink(data)  # type: ignore[operator]
            self.total += length
            return 0
        except BaseException as e:  # noqa: BLE001 - re-raised by read_attachment
            self.error = e
            return 1


class Received(_Owned):
    """A message from the inbox (``rp_received``): immutable, readable from any thread.

    One from :meth:`Client.inbox_next` or :meth:`Client.inbox_get` is yours: free it
    with :meth:`close` or a ``with`` block (a finalizer frees a forgotten one). The one a
    receive callback is lent is valid only during the callback; :meth:`dup` keeps a copy.

    Field getters take the builder's names (``"advice"``, ``"risk.level"``,
    ``"attachments.0.name"``). They raise ``ENOTFOUND`` for a missing field and
    ``ETYPE`` for another type, unless a ``default`` is given for a missing one.
    Times are unix milliseconds.
    """

    _closed_detail = (
        "the received message is closed, or was lent to a callback "
        "that has returned (use dup() to keep it)"
    )


    _ptr: Optional[int]

    def __init__(self, ptr: int, client: Optional["Client"], owned: bool = True) -> None:
        self._ptr = ptr
        self._client = client
        self._owned = owned

    # ---- lifetime ----

    def close(self) -> None:
        """Frees an owned message (``rp_received_free``); idempotent. A lent one is
        only detached."""
        ptr, self._ptr = self._ptr, None
        if ptr and self._owned:
            lib.rp_received_free(ptr)

    def _expire(self) -> None:
        # the callback that lent it returned: the pointer is the library's again
        self._ptr = None

    def dup(self) -> "Received":
        """An owned copy (``rp_received_dup``), e.g. to keep the message a receive
        callback was lent."""
        out = N.received_p()
        rc = lib.rp_received_dup(self._h, byref(out))
        if rc:
            raise make_error(rc, call="rp_received_dup")
        return Received(out.value, self._client, owned=True)

    # ---- header ----

    @property
    def kind(self) -> str:
        """The payload kind's name (``"reply"``)."""
        return dec(lib.rp_received_kind(self._h)) or ""

    @property
    def msg_id(self) -> str:
        """The message id, 32 hex."""
        return dec(lib.rp_received_msg_id(self._h)) or ""

    @property
    def thread_id(self) -> str:
        """The thread id, 32 hex."""
        return dec(lib.rp_received_thread_id(self._h)) or ""

    @property
    def in_reply_to(self) -> Optional[str]:
        """The message this one answers or concerns (32 hex), or None."""
        return dec(lib.rp_received_in_reply_to(self._h))

    @property
    def sender(self) -> str:
        """The sender's member id."""
        return dec(lib.rp_received_sender(self._h)) or ""

    @property
    def created(self) -> int:
        """When the sender created it, by the sender's clock (unix ms)."""
        return int(lib.rp_received_created(self._h))

    @property
    def stored_at(self) -> int:
        """When our inbox stored it (unix ms)."""
        return int(lib.rp_received_stored_at(self._h))

    @property
    def handled(self) -> bool:
        """Whether it was marked handled (when this object was read from the inbox)."""
        return bool(lib.rp_received_handled(self._h))

    @property
    def recalled(self) -> bool:
        """Whether its sender recalled it (a ``recall`` about it arrived; when this
        object was read from the inbox). The library then no longer offers it
        (:meth:`Client.inbox_next`, :attr:`Client.inbox_pending`, the receive callback
        at start-up) unless it was handled before; :meth:`Client.inbox_get` still finds
        it. Hide its content from users too."""
        return bool(lib.rp_received_recalled(self._h))

    # ---- fields ----

    def _get(self, fn: Any, field: str, out: Any, default: Any, call: str) -> Any:
        rc = fn(self._h, enc(field), byref(out))
        if rc == ErrorCode.ENOTFOUND and default is not _MISSING:
            return _MISSING
        if rc:
            raise make_error(rc, call=call, field=field)
        return out.value

    def get_text(self, field: str, default: Any = _MISSING) -> Optional[str]:
        """A text field."""
        v = self._get(lib.rp_received_get_text, field, c_char_p(), default, "rp_received_get_text")
        return default if v is _MISSING else dec(v)

    def get_enum(self, field: str, default: Any = _MISSING) -> Optional[str]:
        """An enumeration field's name."""
        v = self._get(lib.rp_received_get_enum, field, c_char_p(), default, "rp_received_get_enum")
        return default if v is _MISSING else dec(v)

    def get_uint(self, field: str, default: Any = _MISSING) -> Optional[int]:
        """An unsigned integer field."""
        v = self._get(lib.rp_received_get_uint, field, c_uint64(), default, "rp_received_get_uint")
        return default if v is _MISSING else int(v)

    def get_bool(self, field: str, default: Any = _MISSING) -> Optional[bool]:
        """A boolean field."""
        v = self._get(lib.rp_received_get_bool, field, c_int(), default, "rp_received_get_bool")
        return default if v is _MISSING else bool(v)

    def get_hex(self, field: str, default: Any = _MISSING) -> Optional[str]:
        """A bytes field (ids, hashes) as lowercase hex."""
        v = self._get(lib.rp_received_get_hex, field, c_char_p(), default, "rp_received_get_hex")
        return default if v is _MISSING else dec(v)

    def get_set(self, field: str) -> List[str]:
        """A set field's names, in the order docs/PROTOCOL.md lists the field's values
        (not alphabetical, not the order they were added); ``[]`` for an empty or
        absent set."""
        names: List[str] = []
        while True:
            out = c_char_p()
            rc = lib.rp_received_get_set(self._h, enc(field), len(names), byref(out))
            if rc == ErrorCode.ENOTFOUND:
                return names
            if rc:
                raise make_error(rc, call="rp_received_get_set", field=field)
            names.append(dec(out.value) or "")

    def list_count(self, field: str) -> int:
        """The number of elements of a list field."""
        out = c_size_t()
        rc = lib.rp_received_list_count(self._h, enc(field), byref(out))
        if rc:
            raise make_error(rc, call="rp_received_list_count", field=field)
        return int(out.value)

    # ---- attachments ----

    @property
    def attachment_count(self) -> int:
        """The number of attachments (``rp_received_attachments``)."""
        return int(lib.rp_received_attachments(self._h))

    def attachment(self, i: int) -> Attachment:
        """Attachment ``i``'s descriptor."""
        name, mime, kind = c_char_p(), c_char_p(), c_char_p()
        size = c_uint64()
        rc = lib.rp_received_attachment(self._h, i, byref(name), byref(mime), byref(size), byref(kind))
        if rc:
            raise make_error(rc, call="rp_received_attachment", field=f"attachments.{i}")
        return Attachment(i, dec(name.value) or "", dec(mime.value) or "", int(size.value),
                          dec(kind.value) or "")

    @property
    def attachments(self) -> List[Attachment]:
        """Every attachment's descriptor."""
        return [self.attachment(i) for i in range(self.attachment_count)]

    def _client_h(self) -> int:
        if self._client is None:
            raise make_error(ErrorCode.ESTATE, detail="no client for this message")
        return self._client._h

    def read_attachment(self, i: int, sink: Optional[Sink] = None) -> Union[bytes, int]:
        """Decrypts attachment ``i`` from the inbox, a chunk at a time, checking each
        chunk and the sha256 at the end (``rp_received_attachment_read``).

        With a ``sink`` (a binary file object or a callable taking bytes) it writes
        the bytes there, on the calling thread, and returns how many; without one it
        returns them as ``bytes``. Bytes written before an error (``EDIGEST``,
        ``EAUTH``) are not to be trusted. An exception in the sink makes the read fail
        with ``EIO``, the sink's exception as ``__cause__``."""
        buf = io.BytesIO() if sink is None else None
        w = _Writer(buf if buf is not None else sink)  # type: ignore[arg-type]
        rc = lib.rp_received_attachment_read(self._client_h(), self._h, i, w.thunk, None)
        if rc:
            err = make_error(rc, call="rp_received_attachment_read", field=f"attachments.{i}")
            if w.error is not None:
                raise err from w.error
            raise err
        return buf.getvalue() if buf is not None else w.total

    def save_attachment(self, i: int, path: Any) -> None:
        """Writes attachment ``i`` to a new file at ``path`` (mode 0600; ``EEXIST`` if
        anything is there); on any error the file is removed, so a saved file is whole
        and verified (``rp_received_attachment_save``)."""
        rc = lib.rp_received_attachment_save(self._client_h(), self._h, i, enc(path))
        if rc:
            raise make_error(rc, call="rp_received_attachment_save", field=f"attachments.{i}")

    # ---- whole message ----

    def to_json(self) -> str:
        """The whole message as JSON (the builder's format plus msg_id, thread_id,
        sender, created)."""
        out = c_void_p()
        rc = lib.rp_received_to_json(self._h, byref(out))
        if rc:
            raise make_error(rc, call="rp_received_to_json")
        return N.take_string(out).decode("utf-8")

    def to_dict(self) -> dict:
        """:meth:`to_json` parsed."""
        return json.loads(self.to_json())

    def mark_handled(self) -> None:
        """Marks this message handled in the client's inbox (never offered again)."""
        if self._client is None:
            raise make_error(ErrorCode.ESTATE, detail="no client for this message")
        self._client.mark_handled(self.msg_id)

    def __repr__(self) -> str:
        if not self._ptr:
            return "<rejsepost.Received closed>"
        return f"<rejsepost.Received {self.kind} {self.msg_id} from {self.sender}>"
