# SPDX-License-Identifier: MIT
"""The municipality's whole workflow through the Python binding, against a real relay:
the same steps and checks as bindings/testnet/workflow.c (the C program), kbh and the
team each with their own client in this process.

 1. kbh sends a plan for review with the draft plan attached; the team reads it.
 2. The team asks for more information; kbh answers with a follow-up in the thread.
 3. The team proposes a meeting with two slots; kbh confirms the second.
 4. The team announces an east-network meeting; kbh registers two participants.
 5. kbh sends a follow-up by mistake and recalls it: the team's copy is flagged
    recalled and kbh's status of it becomes recalled.
 6. kbh withdraws the citizen's consent in the thread: both libraries erase the thread
    (kbh keeps only its consent_withdrawn, the team keeps nothing of it).

Some messages are built with the builder methods, the others from JSON (text or dict),
so both paths are used. kbh reaches the relay through its second address
(Config.add_relay): the first is a loopback port nobody listens on.
"""
from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from conftest import Net, wait_for

import rejsepost as rp

WAIT_S = 20.0
PLAN_BYTES = b"%PDF-1.4\n% udkast til handlingsplan\n%%EOF\n"
DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def _closed_port() -> int:
    """A loopback port nobody listens on (bound for a moment, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Side:
    """One member's client and what its callbacks saw (on the library's loop thread)."""

    def __init__(self, client: rp.Client, env: dict) -> None:
        self.client = client
        self.member_id = env["MEMBER_ID"]
        self.statuses: List[Tuple[str, Any]] = []
        self.logs: List[str] = []
        self.lock = threading.Lock()

    def receive(self, kind: str) -> rp.Received:
        """The next message offered, which must be of ``kind``; marked handled. The
        result is the caller's (``with``)."""
        r = wait_for(self.client.inbox_next, WAIT_S, f"a {kind} at {self.member_id}")
        assert isinstance(r, rp.Received)
        if r.kind != kind:
            got = r.kind
            r.close()
            raise AssertionError(f"{self.member_id}: expected a {kind}, got a {got}")
        self.client.mark_handled(r)
        return r


def _config(net: Net, member: str, side_box: List[Side], **extra: Any) -> rp.Config:
    def on_status(_c: rp.Client, msg_id: str, status: Any, _err: Any) -> None:
        with side_box[0].lock:
            side_box[0].statuses.append((msg_id, status))

    def on_log(_level: Any, line: str) -> None:
        with side_box[0].lock:
            side_box[0].logs.append(line)

    return rp.config_from_env(net.env(member), backoff=(10, 200), on_status=on_status,
                              on_log=on_log, **extra)


@pytest.fixture(scope="module")
def sides(net: Net) -> Iterator[Tuple[Side, Side]]:
    made: List[rp.Client] = []
    try:
        kbh_box: List[Side] = []
        kenv = net.env("kbh")
        with _config(net, "kbh", kbh_box) as cfg:
            # the first address refuses; the client moves on to the real one at once
            cfg.set_relay("127.0.0.1", _closed_port())
            cfg.add_relay(kenv["RELAY_HOST"], int(kenv["RELAY_PORT"]))
            made.append(rp.Client(cfg))
        kbh_box.append(Side(made[-1], kenv))
        team_box: List[Side] = []
        with _config(net, "team", team_box) as cfg:
            made.append(rp.Client(cfg))
        team_box.append(Side(made[-1], net.env("team")))
        yield kbh_box[0], team_box[0]
    finally:
        for c in made:
            c.close()


