# SPDX-License-Identifier: MIT
"""The client: :class:`Client` over ``rp_client``."""
from __future__ import annotations

import atexit
import ctypes
import logging
import threading
import time
import weakref
from ctypes import byref, c_int, c_uint64
from typing import Any, Callable, Iterator, List, NamedTuple, Optional, Tuple, Union

from . import _native as N
from ._native import dec, enc, lib
from .config import Config
from .constants import ID_STRLEN, ConnState, Direction, LogLevel, Network, Status, to_status
from .errors import ErrorCode, RejsepostError, make_error
from .message import Message
from .received import Received

_log = logging.getLogger("rejsepost")


class Member(NamedTuple):
    """An active member of the roster (``rp_client_members``)."""

    member_id: str
    kind: str  # "municipality", "team", "relay" or "admin"
    municipality: str  # 3 digits, "" for the other kinds
    networks: Network


class OutboxEntry(NamedTuple):
    """A message in the outbox (``rp_outbox_foreach``)."""

    msg_id: str
    kind: str
    thread_id: str
    recipient: str
    status: Union[Status, int]
    queued_at: int  # unix ms


class StatusInfo(NamedTuple):
    """A sent message's status (``rp_status``) and, for FAILED, why."""

    status: Union[Status, int]
    error: Optional[RejsepostError]


def _hook_result(result: Any, offset: Any) -> int:
    """A hook's Python result as the C hook's return value (0 accepts)."""
    if result is None or result is True:
        return 0
    if result is False:
        return 1
    if isinstance(result, int):
        offset[0] = max(0, result)
        return 1
    raise TypeError("a hook returns None or True (accept), False or an int offset (refuse)")


