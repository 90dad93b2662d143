# SPDX-License-Identifier: MIT
"""Erasure through the Python binding against a real relay: the retention of the client
store (``Config(retention=ms)``) and a host's own erasure of a thread
(:meth:`Client.erase_thread`). The team keeps finished messages 300 ms; kbh keeps the
default (30 days)."""
from __future__ import annotations

import time
from typing import Iterator, Tuple

import pytest

from conftest import Net, akut_request, sparring_request, wait_for

import rejsepost as rp

WAIT_S = 20.0
RETENTION_MS = 300


@pytest.fixture(scope="module")
def clients(net: Net) -> Iterator[Tuple[rp.Client, rp.Client]]:
    with rp.config_from_env(net.env("kbh"), backoff=(10, 200)) as cfg:
        kbh = rp.Client(cfg)
    try:
        with rp.config_from_env(net.env("team"), backoff=(10, 200),
                                retention=RETENTION_MS) as cfg:
            team = rp.Client(cfg)
        try:
            yield kbh, team
        finally:
            team.close()
    finally:
        kbh.close()


def _next(c: rp.Client, msg_id: str) -> rp.Received:
    """The next message offered to c, which must be msg_id (not marked handled)."""
    r = wait_for(c.inbox_next, WAIT_S, f"{msg_id} at {c.member_id}")
    assert isinstance(r, rp.Received)
    if r.msg_id != msg_id:
        got = r.msg_id
        r.close()
        raise AssertionError(f"expected {msg_id}, got {got}")
    return r


def _gone(c: rp.Client, msg_id: str) -> bool:
    try:
        c.inbox_get(msg_id).close()
        return False
    except rp.ENOTFOUND:
        return True


def test_retention_deletes_a_handled_message_only_once_handled(
        clients: Tuple[rp.Client, rp.Client]) -> None:
    kbh, team = clients
    with sparring_request("Hvordan griber vi samtalen an?") as m:
        mid = kbh.send(m)
    with _next(team, mid) as r:
        assert r.kind == "request"
    # unhandled, it stays however long it waits: several sweeps (at least 1 s apart) pass
    time.sleep(1.5)
    with team.inbox_get(mid) as r:
        assert r.msg_id == mid and not r.handled
    team.mark_handled(mid)
    # handled, it is gone once the retention has passed, at the next sweep (about 1 s)
    wait_for(lambda: _gone(team, mid), 5.0, "the retention sweep")
    assert team.inbox_pending == 0
    # the sender's copy follows its own (default) retention: still there
    assert kbh.status(mid).status.rank >= rp.Status.DELIVERED.rank


def test_erase_thread_erases_sent_and_received(clients: Tuple[rp.Client, rp.Client]) -> None:
    kbh, team = clients
    with akut_request("Må vi dele planen med skolen?") as m:
        m.attach_buffer(b"%PDF-1.4\n%%EOF\n", "plan.pdf", mime="application/pdf",
                        kind="handlingsplan")
        request = kbh.send(m)
    with _next(team, request) as r:
        assert r.attachment_count == 1
        with (rp.Message("reply").set_hex("in_reply_to", request)
              .set_enum("advisor.role", "raadgiver").set_text("advisor.id", "R7")
              .set_text("advice", "Ja, med borgerens samtykke.")
              .set_bool("reporting_duty", False)) as reply_msg:
            reply = team.send(reply_msg)
    with _next(kbh, reply) as r:
        assert r.thread_id == request
    assert kbh.wait_status(request, rp.Status.ANSWERED, timeout=WAIT_S) == rp.Status.ANSWERED
    assert kbh.inbox_pending == 1

    # kbh erases the thread: its request (sent) and the reply (received, unhandled) go
    kbh.erase_thread(request)
    with pytest.raises(rp.ENOTFOUND):
        kbh.status(request)
    with pytest.raises(rp.ENOTFOUND):
        kbh.inbox_get(reply)
    assert kbh.inbox_pending == 0
    assert all(e.thread_id != request for e in kbh.outbox())
    # the team's copy is its own: untouched until the team erases it too (here by a
    # received message, which names its thread)
    with team.inbox_get(request) as r:
        team.erase_thread(r)
    with pytest.raises(rp.ENOTFOUND):
        team.inbox_get(request)
    with pytest.raises(rp.ENOTFOUND):
        team.status(reply)
    # a thread with nothing left is no error; a malformed id is
    kbh.erase_thread(request)
    with pytest.raises(rp.EINVAL):
        kbh.erase_thread("not a thread id")

