# SPDX-License-Identifier: MIT
"""The C ABI of librejsepost, declared for ctypes (internal).

Every exported function the binding uses is declared in ``PROTOTYPES`` with its
result and argument types, so that ctypes converts them exactly as the header says.
Two rules of the header shape the choices below:

- ``const char *`` results are borrowed: they are declared ``c_char_p``, which copies
  the text into a Python ``bytes`` and never frees the original.
- ``char **`` / ``uint8_t **`` outputs belong to the caller: they are received as a
  ``c_void_p``, copied with ``ctypes.string_at`` and then given back with ``rp_free``.

The library is found, in order, by the ``REJSEPOST_LIBRARY`` environment variable (a
path), ``ctypes.util.find_library("rejsepost")`` and the installed soname
``librejsepost.so.0``.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char_p,
    c_int,
    c_longlong,
    c_size_t,
    c_uint,
    c_uint64,
    c_void_p,
)
from typing import Any, Dict, List, Optional, Tuple

SONAME = "librejsepost.so.0"

# Opaque handles are plain void pointers.
config_p = c_void_p
client_p = c_void_p
msg_p = c_void_p
received_p = c_void_p
u8_p = POINTER(ctypes.c_uint8)

# Callback types, as typedef'd in rejsepost.h.
PASSPHRASE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, POINTER(c_size_t))
CONTENT_HOOK_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p, c_size_t, POINTER(c_size_t))
ATTACHMENT_HOOK_FN = CFUNCTYPE(
    c_int, c_void_p, c_char_p, c_char_p, c_void_p, c_size_t, c_uint64, c_int, POINTER(c_size_t)
)
RECEIVE_FN = CFUNCTYPE(None, c_void_p, c_void_p, c_void_p)
STATUS_FN = CFUNCTYPE(None, c_void_p, c_void_p, c_char_p, c_int, c_int)
LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)
PROGRESS_FN = CFUNCTYPE(None, c_void_p, c_void_p, c_char_p, c_int, c_uint64, c_uint64)
MEMBER_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_uint)
OUTBOX_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, c_int, c_uint64)
READ_FN = CFUNCTYPE(c_longlong, c_void_p, c_void_p, c_size_t)
WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)

# name: (restype, argtypes)
PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    # library
    "rp_version": (c_uint, []),
    "rp_version_string": (c_char_p, []),
    "rp_free": (None, [c_void_p]),
    "rp_strerror": (c_char_p, [c_int]),
    "rp_err_name": (c_char_p, [c_int]),
    # configuration
    "rp_config_new": (c_int, [POINTER(config_p)]),
    "rp_config_free": (None, [config_p]),
    "rp_config_error": (c_char_p, [config_p]),
    "rp_config_set_state_dir": (c_int, [config_p, c_char_p]),
    "rp_config_set_relay": (c_int, [config_p, c_char_p, c_uint]),
    "rp_config_add_relay": (c_int, [config_p, c_char_p, c_uint]),
    "rp_config_set_relay_key": (c_int, [config_p, c_char_p]),
    "rp_config_set_identity_file": (c_int, [config_p, c_char_p]),
    "rp_config_set_passphrase_file": (c_int, [config_p, c_char_p]),
    "rp_config_set_passphrase_env": (c_int, [config_p, c_char_p]),
    "rp_config_set_passphrase_callback": (c_int, [config_p, PASSPHRASE_FN, c_void_p]),
    "rp_config_set_admin_key": (c_int, [config_p, c_char_p]),
    "rp_config_set_roster_file": (c_int, [config_p, c_char_p]),
    "rp_config_set_backoff": (c_int, [config_p, c_uint, c_uint]),
    "rp_config_set_expiry": (c_int, [config_p, c_uint64]),
    "rp_config_set_retention": (c_int, [config_p, c_uint64]),
    "rp_config_set_receive_callback": (c_int, [config_p, RECEIVE_FN, c_void_p]),
    "rp_config_set_status_callback": (c_int, [config_p, STATUS_FN, c_void_p]),
    "rp_config_set_content_hook": (c_int, [config_p, CONTENT_HOOK_FN, c_void_p]),
    "rp_config_set_attachment_hook": (c_int, [config_p, ATTACHMENT_HOOK_FN, c_void_p]),
    "rp_config_set_log": (c_int, [config_p, LOG_FN, c_void_p]),
    "rp_config_set_receive": (c_int, [config_p, c_int]),
    "rp_config_set_attachment_max": (c_int, [config_p, c_uint64]),
    "rp_config_set_message_attachments_max": (c_int, [config_p, c_uint64]),
    "rp_config_set_progress": (c_int, [config_p, PROGRESS_FN, c_void_p]),
    # client
    "rp_client_new": (c_int, [config_p, POINTER(client_p)]),
    "rp_client_free": (None, [client_p]),
    "rp_client_member_id": (c_char_p, [client_p]),
    "rp_client_conn_state": (c_int, [client_p]),
    "rp_client_last_error": (c_int, [client_p]),
    "rp_client_roster_version": (c_int, [client_p, POINTER(c_uint64)]),
    "rp_client_refresh_roster": (c_int, [client_p, c_int]),
    "rp_client_members": (c_int, [client_p, MEMBER_FN, c_void_p]),
    "rp_client_flush": (c_int, [client_p, c_int]),
    # messages
    "rp_msg_new": (c_int, [c_char_p, POINTER(msg_p)]),
    "rp_msg_free": (None, [msg_p]),
    "rp_msg_kind": (c_char_p, [msg_p]),
    "rp_msg_set_text": (c_int, [msg_p, c_char_p, c_char_p]),
    "rp_msg_set_enum": (c_int, [msg_p, c_char_p, c_char_p]),
    "rp_msg_set_uint": (c_int, [msg_p, c_char_p, c_uint64]),
    "rp_msg_set_bool": (c_int, [msg_p, c_char_p, c_int]),
    "rp_msg_add_to_set": (c_int, [msg_p, c_char_p, c_char_p]),
    "rp_msg_set_hex": (c_int, [msg_p, c_char_p, c_char_p]),
    "rp_msg_list_add": (c_int, [msg_p, c_char_p]),
    "rp_msg_attach_file": (c_int, [msg_p, c_char_p, c_char_p, c_char_p, c_char_p]),
    "rp_msg_attach_buffer": (c_int, [msg_p, c_void_p, c_size_t, c_char_p, c_char_p, c_char_p]),
    "rp_msg_attach_stream": (c_int, [msg_p, READ_FN, c_void_p, c_char_p, c_char_p, c_char_p]),
    "rp_msg_set_thread": (c_int, [msg_p, c_char_p]),
    "rp_msg_set_recipient": (c_int, [msg_p, c_char_p]),
    "rp_msg_error_field": (c_char_p, [msg_p]),
    "rp_msg_error_offset": (c_size_t, [msg_p]),
    "rp_msg_error_text": (c_char_p, [msg_p]),
    "rp_msg_from_json": (c_int, [c_char_p, c_size_t, POINTER(msg_p), POINTER(c_char_p)]),
    "rp_msg_to_json": (c_int, [msg_p, POINTER(c_void_p)]),
    "rp_msg_from_msgpack": (c_int, [c_char_p, c_size_t, POINTER(msg_p), POINTER(c_char_p)]),
    "rp_msg_encode": (c_int, [msg_p, POINTER(c_void_p), POINTER(c_size_t)]),
    # sending and status
    "rp_status_name": (c_char_p, [c_int]),
    "rp_status_rank": (c_int, [c_int]),
    "rp_send": (c_int, [client_p, msg_p, c_char_p]),
    "rp_status": (c_int, [client_p, c_char_p, POINTER(c_int), POINTER(c_int)]),
    "rp_status_time": (c_int, [client_p, c_char_p, c_int, POINTER(c_uint64)]),
    "rp_outbox_foreach": (c_int, [client_p, OUTBOX_FN, c_void_p]),
    "rp_send_opened": (c_int, [client_p, c_char_p]),
    # receiving
    "rp_inbox_next": (c_int, [client_p, POINTER(received_p)]),
    "rp_inbox_get": (c_int, [client_p, c_char_p, POINTER(received_p)]),
    "rp_inbox_mark_handled": (c_int, [client_p, c_char_p]),
    "rp_inbox_pending": (c_int, [client_p, POINTER(c_uint64)]),
    # erasure
    "rp_thread_erase": (c_int, [client_p, c_char_p]),
    "rp_received_dup": (c_int, [received_p, POINTER(received_p)]),
    "rp_received_free": (None, [received_p]),
    "rp_received_kind": (c_char_p, [received_p]),
    "rp_received_msg_id": (c_char_p, [received_p]),
    "rp_received_thread_id": (c_char_p, [received_p]),
    "rp_received_in_reply_to": (c_char_p, [received_p]),
    "rp_received_sender": (c_char_p, [received_p]),
    "rp_received_created": (c_uint64, [received_p]),
    "rp_received_stored_at": (c_uint64, [received_p]),
    "rp_received_handled": (c_int, [received_p]),
    "rp_received_recalled": (c_int, [received_p]),
    "rp_received_get_text": (c_int, [received_p, c_char_p, POINTER(c_char_p)]),
    "rp_received_get_enum": (c_int, [received_p, c_char_p, POINTER(c_char_p)]),
    "rp_received_get_uint": (c_int, [received_p, c_char_p, POINTER(c_uint64)]),
    "rp_received_get_bool": (c_int, [received_p, c_char_p, POINTER(c_int)]),
    "rp_received_get_set": (c_int, [received_p, c_char_p, c_size_t, POINTER(c_char_p)]),
    "rp_received_get_hex": (c_int, [received_p, c_char_p, POINTER(c_char_p)]),
    "rp_received_list_count": (c_int, [received_p, c_char_p, POINTER(c_size_t)]),
    "rp_received_attachments": (c_size_t, [received_p]),
    "rp_received_attachment": (
        c_int,
        [
            received_p,
            c_size_t,
            POINTER(c_char_p),
            POINTER(c_char_p),
            POINTER(c_uint64),
            POINTER(c_char_p),
        ],
    ),
    "rp_received_attachment_read": (c_int, [client_p, received_p, c_size_t, WRITE_FN, c_void_p]),
    "rp_received_attachment_save": (c_int, [client_p, received_p, c_size_t, c_char_p]),
    "rp_received_to_json": (c_int, [received_p, POINTER(c_void_p)]),
}


def _load() -> ctypes.CDLL:
    candidates: List[str] = []
    env = os.environ.get("REJSEPOST_LIBRARY")
    if env:
        candidates.append(env)
    found = ctypes.util.find_library("rejsepost")
    if found:
        candidates.append(found)
    candidates.append(SONAME)
    errors = []
    for name in candidates:
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            errors.append(f"{name}: {e}")
    raise ImportError(
        "rejsepost: cannot load librejsepost (set REJSEPOST_LIBRARY to its path): "
        + "; ".join(errors)
    )


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


lib = _load()
_declare(lib)


def enc(s: Optional[Any]) -> Optional[bytes]:
    """A text argument as NUL-terminated UTF-8 (None stays NULL)."""
    if s is None:
        return None
    if isinstance(s, os.PathLike):
        s = os.fspath(s)
    if isinstance(s, str):
        b = s.encode("utf-8")
    elif isinstance(s, (bytes, bytearray)):
        b = bytes(s)
    else:
        raise TypeError(f"expected str, bytes or path, got {type(s).__name__}")
    if b"\0" in b:
        raise ValueError("text must not contain a NUL character")
    return b


def dec(b: Optional[bytes]) -> Optional[str]:
    """A borrowed C text (already copied by ctypes) as str (NULL as None)."""
    if b is None:
        return None
    return b.decode("utf-8", errors="replace")


def take_string(ptr: c_void_p, size: Optional[int] = None) -> bytes:
    """Copies a library-owned buffer handed out through ``char **`` and frees it."""
    if not ptr.value:
        return b""
    try:
        if size is None:
            return ctypes.string_at(ptr.value)
        return ctypes.string_at(ptr.value, size)
    finally:
        lib.rp_free(ptr)
