# SPDX-License-Identifier: MIT
"""Building messages: :class:`Message` over ``rp_msg``."""
from __future__ import annotations

import ctypes
import json
import os
import time
from ctypes import byref, c_char_p, c_size_t, c_void_p
from typing import Any, BinaryIO, Callable, List, Optional, Union

from . import _native as N
from ._native import dec, enc, lib
from ._owned import _Owned
from .errors import ErrorCode, RejsepostError, make_error

PathLike = Union[str, "os.PathLike[str]"]
Readable = Union[BinaryIO, Callable[[int], bytes]]


class _Stream:
    """The read callback of one stream attachment (kept alive by its Message).

    It runs on the thread that calls :meth:`Client.send`, during that call only.
    """

    def __init__(self, source: Any) -> None:
        self.source = source
        self.error: Optional[BaseException] = None
        self.thunk = N.READ_FN(self._read)

    def _read(self, _ctx: Optional[int], buf: int, cap: int) -> int:
        try:
            src = self.source
            readinto = getattr(src, "readinto", None)
            if readinto is not None:
                view = memoryview((ctypes.c_char * cap).from_address(buf)).cast("B")
                n = readinto(view)
                while n is None:  # a non-blocking stream with nothing yet
                    time.sleep(0.001)
                    n = readinto(view)
                return int(n)
            if hasattr(src, "read"):
                data = src.read(cap)
            else:
                data = src(cap)
            if data is None:
                data = b""
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise TypeError(
                    "an attachment stream must give bytes (open files in binary mode)"
                )
            data = bytes(data)
            if len(data) > cap:
                raise ValueError(f"the stream gave {len(data)} bytes, more than the {cap} asked")
            ctypes.memmove(buf, data, len(data))
            return len(data)
        except BaseException as e:  # noqa: BLE001 - reported through send's exception
            self.error = e
            return -1


