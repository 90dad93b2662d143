# SPDX-License-Identifier: MIT
"""rejsepost: Python binding of librejsepost, the client library of the rejsepost relay.

A municipality's case system (or the team's inbox) builds a :class:`Message`, hands it
to :meth:`Client.send`, which returns once the sealed message is durable in the local
outbox; the library's own loop thread delivers it to the relay. Messages for us arrive
in the durable inbox and are read by callback (on the library's thread) or with
:meth:`Client.inbox_next`, and marked handled.

The binding loads the shared library with ctypes: from the path in the
``REJSEPOST_LIBRARY`` environment variable, else by ``ctypes.util.find_library`` or the
installed soname ``librejsepost.so.0``.

Example::

    import rejsepost as rp
    with rp.Config(state_dir="state", relay=("relay.example", 7443), relay_key=KEY,
                   identity_file="kbh.key", admin_key=ADMIN,
                   roster_file="roster.rp") as cfg, rp.Client(cfg) as client:
        msg = rp.Message("request").set_enum("urgency", "akut")  # ...
        msg_id = client.send(msg)
        client.wait_status(msg_id, rp.Status.RELAYED)
"""
from __future__ import annotations

from . import _native
from .client import Client, Member, OutboxEntry, StatusInfo
from .config import Config, config_from_env, read_env_file
from .constants import (
    ID_STRLEN,
    ConnState,
    Direction,
    LogLevel,
    Network,
    Status,
    status_name,
    status_rank,
)
from .errors import *  # noqa: F401,F403 - one exception class per error name
from .errors import ErrorCode, RejsepostError, err_name, error_class, strerror
from .message import Message
from .received import Attachment, Received

__version__ = "0.1.0"


def version() -> str:
    """The loaded library's version as text (``rp_version_string``), ``"0.1.0"``."""
    return _native.lib.rp_version_string().decode("ascii")


def version_info() -> tuple:
    """The loaded library's version as (major, minor, patch), from ``rp_version``."""
    v = int(_native.lib.rp_version())
    return (v >> 16, (v >> 8) & 0xFF, v & 0xFF)


__all__ = [
    "Attachment",
    "Client",
    "Config",
    "ConnState",
    "Direction",
    "ErrorCode",
    "ID_STRLEN",
    "LogLevel",
    "Member",
    "Message",
    "Network",
    "OutboxEntry",
    "Received",
    "RejsepostError",
    "Status",
    "StatusInfo",
    "config_from_env",
    "err_name",
    "error_class",
    "read_env_file",
    "status_name",
    "status_rank",
    "strerror",
    "version",
    "version_info",
]
