# SPDX-License-Identifier: MIT
"""Errors of librejsepost as Python exceptions.

Every failing call raises :class:`RejsepostError` (or one of its subclasses). The
exception carries what the library says about the failure:

- ``code``: the negative ``RP_E*`` value (also as :class:`ErrorCode`),
- ``name``: the code's symbolic name from ``rp_err_name`` (``"ECPR"``),
- ``sentence``: ``rp_strerror``'s sentence for it,
- ``field``: for a message error, the field ``rp_msg_error_field`` names
  (``"question"``, ``"attachments.1"``), else ``None``,
- ``offset``: for a CPR or hook refusal, the byte offset in that field's text,
- ``detail``: the library's own line about the failure: ``rp_msg_error_text`` for a
  message (``"urgency: unknown enumeration value; allowed: akut, haster, ..."``),
  ``rp_config_error`` for a configuration, else ``None``.

There is one subclass per code, named after it (``rejsepost.errors.ECPR``, catchable
also as ``rejsepost.ECPR``); :func:`error_class` maps a name to its class. ``ETIMEDOUT``
is also a :class:`TimeoutError`.
"""
from __future__ import annotations

import enum
from typing import Dict, Optional, Type

from ._native import dec, lib


class ErrorCode(enum.IntEnum):
    """The error codes of ``rejsepost_errors.h`` (``RP_OK`` and the negative ``RP_E*``)."""

    OK = 0
    EINVAL = -1
    ENOMEM = -2
    EINTERNAL = -3
    EIO = -4
    ETOOBIG = -5
    ETRUNC = -6
    EMALFORMED = -7
    ETYPE = -8
    EMISSING = -9
    EENUM = -10
    EUTF8 = -11
    EVERSION = -12
    EDEPTH = -13
    ECRYPTO = -14
    EAUTH = -15
    ESIG = -16
    EROLLBACK = -17
    EUNKNOWNMEMBER = -18
    EREVOKED = -19
    EWRONGRECIPIENT = -20
    EWRONGSENDER = -21
    EEXPIRED = -22
    ECPR = -23
    EPASSPHRASE = -24
    EPERM = -25
    ESTATE = -26
    ENOTFOUND = -27
    EEXIST = -28
    ESPOOLFULL = -29
    ECONNREFUSED = -30
    ETIMEDOUT = -31
    ECLOSED = -32
    EBUSY = -33
    EDUPLICATE = -34
    ENONCE = -35
    EFSYNC = -36
    EHOOK = -37
    ECONFIG = -38
    EKIND = -39
    ESIZE = -40
    EROUTE = -41
    EQUOTA = -42
    EDIGEST = -43
    EORDER = -44
    EEXCESS = -45


def err_name(code: int) -> str:
    """``rp_err_name``: the symbolic name of ``code`` without ``RP_`` (``"UNKNOWN"``)."""
    return dec(lib.rp_err_name(int(code))) or "UNKNOWN"


def strerror(code: int) -> str:
    """``rp_strerror``: a sentence describing ``code``."""
    return dec(lib.rp_strerror(int(code))) or "unknown error"


class RejsepostError(Exception):
    """A call into librejsepost failed.

    Attributes: ``code`` (int, negative), ``name`` (``rp_err_name``), ``sentence``
    (``rp_strerror``), ``field``, ``offset`` and ``detail`` (see the module's doc).
    """

    code: int
    name: str
    sentence: str
    field: Optional[str]
    offset: Optional[int]
    detail: Optional[str]

    def __init__(
        self,
        code: int,
        *,
        field: Optional[str] = None,
        offset: Optional[int] = None,
        detail: Optional[str] = None,
        call: Optional[str] = None,
    ) -> None:
        self.code = int(code)
        self.name = err_name(code)
        self.sentence = strerror(code)
        self.field = field
        self.offset = offset
        self.detail = detail or None
        self.call = call
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.name}: {self.sentence}"
        if self.call:
            text = f"{self.call}: {text}"
        if self.detail:
            text += f" ({self.detail})"
        elif self.field:
            text += f" (field {self.field})"
        return text

    @property
    def error_code(self) -> Optional[ErrorCode]:
        """The code as an :class:`ErrorCode`, or None for a code newer than this binding."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None


_CLASSES: Dict[int, Type[RejsepostError]] = {}
_BY_NAME: Dict[str, Type[RejsepostError]] = {}

for _code in ErrorCode:
    if _code == ErrorCode.OK:
        continue
    _bases: tuple = (RejsepostError,)
    if _code == ErrorCode.ETIMEDOUT:
        _bases = (RejsepostError, TimeoutError)
    _cls = type(
        _code.name,
        _bases,
        {"__doc__": f"RP_{_code.name}: {strerror(_code)}.", "__module__": __name__},
    )
    _CLASSES[int(_code)] = _cls
    _BY_NAME[_code.name] = _cls
    globals()[_code.name] = _cls
del _code, _bases, _cls


def error_class(name_or_code: "str | int") -> Type[RejsepostError]:
    """The exception class for an error name (``"ECPR"``) or code (``-23``)."""
    if isinstance(name_or_code, str):
        return _BY_NAME.get(name_or_code, RejsepostError)
    return _CLASSES.get(int(name_or_code), RejsepostError)


def make_error(code: int, **kw: object) -> RejsepostError:
    """An exception of the right class for ``code``."""
    cls = error_class(int(code))
    return cls(code, **kw)  # type: ignore[arg-type]


def check(rc: int, call: Optional[str] = None, **kw: object) -> int:
    """Raises the exception for a negative return value; returns rc otherwise."""
    if rc < 0:
        raise make_error(rc, call=call, **kw)
    return rc


__all__ = [
    "ErrorCode",
    "RejsepostError",
    "err_name",
    "strerror",
    "error_class",
] + [c.name for c in ErrorCode if c != ErrorCode.OK]