class Message(_Owned):
    """A message under construction (``rp_msg``): a payload kind and its fields.

    Fields are named as in docs/PROTOCOL.md section 7: ``"question"``, nested maps by
    dotted path (``"risk.level"``), list elements by ``"<list>.<field>"`` (the element
    added last with :meth:`list_add`). Every setter returns the message, so calls
    chain, and raises :class:`RejsepostError` at once for a wrong field, type or value,
    with ``field`` and ``detail`` (for an unknown enum value the detail lists the
    allowed names). Rules between fields are checked by :meth:`Client.send` and
    :meth:`encode`.

    A Message is not locked: use it from one thread at a time. Free it with
    :meth:`close` or a ``with`` block (a finalizer frees a forgotten one).
    """

    _closed_detail = "the message is closed"


    _ptr: Optional[int]

    def __init__(self, kind: str) -> None:
        """A new, empty message of payload ``kind`` (``"request"``, ``"reply"``, ...)."""
        self._ptr = None
        self._keep: List[Any] = []
        self._streams: List[_Stream] = []
        out = N.msg_p()
        rc = lib.rp_msg_new(enc(kind), byref(out))
        if rc:
            raise make_error(rc, call="rp_msg_new", field="kind")
        self._ptr = out.value

    @classmethod
    def _adopt(cls, ptr: int) -> "Message":
        m = cls.__new__(cls)
        m._ptr = ptr
        m._keep = []
        m._streams = []
        return m

    @classmethod
    def from_json(cls, text: Union[str, bytes, dict]) -> "Message":
        """Builds a message from its JSON form (``rp_msg_from_json``); a dict is
        serialized first. On failure the exception's ``field`` names the offending one."""
        if isinstance(text, dict):
            text = json.dumps(text, ensure_ascii=False)
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        out = N.msg_p()
        where = c_char_p()
        rc = lib.rp_msg_from_json(data, len(data), byref(out), byref(where))
        if rc:
            raise make_error(rc, call="rp_msg_from_json", field=dec(where.value))
        return cls._adopt(out.value)

    @classmethod
    def from_msgpack(cls, data: bytes) -> "Message":
        """Builds a message from an encoded payload (``rp_msg_from_msgpack``), as
        :meth:`encode` returns; its header ids and time are replaced when sent."""
        data = bytes(data)
        out = N.msg_p()
        where = c_char_p()
        rc = lib.rp_msg_from_msgpack(data, len(data), byref(out), byref(where))
        if rc:
            raise make_error(rc, call="rp_msg_from_msgpack", field=dec(where.value))
        return cls._adopt(out.value)

    # ---- lifetime ----

    def close(self) -> None:
        """Frees the message (``rp_msg_free``); later calls on it raise. Idempotent."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            lib.rp_msg_free(ptr)
        self._keep = []
        self._streams = []

    def _check(self, rc: int, call: str) -> "Message":
        if rc:
            raise self.error(rc, call)
        return self

    def error(self, rc: int, call: Optional[str] = None) -> RejsepostError:
        """The exception for code ``rc`` from the last failing call on this message,
        with its field, offset (CPR or hook refusals) and the library's text."""
        offset = None
        if rc in (ErrorCode.ECPR, ErrorCode.EHOOK):
            offset = int(lib.rp_msg_error_offset(self._h))
        return make_error(
            rc, call=call, field=self.error_field, offset=offset, detail=self.error_text
        )

    # ---- fields ----

    @property
    def kind(self) -> str:
        """The payload kind's name (``rp_msg_kind``), ``"request"``."""
        return dec(lib.rp_msg_kind(self._h)) or ""

    def set_text(self, field: str, text: str) -> "Message":
        """Sets a text field (copied)."""
        return self._check(lib.rp_msg_set_text(self._h, enc(field), enc(text)), "rp_msg_set_text")

    def set_enum(self, field: str, name: str) -> "Message":
        """Sets an enumeration field to one of its names (``"akut"``)."""
        return self._check(lib.rp_msg_set_enum(self._h, enc(field), enc(name)), "rp_msg_set_enum")

    def set_uint(self, field: str, value: int) -> "Message":
        """Sets an unsigned integer field (numbers, unix-ms times)."""
        if value < 0 or value >= 1 << 64:
            raise make_error(ErrorCode.ETOOBIG, field=field, detail=f"{field}: out of range")
        return self._check(lib.rp_msg_set_uint(self._h, enc(field), value), "rp_msg_set_uint")

    def set_bool(self, field: str, value: bool) -> "Message":
        """Sets a boolean field."""
        return self._check(
            lib.rp_msg_set_bool(self._h, enc(field), 1 if value else 0), "rp_msg_set_bool"
        )

    def add_to_set(self, field: str, *names: str) -> "Message":
        """Adds one or more names to a set field (``"categories"``)."""
        for name in names:
            self._check(lib.rp_msg_add_to_set(self._h, enc(field), enc(name)), "rp_msg_add_to_set")
        return self

    def set_hex(self, field: str, hex_value: str) -> "Message":
        """Sets a bytes field from hexadecimal (``"in_reply_to"``, 32 characters)."""
        return self._check(lib.rp_msg_set_hex(self._h, enc(field), enc(hex_value)), "rp_msg_set_hex")

    def list_add(self, list_name: str) -> "Message":
        """Appends an empty element to a list field (``"referrals"``); then set its
        fields as ``"referrals.kind"``."""
        return self._check(lib.rp_msg_list_add(self._h, enc(list_name)), "rp_msg_list_add")

    def set_thread(self, thread_id: str) -> "Message":
        """Puts the message into an existing thread (32 hex)."""
        return self._check(lib.rp_msg_set_thread(self._h, enc(thread_id)), "rp_msg_set_thread")

    def set_recipient(self, member_id: str) -> "Message":
        """Sets the recipient member id (default: the team, or the sender of the message
        this one refers to)."""
        return self._check(
            lib.rp_msg_set_recipient(self._h, enc(member_id)), "rp_msg_set_recipient"
        )

    # ---- attachments ----

    def attach_file(
        self,
        path: PathLike,
        name: Optional[str] = None,
        mime: str = "application/octet-stream",
        kind: str = "andet",
    ) -> "Message":
        """Attaches the file at ``path``, read when the message is sent. ``name``
        defaults to the path's last component; ``kind`` is an attachment kind name."""
        return self._check(
            lib.rp_msg_attach_file(self._h, enc(path), enc(name), enc(mime), enc(kind)),
            "rp_msg_attach_file",
        )

    def attach_buffer(
        self,
        data: Union[bytes, bytearray, memoryview],
        name: str,
        mime: str = "application/octet-stream",
        kind: str = "andet",
    ) -> "Message":
        """Attaches bytes in memory. The message keeps a reference (a ``bytes`` object
        is not copied; a mutable buffer is copied once, since the library reads it
        only when the message is sent and it must not change until then)."""
        if not isinstance(data, bytes):
            data = bytes(data)
        ptr = ctypes.cast(ctypes.c_char_p(data), c_void_p)
        self._check(
            lib.rp_msg_attach_buffer(self._h, ptr, len(data), enc(name), enc(mime), enc(kind)),
            "rp_msg_attach_buffer",
        )
        self._keep.append(data)
        return self

    def attach_stream(
        self,
        stream: Readable,
        name: str,
        mime: str = "application/octet-stream",
        kind: str = "andet",
    ) -> "Message":
        """Attaches a binary stream: a file object (``readinto`` or ``read``) or a
        callable ``f(max_bytes) -> bytes`` (``b""`` at the end). It is read by
        :meth:`Client.send`, on the thread that calls it, once: a second send of the
        message fails with ``ESTATE``. An exception in the stream makes the send fail
        with ``EIO``, with the stream's exception as ``__cause__``."""
        s = _Stream(stream)
        self._check(
            lib.rp_msg_attach_stream(self._h, s.thunk, None, enc(name), enc(mime), enc(kind)),
            "rp_msg_attach_stream",
        )
        self._streams.append(s)
        return self

    def attach(
        self,
        source: Union[PathLike, bytes, bytearray, memoryview, Readable],
        name: Optional[str] = None,
        mime: str = "application/octet-stream",
        kind: str = "andet",
    ) -> "Message":
        """Attaches a path (file), bytes (buffer) or file object (stream).

        For a file object without ``name`` the base name of its ``name`` attribute is
        used when it has one."""
        if isinstance(source, (str, os.PathLike)):
            return self.attach_file(source, name, mime, kind)
        if isinstance(source, (bytes, bytearray, memoryview)):
            if name is None:
                raise ValueError("attach: a buffer needs a name")
            return self.attach_buffer(source, name, mime, kind)
        if name is None:
            fname = getattr(source, "name", None)
            if isinstance(fname, str):
                name = os.path.basename(fname)
        if name is None:
            raise ValueError("attach: a stream needs a name")
        return self.attach_stream(source, name, mime, kind)

    # ---- errors of the last call ----

    @property
    def error_field(self) -> Optional[str]:
        """The field named by the last failing call on the message, or None."""
        return dec(lib.rp_msg_error_field(self._h))

    @property
    def error_offset(self) -> int:
        """For a CPR or content hook refusal: the byte offset in the field's text."""
        return int(lib.rp_msg_error_offset(self._h))

    @property
    def error_text(self) -> Optional[str]:
        """The last failing call as one line for a person, or None."""
        return dec(lib.rp_msg_error_text(self._h))

    def _stream_error(self) -> Optional[BaseException]:
        for s in self._streams:
            if s.error is not None:
                e, s.error = s.error, None
                return e
        return None

    # ---- forms ----

    def to_json(self) -> str:
        """The message as one line of JSON (``rp_msg_to_json``), which
        :meth:`from_json` turns back into the same message."""
        out = c_void_p()
        rc = lib.rp_msg_to_json(self._h, byref(out))
        if rc:
            raise make_error(rc, call="rp_msg_to_json")
        return N.take_string(out).decode("utf-8")

    def to_dict(self) -> dict:
        """:meth:`to_json` parsed."""
        return json.loads(self.to_json())

    def encode(self) -> bytes:
        """Checks the message offline as a send would (CPR guard, every rule of the
        kind) and returns the encoded payload (``rp_msg_encode``)."""
        out = c_void_p()
        size = c_size_t()
        rc = lib.rp_msg_encode(self._h, byref(out), byref(size))
        if rc:
            raise self.error(rc, "rp_msg_encode")
        return N.take_string(out, size.value)

    def __repr__(self) -> str:
        if not self._ptr:
            return "<rejsepost.Message closed>"
        return f"<rejsepost.Message kind={self.kind!r}>"