def test_workflow(sides: Tuple[Side, Side], tmp_path: Path) -> None:
    kbh, team = sides
    now = int(time.time() * 1000)
    slot1, slot2 = now + 3 * DAY_MS, now + 4 * DAY_MS
    plan_path = tmp_path / "handlingsplan.pdf"
    plan_path.write_bytes(PLAN_BYTES)

    # 1. A plan for review, with the draft attached (builder).
    with (rp.Message("plan_review")
          .set_enum("plan", "handlingsplan")
          .set_text("question", "Er planen realistisk?")) as m:
        m.attach(plan_path, mime="application/pdf", kind="handlingsplan")
        plan = kbh.client.send(m)
    with team.receive("plan_review") as r:
        assert r.thread_id == plan and r.msg_id == plan
        assert r.sender == kbh.member_id and r.in_reply_to is None
        assert r.get_enum("plan") == "handlingsplan"
        assert r.get_text("question") == "Er planen realistisk?"
        assert r.get_text("sender_org") == "101"
        assert r.attachment_count == 1
        a = r.attachment(0)
        assert (a.name, a.mime, a.size, a.kind) == (
            "handlingsplan.pdf", "application/pdf", len(PLAN_BYTES), "handlingsplan")
        data = r.read_attachment(0)
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(PLAN_BYTES).hexdigest()
        team.client.send_opened(r)

    # 2. More information asked for (JSON text), and given (JSON dict).
    ask = team.client.send(rp.Message.from_json(json.dumps({
        "kind": "info_request", "in_reply_to": plan,
        "questions": "Hvem deltager i netværksmødet?", "topics": ["netvaerk"]})))
    with kbh.receive("info_request") as r:
        assert r.thread_id == plan and r.get_hex("in_reply_to") == plan
        assert r.in_reply_to == plan and r.sender == team.member_id
        assert r.get_text("questions") == "Hvem deltager i netværksmødet?"
        assert r.get_set("topics") == ["netvaerk"]
    with rp.Message.from_json({"kind": "follow_up", "in_reply_to": ask,
                               "text": "Mor, skolen og SSP."}) as m:
        answer = kbh.client.send(m)
    with team.receive("follow_up") as r:
        assert r.msg_id == answer
        assert r.thread_id == plan and r.get_hex("in_reply_to") == ask
        assert r.get_text("text") == "Mor, skolen og SSP."

    # 3. A meeting proposed with two slots (builder), the second confirmed (JSON).
    m = rp.Message("meeting_proposal").set_hex("meeting_ref", plan).set_enum("mode", "online")
    with m:
        for start in (slot1, slot2):
            m.list_add("slots").set_uint("slots.start", start)
            m.set_uint("slots.end", start + HOUR_MS)
        prop = team.client.send(m)
    with kbh.receive("meeting_proposal") as r:
        assert r.thread_id == plan and r.get_hex("meeting_ref") == plan
        assert r.get_enum("mode") == "online"
        assert r.list_count("slots") == 2
        assert r.get_uint("slots.0.start") == slot1
        assert r.get_uint("slots.1.start") == slot2
        assert r.get_uint("slots.1.end") == slot2 + HOUR_MS
    conf = kbh.client.send(rp.Message.from_json(json.dumps({
        "kind": "meeting_confirmation", "meeting_ref": prop, "mode": "online",
        "slot": {"start": slot2, "end": slot2 + HOUR_MS}})))
    with team.receive("meeting_confirmation") as r:
        assert r.msg_id == conf
        assert r.get_hex("meeting_ref") == prop and r.in_reply_to == prop
        assert r.thread_id == plan
        assert r.get_uint("slot.start") == slot2

    # 4. A network meeting announced (JSON), kbh registers two (builder).
    ann = team.client.send(rp.Message.from_json({
        "kind": "network_announcement", "network": "oest", "event_on": "2099-03-12",
        "host_org": "101", "title": "Netværksmøde øst",
        "programme": "Kontrol og trusler i familien",
        "registration_deadline": "2099-03-01", "recipient": kbh.member_id}))
    with kbh.receive("network_announcement") as r:
        assert r.msg_id == ann and r.thread_id != plan
        ann_thread = r.thread_id
        assert r.get_enum("network") == "oest"
        assert r.get_text("title") == "Netværksmøde øst"
        assert r.get_text("event_on") == "2099-03-12"
    with (rp.Message("registration")
          .set_hex("announcement_ref", ann)
          .set_enum("answer", "tilmeldt")
          .set_uint("participants", 2)
          .add_to_set("roles", "ssp", "skole")) as m:
        reg = kbh.client.send(m)
    with team.receive("registration") as r:
        assert r.msg_id == reg
        assert r.get_hex("announcement_ref") == ann and r.get_enum("answer") == "tilmeldt"
        assert r.thread_id == ann_thread
        assert r.get_uint("participants") == 2
        assert r.get_set("roles") == ["ssp", "skole"]  # the order PROTOCOL.md lists them
        assert r.get_text("sender_org") == "101"

    # 5. A follow-up sent by mistake (builder), read by the team, then recalled (JSON).
    with (rp.Message("follow_up").set_hex("in_reply_to", plan)
          .set_text("text", "Forkert sag.")) as m:
        oops = kbh.client.send(m)
    with team.receive("follow_up") as r:
        assert r.msg_id == oops and r.thread_id == plan
        assert not r.recalled
    recall = kbh.client.send(rp.Message.from_json(json.dumps({
        "kind": "recall", "about": oops, "reason": "forkert_indhold"})))
    with team.receive("recall") as r:
        assert r.msg_id == recall
        assert r.get_hex("about") == oops and r.in_reply_to == oops
        assert r.thread_id == plan
        assert r.get_enum("reason") == "forkert_indhold"
    # the team's copy is flagged recalled (it stays handled: it was, before)
    with team.client.inbox_get(oops) as r:
        assert r.recalled and r.handled
    with team.client.inbox_get(answer) as r:  # the thread's other messages are not
        assert not r.recalled
    # kbh's status of it becomes recalled (final), after delivered
    assert kbh.client.wait_status(oops, rp.Status.RECALLED, timeout=WAIT_S) == rp.Status.RECALLED
    info = kbh.client.status(oops)
    assert info.status == rp.Status.RECALLED and info.status.final and info.error is None
    t_recalled = kbh.client.status_time(oops, rp.Status.RECALLED)
    t_delivered = kbh.client.status_time(oops, rp.Status.DELIVERED)
    assert t_recalled and t_delivered and t_recalled >= t_delivered
    wait_for(lambda: (oops, rp.Status.RECALLED) in kbh.statuses, WAIT_S,
             "the status callback's recalled")
    # the recall itself is a message like any other
    assert kbh.client.wait_status(recall, rp.Status.DELIVERED, timeout=WAIT_S).rank >= 3
    assert kbh.client.status(answer).status == rp.Status.DELIVERED

    # the plan itself went relayed, delivered, opened, answered, in that order by time
    # (read before step 6: the consent's withdrawal erases it)
    times = [kbh.client.status_time(plan, s) for s in (
        rp.Status.RELAYED, rp.Status.DELIVERED, rp.Status.OPENED, rp.Status.ANSWERED)]
    assert all(times) and times == sorted(times), times

    # 6. The citizen withdraws consent (JSON).
    consent = kbh.client.send(rp.Message.from_json(json.dumps({
        "kind": "consent_withdrawn", "by": "borger", "thread_id": plan})))
    with team.receive("consent_withdrawn") as r:
        assert r.msg_id == consent
        assert r.thread_id == plan and r.get_enum("by") == "borger"
    # The team marked it handled (receive): its library erased the whole thread there and
    # then, the consent_withdrawn too, and what the team sent in it.
    for mid in (plan, answer, conf, oops, recall, consent):
        with pytest.raises(rp.ENOTFOUND):
            team.client.inbox_get(mid)
    for mid in (ask, prop):
        with pytest.raises(rp.ENOTFOUND):
            team.client.status(mid)
    # kbh's library erased the rest of the thread once the relay had the consent_withdrawn
    # (its ACK; the team's delivered receipt comes after it on the same connection): what
    # kbh received in the thread and what it sent are gone, the consent_withdrawn alone
    # stays, so that its progress can still be followed.
    assert kbh.client.wait_status(consent, rp.Status.DELIVERED, timeout=WAIT_S).rank >= 3
    for mid in (ask, prop):
        with pytest.raises(rp.ENOTFOUND):
            kbh.client.inbox_get(mid)
    for mid in (plan, answer, conf, oops, recall):
        with pytest.raises(rp.ENOTFOUND):
            kbh.client.status(mid)
    assert [e.msg_id for e in kbh.client.outbox() if e.thread_id == plan] == [consent]
    # the network meeting's thread is untouched on both sides
    with kbh.client.inbox_get(ann) as r:
        assert r.kind == "network_announcement"
    with team.client.inbox_get(reg) as r:
        assert r.kind == "registration"
    # nothing left unhandled on either side
    assert kbh.client.inbox_pending == 0 and team.client.inbox_pending == 0
    # kbh connected through its second address
    assert any(line.startswith("relay_next") for line in kbh.logs), kbh.logs[-5:]
    assert kbh.client.conn_state == rp.ConnState.CONNECTED
