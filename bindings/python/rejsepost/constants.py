# SPDX-License-Identifier: MIT
"""Enumerations of the C API: statuses, connection states, log levels, directions."""
from __future__ import annotations

import enum
from typing import Union

from ._native import dec, lib

ID_STRLEN = 33
"""Bytes of a message or thread id as C text, NUL included (``RP_ID_STRLEN``)."""


class Status(enum.IntEnum):
    """Status of a sent message (``RP_STATUS_*``).

    The numbers are not the order of progress (``AUTO_REPLIED`` and ``RECALLED`` came
    later): compare statuses by :attr:`rank`, never by value.
    """

    QUEUED = 1
    RELAYED = 2
    DELIVERED = 3
    OPENED = 4
    ANSWERED = 5
    EXPIRED = 6
    FAILED = 7
    AUTO_REPLIED = 8
    RECALLED = 9
    """We recalled it and the recipient's library hid it (its receipt "recalled")."""

    @property
    def rank(self) -> int:
        """``rp_status_rank``: 1 queued .. 6 answered, 7 for the final expired, failed
        and recalled."""
        return status_rank(self)

    @property
    def label(self) -> str:
        """``rp_status_name``: ``"queued"``, ``"relayed"``, ..."""
        return status_name(self)

    @property
    def final(self) -> bool:
        """True for expired, failed and recalled, after which nothing changes."""
        return self.rank == FINAL_RANK


FINAL_RANK = 7


def status_name(status: int) -> str:
    """``rp_status_name``: the status's name, or ``"unknown"``."""
    return dec(lib.rp_status_name(int(status))) or "unknown"


def status_rank(status: int) -> int:
    """``rp_status_rank``: a status's place in a message's progress (0 if unknown)."""
    return int(lib.rp_status_rank(int(status)))


def to_status(value: int) -> Union[Status, int]:
    """``value`` as a :class:`Status`, or the plain int if this binding does not know it."""
    try:
        return Status(value)
    except ValueError:
        return value


class ConnState(enum.IntEnum):
    """Connection state of a client (``RP_CONN_*``)."""

    DISCONNECTED = 0
    CONNECTING = 1
    CONNECTED = 2
    STOPPED = 3


class LogLevel(enum.IntEnum):
    """Level of a log line (``RP_LOG_*``), most severe first."""

    ERROR = 1
    WARN = 2
    INFO = 3


class Direction(enum.IntEnum):
    """Direction of attachment progress (``RP_PROGRESS_*``)."""

    SEND = 1
    RECEIVE = 2


class Network(enum.IntFlag):
    """Networks of a municipality member (``RP_MEMBER_NET_*`` bits)."""

    NONE = 0
    EAST = 0x1
    WEST = 0x2
