# SPDX-License-Identifier: MIT
"""Client configuration: :class:`Config` over ``rp_config``."""
from __future__ import annotations

import logging
import os
from ctypes import byref
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Union

from . import _native as N
from ._native import dec, enc, lib
from ._owned import _Owned
from .errors import ErrorCode, make_error

if TYPE_CHECKING:
    from .client import Client
    from .constants import Direction, LogLevel, Status
    from .errors import RejsepostError as _E
    from .received import Received

PathLike = Union[str, "os.PathLike[str]"]

ReceiveCallback = Callable[["Client", "Received"], None]
StatusCallback = Callable[["Client", str, "Union[Status, int]", "Optional[_E]"], None]
LogCallback = Callable[["LogLevel", str], None]
ProgressCallback = Callable[["Client", str, "Direction", int, int], None]
PassphraseCallback = Callable[[], "Union[str, bytes, None]"]
ContentHook = Callable[[str, str], "Union[None, bool, int]"]
AttachmentHook = Callable[[str, str, bytes, int, bool], "Union[None, bool, int]"]
CallbackErrorHandler = Callable[[str, BaseException], None]


class Config(_Owned):
    """The settings a :class:`Client` starts from (``rp_config``).

    Every ``set_*`` method checks its value at once, raises :class:`RejsepostError`
    (``ECONFIG`` with ``detail`` from ``rp_config_error``) if it is wrong, and returns
    the config, so calls chain. Keyword arguments of the constructor call the setters
    of the same name (``relay=(host, port)``, ``backoff=(min_ms, max_ms)``).

    Callbacks (``on_receive``, ``on_status``, ``on_log``, ``on_progress``) run on the
    library's own loop thread, not on yours: they should return quickly, may call the
    client (send, mark_handled...) but not :meth:`Client.flush`,
    :meth:`Client.refresh_roster` or :meth:`Client.close`. The content and attachment
    hooks run on the thread that calls :meth:`Client.send`; the passphrase callback on
    the thread that creates the client. An exception in any callback never reaches
    the library: it is reported to ``on_callback_error`` (default: the ``rejsepost``
    logger) and kept in :attr:`Client.callback_errors`; a hook that raises refuses.

    The Python callables are kept by the config and, from :class:`Client` creation,
    by the client for as long as the library may call them.
    """

    _closed_detail = "the configuration is closed"


    _ptr: Optional[int]

    def __init__(self, **settings: Any) -> None:
        self._ptr = None
        out = N.config_p()
        rc = lib.rp_config_new(byref(out))
        if rc:
            raise make_error(rc, call="rp_config_new")
        self._ptr = out.value
        self.callbacks: Dict[str, Optional[Callable[..., Any]]] = {
            "receive": None,
            "status": None,
            "log": None,
            "progress": None,
            "passphrase": None,
            "content_hook": None,
            "attachment_hook": None,
        }
        self.on_callback_error: Optional[CallbackErrorHandler] = None
        for key, value in settings.items():
            setter = getattr(self, "set_" + key, None)
            if key == "on_callback_error":
                self.on_callback_error = value
                continue
            if setter is None:
                raise TypeError(f"Config: unknown setting {key!r}")
            if isinstance(value, tuple):
                setter(*value)
            else:
                setter(value)

    # ---- lifetime ----

    def close(self) -> None:
        """Frees the configuration (wiping any passphrase). A client made from it is
        not affected. Idempotent."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            lib.rp_config_free(ptr)

    @property
    def error(self) -> str:
        """The text of the last setter error (``rp_config_error``), or ``""``."""
        return dec(lib.rp_config_error(self._h)) or ""

    def _check(self, rc: int, call: str, field: str) -> "Config":
        if rc:
            raise make_error(rc, call=call, field=field, detail=self.error)
        return self

    # ---- settings ----

    def set_state_dir(self, path: PathLike) -> "Config":
        """The state folder (outbox and inbox database). Required."""
        return self._check(lib.rp_config_set_state_dir(self._h, enc(path)),
                           "rp_config_set_state_dir", "state_dir")

    def set_relay(self, host: str, port: int) -> "Config":
        """The relay's host name or IP literal and TCP port. Required. Sets (or
        replaces) the first address; those added with :meth:`add_relay` stay."""
        if not 0 <= int(port) <= 0xFFFFFFFF:
            raise make_error(ErrorCode.ECONFIG, field="relay", detail="relay: bad port")
        return self._check(lib.rp_config_set_relay(self._h, enc(host), int(port)),
                           "rp_config_set_relay", "relay")

    def add_relay(self, host: str, port: int) -> "Config":
        """A further address of the same relay (same relay key: where it moved, or a
        standby holding its key), after those set so far; the first if none is. At
        most 8 in all (``ECONFIG`` past that). Each (re)connect tries them in order and
        moves on at once when one fails before the relay's welcome; the backoff follows
        only after all have failed."""
        if not 0 <= int(port) <= 0xFFFFFFFF:
            raise make_error(ErrorCode.ECONFIG, field="relay", detail="relay: bad port")
        return self._check(lib.rp_config_add_relay(self._h, enc(host), int(port)),
                           "rp_config_add_relay", "relay")

    def set_relay_key(self, hex_or_path: PathLike) -> "Config":
        """The relay's transport public key: 64 hex or its public key file. Required."""
        return self._check(lib.rp_config_set_relay_key(self._h, enc(hex_or_path)),
                           "rp_config_set_relay_key", "relay_key")

    def set_identity_file(self, path: PathLike) -> "Config":
        """The member's identity key file. Required."""
        return self._check(lib.rp_config_set_identity_file(self._h, enc(path)),
                           "rp_config_set_identity_file", "identity_file")

    def set_passphrase_file(self, path: PathLike) -> "Config":
        """Read an encrypted identity's passphrase from the first line of a file."""
        return self._check(lib.rp_config_set_passphrase_file(self._h, enc(path)),
                           "rp_config_set_passphrase_file", "passphrase_file")

    def set_passphrase_env(self, name: str) -> "Config":
        """Read the passphrase from environment variable ``name`` at client creation."""
        return self._check(lib.rp_config_set_passphrase_env(self._h, enc(name)),
                           "rp_config_set_passphrase_env", "passphrase_env")

    def set_passphrase_callback(self, fn: Optional[PassphraseCallback]) -> "Config":
        """Ask ``fn()`` for the passphrase (str or bytes; None refuses, and creating
        the client fails with ``EPASSPHRASE``). Called once, while the client is
        created, on that thread. The last passphrase source set wins."""
        self.callbacks["passphrase"] = fn
        # the C side is set when a Client is created (with a thunk kept by the client)
        return self

    def set_admin_key(self, hex_or_path: PathLike) -> "Config":
        """The administrator's identity public key (pins the roster signer). Required."""
        return self._check(lib.rp_config_set_admin_key(self._h, enc(hex_or_path)),
                           "rp_config_set_admin_key", "admin_key")

    def set_roster_file(self, path: PathLike) -> "Config":
        """The signed roster to start from. Required on first start."""
        return self._check(lib.rp_config_set_roster_file(self._h, enc(path)),
                           "rp_config_set_roster_file", "roster_file")

    def set_backoff(self, min_ms: int, max_ms: int) -> "Config":
        """Reconnection backoff, milliseconds (10 <= min <= max <= 3600000)."""
        if min_ms < 0 or max_ms < 0 or min_ms > 0xFFFFFFFF or max_ms > 0xFFFFFFFF:
            raise make_error(ErrorCode.ECONFIG, field="backoff", detail="backoff: out of range")
        return self._check(lib.rp_config_set_backoff(self._h, min_ms, max_ms),
                           "rp_config_set_backoff", "backoff")

    def set_expiry(self, ms: int) -> "Config":
        """How long an envelope may wait at the relay undelivered, milliseconds."""
        if not 0 <= ms < 1 << 64:
            raise make_error(ErrorCode.ECONFIG, field="expiry", detail="expiry: out of range")
        return self._check(lib.rp_config_set_expiry(self._h, ms), "rp_config_set_expiry",
                           "expiry")

    def set_retention(self, ms: int) -> "Config":
        """How long the client store keeps a finished message, milliseconds (0 .. 10
        years; default 30 days). Once that long has passed since it finished, the
        message is deleted with its attachment chunks and no byte of it stays in the
        state folder. Finished: a received message marked handled; a sent one whose
        status can no longer change (answered, expired, failed); any message of a thread
        closed by a closure or a consent_withdrawn. Kept whatever the retention: a
        message still queued for the relay, an unhandled one, and one still waiting for
        its receipts in an open thread. 0 deletes at the next sweep after it finished;
        the sweep runs at start, at each connection and every quarter of the retention
        (1 s .. 1 h apart), on the library's thread. The store is a transit store:
        file what you handle in your own case system."""
        if not 0 <= ms < 1 << 64:
            raise make_error(ErrorCode.ECONFIG, field="retention",
                             detail="retention: out of range")
        return self._check(lib.rp_config_set_retention(self._h, ms),
                           "rp_config_set_retention", "retention")

    def set_receive(self, on: bool) -> "Config":
        """Whether the client asks for deliveries (True, the default) or only sends."""
        return self._check(lib.rp_config_set_receive(self._h, 1 if on else 0),
                           "rp_config_set_receive", "receive")

    def set_attachment_max(self, nbytes: int) -> "Config":
        """Cap on each attachment, sent or received (default 100 MiB)."""
        if not 0 <= nbytes < 1 << 64:
            raise make_error(ErrorCode.ECONFIG, field="attachment_max")
        return self._check(lib.rp_config_set_attachment_max(self._h, nbytes),
                           "rp_config_set_attachment_max", "attachment_max")

    def set_message_attachments_max(self, nbytes: int) -> "Config":
        """Cap on all of a message's attachments together (default 256 MiB)."""
        if not 0 <= nbytes < 1 << 64:
            raise make_error(ErrorCode.ECONFIG, field="message_attachments_max")
        return self._check(lib.rp_config_set_message_attachments_max(self._h, nbytes),
                           "rp_config_set_message_attachments_max", "message_attachments_max")

    # ---- callbacks (installed with per-client thunks by Client) ----

    def set_on_receive(self, fn: Optional[ReceiveCallback]) -> "Config":
        """``fn(client, received)`` for each message newly stored in the inbox, and at
        start-up for each one not yet handled. Runs on the library's loop thread;
        ``received`` is lent for the call (``received.dup()`` keeps it)."""
        self.callbacks["receive"] = fn
        return self

    def set_on_status(self, fn: Optional[StatusCallback]) -> "Config":
        """``fn(client, msg_id, status, error)`` whenever a sent message's status
        changes; ``error`` is a :class:`RejsepostError` (not raised) for
        ``Status.FAILED``, else None. Runs on the library's loop thread."""
        self.callbacks["status"] = fn
        return self

    def set_on_log(self, fn: Optional[LogCallback]) -> "Config":
        """``fn(level, line)`` for each log line of the library (never message
        content). Runs on the library's loop thread. See also :meth:`set_log_to_logging`."""
        self.callbacks["log"] = fn
        return self

    def set_log_to_logging(self, logger: Optional[logging.Logger] = None) -> "Config":
        """Sends the library's log lines to a :mod:`logging` logger (``rejsepost``)."""
        from .constants import LogLevel

        log = logger or logging.getLogger("rejsepost")
        levels = {LogLevel.ERROR: logging.ERROR, LogLevel.WARN: logging.WARNING,
                  LogLevel.INFO: logging.INFO}
        return self.set_on_log(lambda level, line: log.log(levels.get(level, logging.INFO), "%s", line))

    def set_on_progress(self, fn: Optional[ProgressCallback]) -> "Config":
        """``fn(client, msg_id, direction, done_bytes, total_bytes)`` as attachment
        chunks move. Runs on the library's loop thread."""
        self.callbacks["progress"] = fn
        return self

    def set_content_hook(self, fn: Optional[ContentHook]) -> "Config":
        """``fn(field, text)`` for every free-text field of an outgoing message, after
        the CPR guard, on the thread calling :meth:`Client.send`. Return None or True to
        accept, False to refuse, or an int byte offset to refuse at that byte; the send
        then fails with ``EHOOK``."""
        self.callbacks["content_hook"] = fn
        return self

    def set_attachment_hook(self, fn: Optional[AttachmentHook]) -> "Config":
        """``fn(name, mime, piece, offset, last)`` for every outgoing attachment's
        bytes, a piece (at most 256 KiB) at a time, on the thread calling
        :meth:`Client.send`. Return as for :meth:`set_content_hook` (the offset is in
        the file)."""
        self.callbacks["attachment_hook"] = fn
        return self

    def set_on_callback_error(self, fn: Optional[CallbackErrorHandler]) -> "Config":
        """``fn(callback_name, exception)`` for an exception raised in a callback
        (default: logged to the ``rejsepost`` logger). Runs on the callback's thread."""
        self.on_callback_error = fn
        return self

    def __repr__(self) -> str:
        return "<rejsepost.Config closed>" if not self._ptr else "<rejsepost.Config>"


def read_env_file(path: PathLike) -> Dict[str, str]:
    """Reads NAME=VALUE lines (as testnet.sh writes them) into a dict."""
    values: Dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            values[k] = v
    return values


def config_from_env(values: Dict[str, str], **settings: Any) -> Config:
    """A config from the NAME=VALUE settings of a member env file (STATE_DIR,
    RELAY_HOST, RELAY_PORT, RELAY_KEY, IDENTITY_FILE, ADMIN_KEY, ROSTER_FILE), plus
    any further ``settings`` as for :class:`Config`."""
    cfg = Config(
        state_dir=values["STATE_DIR"],
        relay=(values["RELAY_HOST"], int(values["RELAY_PORT"])),
        relay_key=values["RELAY_KEY"],
        identity_file=values["IDENTITY_FILE"],
        admin_key=values["ADMIN_KEY"],
        roster_file=values["ROSTER_FILE"],
    )
    try:
        for key, value in settings.items():
            if key == "on_callback_error":
                cfg.on_callback_error = value
            elif isinstance(value, tuple):
                getattr(cfg, "set_" + key)(*value)
            else:
                getattr(cfg, "set_" + key)(value)
    except BaseException:
        cfg.close()
        raise
    return cfg