class Client:
    """A member's connection to the relay (``rp_client``), with its durable outbox and
    inbox in the state folder.

    Creating one opens the state folder, loads the identity and the roster and starts
    the library's loop thread, which connects in the background. Use it as a context
    manager or call :meth:`close` exactly once (a finalizer is only a safety net).
    Every method may be called from any thread, also from the callbacks, except
    :meth:`close` (never from a callback, never concurrently with other calls) and
    :meth:`flush` / :meth:`refresh_roster` (not from a callback).

    Callbacks set on the :class:`Config` run on the library's loop thread; see there.
    Exceptions they raise are collected in :attr:`callback_errors`.
    """

    _handle: Optional[int]

    def __init__(self, config: Config) -> None:
        self._handle = None
        self._closing = False
        self._lock = threading.Lock()
        self._loop_threads: set = set()
        self._tls = threading.local()
        self.callback_errors: List[Tuple[str, BaseException]] = []
        self._on_error = config.on_callback_error
        self._thunks: List[Any] = []
        cfg = config._h
        self._install(config, cfg)
        out = N.client_p()
        rc = lib.rp_client_new(cfg, byref(out))
        if rc:
            self._closing = True
            raise make_error(rc, call="rp_client_new", detail=config.error)
        self._handle = out.value
        _live.add(self)

    # ---- callbacks ----

    def _report(self, where: str, exc: BaseException) -> None:
        """Records an exception raised in a callback; never raises."""
        try:
            self.callback_errors.append((where, exc))
            del self.callback_errors[:-100]
            if self._on_error is not None:
                self._on_error(where, exc)
            else:
                _log.error("exception in the %s callback", where, exc_info=exc)
        except BaseException:  # noqa: BLE001 - never into the library
            pass

    def _install(self, config: Config, cfg: int) -> None:
        """Sets the config's C callbacks to thunks bound to this client (weakly, so
        that a forgotten client can still be collected) and keeps the thunks."""
        ref = weakref.ref(self)
        cbs = config.callbacks

        def enter(c: Optional[int]) -> Optional["Client"]:
            client = ref()
            if client is None:
                return None
            if client._handle is None and not client._closing and c:
                client._handle = c  # a callback during rp_client_new (start-up)
            client._loop_threads.add(threading.get_ident())
            return client

        receive_fn, status_fn, log_fn, progress_fn = (
            cbs["receive"], cbs["status"], cbs["log"], cbs["progress"])
        pass_fn, content_fn, attach_fn = (
            cbs["passphrase"], cbs["content_hook"], cbs["attachment_hook"])

        def on_receive(_d: Any, c: Optional[int], r: Optional[int]) -> None:
            client = enter(c)
            if client is None or not r or receive_fn is None:
                return
            lent = Received(r, client, owned=False)
            try:
                receive_fn(client, lent)
            except BaseException as e:  # noqa: BLE001
                client._report("receive", e)
            finally:
                lent._expire()

        def on_status(_d: Any, c: Optional[int], msg_id: bytes, status: int, error: int) -> None:
            client = enter(c)
            if client is None or status_fn is None:
                return
            try:
                err = make_error(error) if error else None
                status_fn(client, dec(msg_id) or "", to_status(status), err)
            except BaseException as e:  # noqa: BLE001
                client._report("status", e)

        def on_log(_d: Any, level: int, line: bytes) -> None:
            client = ref()
            if client is None or log_fn is None:
                return
            try:
                try:
                    lvl: Any = LogLevel(level)
                except ValueError:
                    lvl = level
                log_fn(lvl, dec(line) or "")
            except BaseException as e:  # noqa: BLE001
                client._report("log", e)

        def on_progress(_d: Any, c: Optional[int], msg_id: bytes, direction: int, done: int,
                        total: int) -> None:
            client = enter(c)
            if client is None or progress_fn is None:
                return
            try:
                try:
                    dirn: Any = Direction(direction)
                except ValueError:
                    dirn = direction
                progress_fn(client, dec(msg_id) or "", dirn, int(done), int(total))
            except BaseException as e:  # noqa: BLE001
                client._report("progress", e)

        def on_passphrase(_d: Any, buf: int, cap: int, length: Any) -> int:
            client = ref()
            try:
                pw = pass_fn() if pass_fn is not None else None
                if pw is None:
                    return 1
                data = pw.encode("utf-8") if isinstance(pw, str) else bytes(pw)
                if len(data) > cap:
                    return 1
                ctypes.memmove(buf, data, len(data))
                length[0] = len(data)
                return 0
            except BaseException as e:  # noqa: BLE001
                if client is not None:
                    client._report("passphrase", e)
                return 1

        def on_content(_d: Any, field: bytes, text: int, n: int, offset: Any) -> int:
            client = ref()
            try:
                s = ctypes.string_at(text, n).decode("utf-8", errors="replace")
                return _hook_result(content_fn(dec(field) or "", s), offset)  # type: ignore[misc]
            except BaseException as e:  # noqa: BLE001
                if client is not None:
                    client._tls.hook_error = e
                    client._report("content_hook", e)
                return 1

        def on_attachment(_d: Any, name: bytes, mime: bytes, buf: int, n: int, off: int,
                          last: int, bad: Any) -> int:
            client = ref()
            try:
                piece = ctypes.string_at(buf, n) if n else b""
                res = attach_fn(dec(name) or "", dec(mime) or "", piece, int(off), bool(last))  # type: ignore[misc]
                return _hook_result(res, bad)
            except BaseException as e:  # noqa: BLE001
                if client is not None:
                    client._tls.hook_error = e
                    client._report("attachment_hook", e)
                return 1

        def install(setter: Any, ctype: Any, py_fn: Any, thunk_fn: Callable[..., Any], name: str) -> None:
            thunk = ctype(thunk_fn) if py_fn is not None else ctype()  # ctype(): NULL
            self._thunks.append(thunk)
            rc = setter(cfg, thunk, None)
            if rc:
                raise make_error(rc, call=name, detail=config.error)

        install(lib.rp_config_set_receive_callback, N.RECEIVE_FN, receive_fn, on_receive,
                "rp_config_set_receive_callback")
        install(lib.rp_config_set_status_callback, N.STATUS_FN, status_fn, on_status,
                "rp_config_set_status_callback")
        install(lib.rp_config_set_log, N.LOG_FN, log_fn, on_log, "rp_config_set_log")
        install(lib.rp_config_set_progress, N.PROGRESS_FN, progress_fn, on_progress,
                "rp_config_set_progress")
        install(lib.rp_config_set_content_hook, N.CONTENT_HOOK_FN, content_fn, on_content,
                "rp_config_set_content_hook")
        install(lib.rp_config_set_attachment_hook, N.ATTACHMENT_HOOK_FN, attach_fn,
                on_attachment, "rp_config_set_attachment_hook")
        if pass_fn is not None:
            install(lib.rp_config_set_passphrase_callback, N.PASSPHRASE_FN, pass_fn,
                    on_passphrase, "rp_config_set_passphrase_callback")

    # ---- lifetime ----

    @property
    def _h(self) -> int:
        h = self._handle
        if not h or self._closing:
            raise make_error(ErrorCode.ESTATE, detail="the client is closed")
        return h

    def _not_from_callback(self, what: str) -> None:
        # these wait for the loop thread: called from it, they would wait for themselves
        if threading.get_ident() in self._loop_threads:
            raise make_error(ErrorCode.ESTATE,
                             detail=f"{what} must not be called from a callback")

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has begun."""
        return self._closing

    def close(self) -> None:
        """Stops the loop cleanly and frees the client (``rp_client_free``): sends in
        flight get their answers or go on the next run; nothing stored is lost. Waits
        at most about 5 seconds for the relay. Idempotent; not from a callback."""
        self._not_from_callback("close()")
        with self._lock:
            if self._closing:
                return
            self._closing = True
            h, self._handle = self._handle, None
        if h:
            lib.rp_client_free(h)
        self._thunks = []  # the library calls none of them any more

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if threading.get_ident() in self._loop_threads:
                return  # rp_client_free from the loop thread would wait for itself
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    # ---- state ----

    @property
    def member_id(self) -> str:
        """Our member id, as in the roster."""
        return dec(lib.rp_client_member_id(self._h)) or ""

    @property
    def conn_state(self) -> ConnState:
        """The connection state."""
        v = int(lib.rp_client_conn_state(self._h))
        try:
            return ConnState(v)
        except ValueError:
            return v  # type: ignore[return-value]

    @property
    def last_error(self) -> Optional[RejsepostError]:
        """Why the last connection attempt failed or the last connection ended (an
        exception object, not raised), or None since the last successful welcome."""
        rc = int(lib.rp_client_last_error(self._h))
        return make_error(rc) if rc else None

    @property
    def roster_version(self) -> int:
        """The version of the roster the client holds and trusts."""
        v = c_uint64()
        rc = lib.rp_client_roster_version(self._h, byref(v))
        if rc:
            raise make_error(rc, call="rp_client_roster_version")
        return int(v.value)

    def refresh_roster(self, timeout: float = 10.0) -> None:
        """Fetches the relay's newest roster now, waiting up to ``timeout`` seconds
        (``ETIMEDOUT`` e.g. when not connected). Not from a callback."""
        self._not_from_callback("refresh_roster()")
        rc = lib.rp_client_refresh_roster(self._h, _ms(timeout))
        if rc:
            raise make_error(rc, call="rp_client_refresh_roster")

    def members(self) -> List[Member]:
        """The active members of the roster the client trusts, in roster order."""
        found: List[Member] = []

        def each(_d: Any, mid: bytes, kind: bytes, muni: bytes, nets: int) -> int:
            found.append(Member(dec(mid) or "", dec(kind) or "", dec(muni) or "",
                                Network(nets & 0x3)))
            return 0

        thunk = N.MEMBER_FN(each)
        rc = lib.rp_client_members(self._h, thunk, None)
        if rc < 0:
            raise make_error(rc, call="rp_client_members")
        return found

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until no sent message waits for the relay (relayed, failed or
        expired), at most ``timeout`` seconds (None: forever). True when flushed,
        False on timeout. Not from a callback."""
        self._not_from_callback("flush()")
        rc = lib.rp_client_flush(self._h, -1 if timeout is None else _ms(timeout))
        if rc == ErrorCode.ETIMEDOUT:
            return False
        if rc:
            raise make_error(rc, call="rp_client_flush")
        return True

    # ---- sending ----

    def send(self, message: Message) -> str:
        """Checks, seals and durably queues ``message`` (``rp_send``); returns its new
        message id once it is in the outbox. The loop thread delivers it. Attachments
        are read here, on this thread. On failure raises with the message's
        ``field``/``detail`` (``ECPR``, ``EHOOK``, ``EENUM``...); nothing is stored.
        The message stays yours and may be sent again (as a new message)."""
        mid = ctypes.create_string_buffer(ID_STRLEN)
        self._tls.hook_error = None
        rc = lib.rp_send(self._h, message._h, mid)
        if rc:
            err = message.error(rc, "rp_send")
            cause = message._stream_error() or getattr(self._tls, "hook_error", None)
            self._tls.hook_error = None
            if cause is not None:
                raise err from cause
            raise err
        return mid.value.decode("ascii")

    def status(self, msg_id: str) -> StatusInfo:
        """A sent message's current status and, for FAILED, the refusal."""
        st, er = c_int(), c_int()
        rc = lib.rp_status(self._h, enc(msg_id), byref(st), byref(er))
        if rc:
            raise make_error(rc, call="rp_status")
        return StatusInfo(to_status(st.value), make_error(er.value) if er.value else None)

    def status_time(self, msg_id: str, status: int) -> Optional[int]:
        """When ``msg_id`` reached ``status`` (unix ms), or None if it has not."""
        when = c_uint64()
        rc = lib.rp_status_time(self._h, enc(msg_id), int(status), byref(when))
        if rc:
            raise make_error(rc, call="rp_status_time")
        return int(when.value) or None

    def wait_status(self, msg_id: str, wanted: Status, timeout: float = 30.0,
                    poll: float = 0.01) -> Union[Status, int]:
        """Polls until ``msg_id`` reaches at least ``wanted`` (by rank) or a final
        status, and returns the status; raises ``ETIMEDOUT`` after ``timeout`` s."""
        end = time.monotonic() + timeout
        while True:
            st = self.status(msg_id).status
            rank = lib.rp_status_rank(int(st))
            if rank >= lib.rp_status_rank(int(wanted)) or rank == 7:
                return st
            if time.monotonic() >= end:
                raise make_error(ErrorCode.ETIMEDOUT, call="wait_status",
                                 detail=f"{msg_id} is {dec(lib.rp_status_name(int(st)))}")
            time.sleep(poll)

    def outbox(self) -> List[OutboxEntry]:
        """The messages in the outbox (receipts excepted), oldest first."""
        found: List[OutboxEntry] = []

        def each(_d: Any, mid: bytes, kind: bytes, thread: bytes, rcpt: bytes, st: int,
                 queued: int) -> int:
            found.append(OutboxEntry(dec(mid) or "", dec(kind) or "", dec(thread) or "",
                                     dec(rcpt) or "", to_status(st), int(queued)))
            return 0

        thunk = N.OUTBOX_FN(each)
        rc = lib.rp_outbox_foreach(self._h, thunk, None)
        if rc < 0:
            raise make_error(rc, call="rp_outbox_foreach")
        return found

    def send_opened(self, msg_id: Union[str, Received]) -> None:
        """Sends the "opened" receipt for a received message to its sender."""
        if isinstance(msg_id, Received):
            msg_id = msg_id.msg_id
        rc = lib.rp_send_opened(self._h, enc(msg_id))
        if rc:
            raise make_error(rc, call="rp_send_opened")

    # ---- receiving ----

    def inbox_next(self) -> Optional[Received]:
        """The oldest unhandled message this client has not returned yet, or None;
        messages their sender recalled are left out (:attr:`Received.recalled`).
        The result is yours (``with`` or ``close()``)."""
        out = N.received_p()
        rc = lib.rp_inbox_next(self._h, byref(out))
        if rc == ErrorCode.ENOTFOUND:
            return None
        if rc:
            raise make_error(rc, call="rp_inbox_next")
        return Received(out.value, self, owned=True)

    def inbox(self) -> Iterator[Received]:
        """Yields :meth:`inbox_next` until there is none."""
        while True:
            r = self.inbox_next()
            if r is None:
                return
            yield r

    def inbox_get(self, msg_id: str) -> Received:
        """The inbox message ``msg_id``, handled, recalled or not (``ENOTFOUND``)."""
        out = N.received_p()
        rc = lib.rp_inbox_get(self._h, enc(msg_id), byref(out))
        if rc:
            raise make_error(rc, call="rp_inbox_get")
        return Received(out.value, self, owned=True)

    def mark_handled(self, msg_id: Union[str, Received]) -> None:
        """Marks a message handled, durably: it is never offered again. Idempotent.
        A handled message is deleted after the retention (:meth:`Config.set_retention`);
        a handled ``consent_withdrawn`` erases its whole thread at once
        (:meth:`erase_thread`)."""
        if isinstance(msg_id, Received):
            msg_id = msg_id.msg_id
        rc = lib.rp_inbox_mark_handled(self._h, enc(msg_id))
        if rc:
            raise make_error(rc, call="rp_inbox_mark_handled")

    # ---- erasure ----

    def erase_thread(self, thread_id: Union[str, Received]) -> None:
        """Erases a thread (32 hex, or a received message's thread) from the client
        store (``rp_thread_erase``): every message of it, sent and received, with its
        attachment chunks, leaving no byte of them in the state folder's files.
        Afterwards :meth:`inbox_get` and :meth:`status` of those messages raise
        ``ENOTFOUND``; one still on its way is not sent, and the library asks the relay
        to delete those it may still hold. Kept: a ``consent_withdrawn`` or a receipt
        still queued, which must still go out. A thread with nothing stored is no
        error; a bad id raises ``EINVAL``. It holds the store while it works (seconds
        for a thread with a large attachment); callable from any thread, callbacks
        included.

        The library also erases by itself when consent is withdrawn: the sender of a
        ``consent_withdrawn`` once the relay has it (the rest of the thread, keeping the
        ``consent_withdrawn`` so its status can be followed), the recipient when it
        marks the ``consent_withdrawn`` handled (the whole thread)."""
        if isinstance(thread_id, Received):
            thread_id = thread_id.thread_id
        rc = lib.rp_thread_erase(self._h, enc(thread_id))
        if rc:
            raise make_error(rc, call="rp_thread_erase")

    @property
    def inbox_pending(self) -> int:
        """The number of inbox messages not marked handled (nor recalled)."""
        n = c_uint64()
        rc = lib.rp_inbox_pending(self._h, byref(n))
        if rc:
            raise make_error(rc, call="rp_inbox_pending")
        return int(n.value)

    def __repr__(self) -> str:
        if self._closing or not self._handle:
            return "<rejsepost.Client closed>"
        return f"<rejsepost.Client {self.member_id} {self.conn_state.name}>"


# Clients still open when the interpreter exits are closed before it tears itself
# down: the loop thread must not call into Python during finalization.
_live: "weakref.WeakSet[Client]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for c in list(_live):
        try:
            c.close()
        except Exception:  # noqa: BLE001 - at exit, best effort
            pass


def _ms(seconds: float) -> int:
    ms = int(seconds * 1000)
    return max(0, min(ms, 0x7FFFFFFF))

