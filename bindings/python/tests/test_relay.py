# SPDX-License-Identifier: MIT
"""Both members through the binding against a real relay (testnet.sh): the end-to-end
scenario, callbacks, hooks, errors, roster and members."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from conftest import BUILD_DIR, Net, akut_request, sparring_request, wait_for

import rejsepost as rp

FILE_BYTES = b"Handlingsplan, fiktiv\n" * 20000  # ~440 KiB: two chunks
BUF_BYTES = os.urandom(1000)
TEAM_ATTACHMENT_MAX = 1_000_000  # the team refuses a message with a larger attachment


@dataclass
class Recorder:
    """What a client's callbacks saw (appended on the library's loop thread)."""

    statuses: List[Tuple[str, Any, Any]] = field(default_factory=list)
    received: List[Tuple[str, str]] = field(default_factory=list)
    lent: List[rp.Received] = field(default_factory=list)
    kept: List[rp.Received] = field(default_factory=list)
    logs: List[Tuple[Any, str]] = field(default_factory=list)
    progress: List[Tuple[str, Any, int, int]] = field(default_factory=list)
    errors: List[Tuple[str, BaseException]] = field(default_factory=list)
    threads: set = field(default_factory=set)
    close_error: List[BaseException] = field(default_factory=list)
    raise_on_reply: bool = True


def make_config(net: Net, member: str, rec: Recorder, **extra: Any) -> rp.Config:
    def on_status(client: rp.Client, msg_id: str, status: Any, error: Any) -> None:
        rec.threads.add(threading.get_ident())
        rec.statuses.append((msg_id, status, error))

    def on_receive(client: rp.Client, r: rp.Received) -> None:
        rec.threads.add(threading.get_ident())
        rec.received.append((r.msg_id, r.kind))
        rec.lent.append(r)
        rec.kept.append(r.dup())
        if r.kind == "reply" and rec.raise_on_reply:
            for call in (client.close, client.flush, client.refresh_roster):
                try:
                    call()  # these wait for the loop: refused from a callback, not a hang
                except rp.RejsepostError as e:
                    rec.close_error.append(e)
            raise ValueError("a host bug in the receive callback")

    return rp.config_from_env(
        net.env(member),
        backoff=(10, 200),
        on_status=on_status,
        on_receive=on_receive,
        on_log=lambda level, line: rec.logs.append((level, line)),
        on_progress=lambda c, mid, d, done, total: rec.progress.append((mid, d, done, total)),
        on_callback_error=lambda where, exc: rec.errors.append((where, exc)),
        **extra,
    )


@dataclass
class Pair:
    net: Net
    kbh: rp.Client
    team: rp.Client
    kbh_rec: Recorder
    team_rec: Recorder
    hook_calls: List[Any]


@pytest.fixture(scope="module")
def pair(net: Net) -> Iterator[Pair]:
    kbh_rec, team_rec = Recorder(), Recorder(raise_on_reply=False)
    hook_calls: List[Any] = []

    def content_hook(fld: str, text: str) -> Any:
        hook_calls.append(("content", fld))
        if "KRASH" in text:
            raise RuntimeError("hook bug")
        i = text.find("FORBUDT")
        return None if i < 0 else i

    def attachment_hook(name: str, mime: str, piece: bytes, offset: int, last: bool) -> Any:
        hook_calls.append(("attachment", name, offset, len(piece), last))
        return b"VIRUS" not in piece

    with make_config(net, "kbh", kbh_rec, content_hook=content_hook,
                     attachment_hook=attachment_hook) as kcfg, \
            make_config(net, "team", team_rec, attachment_max=TEAM_ATTACHMENT_MAX) as tcfg:
        kbh = rp.Client(kcfg)
        team = rp.Client(tcfg)
    # the configs are freed: the clients keep their callbacks alive themselves
    try:
        yield Pair(net, kbh, team, kbh_rec, team_rec, hook_calls)
    finally:
        kbh.close()
        team.close()


def test_clients_connect(pair: Pair) -> None:
    for c, mid in ((pair.kbh, "kbh"), (pair.team, "team")):
        assert c.member_id == mid
        wait_for(lambda c=c: c.conn_state == rp.ConnState.CONNECTED, what=f"{mid} connected")
        assert c.last_error is None
    wait_for(lambda: pair.kbh_rec.logs, what="a log line")
    assert any(line.startswith("conn_") for _, line in pair.kbh_rec.logs)
    assert all(isinstance(level, rp.LogLevel) for level, _ in pair.kbh_rec.logs)


def test_end_to_end_request_reply(pair: Pair, tmp_path: Path) -> None:
    kbh, team = pair.kbh, pair.team
    plan = tmp_path / "handlingsplan.txt"
    plan.write_bytes(FILE_BYTES)

    # kbh: an akut request with a file and a buffer attachment
    with akut_request() as m:
        m.attach(plan, mime="text/plain", kind="handlingsplan")
        m.attach(BUF_BYTES, name="risiko.bin", kind="risikovurdering")
        req = kbh.send(m)
    assert len(req) == 32
    assert isinstance(kbh.status(req).status, rp.Status)
    assert kbh.flush(timeout=20)
    # at least relayed (on a busy machine the team may have stored it already)
    assert kbh.wait_status(req, rp.Status.RELAYED).rank >= rp.Status.RELAYED.rank

    # team: receives it (callback and inbox), checks the attachments
    wait_for(lambda: any(mid == req for mid, _ in pair.team_rec.received), what="team callback")
    r = wait_for(team.inbox_next, what="team inbox")
    assert isinstance(r, rp.Received)
    with r:
        assert r.msg_id == req and r.kind == "request" and r.sender == "kbh"
        assert r.thread_id == req  # a request starts its own thread
        assert r.in_reply_to is None
        assert r.get_enum("urgency") == "akut"
        assert r.get_bool("risk.acute") is True
        assert r.get_text("sender_org") == "101"
        assert r.get_set("categories") == ["negativ_social_kontrol", "trusler"]
        assert r.get_text("local_case_ref", default=None) is None
        with pytest.raises(rp.ENOTFOUND):
            r.get_text("local_case_ref")
        with pytest.raises(rp.ETYPE):
            r.get_uint("question")
        assert r.list_count("attachments") == 2
        assert r.created > 0 and r.stored_at >= r.created - 60000 and not r.handled
        atts = r.attachments
        assert [(a.name, a.mime, a.size, a.kind) for a in atts] == [
            ("handlingsplan.txt", "text/plain", len(FILE_BYTES), "handlingsplan"),
            ("risiko.bin", "application/octet-stream", len(BUF_BYTES), "risikovurdering"),
        ]
        assert r.get_hex("attachments.0.sha256") == hashlib.sha256(FILE_BYTES).hexdigest()
        got = r.read_attachment(0)
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(FILE_BYTES).hexdigest()
        sink = io.BytesIO()
        assert r.read_attachment(1, sink) == len(BUF_BYTES)
        assert hashlib.sha256(sink.getvalue()).digest() == hashlib.sha256(BUF_BYTES).digest()
        saved = tmp_path / "saved.txt"
        r.save_attachment(0, saved)
        assert saved.read_bytes() == FILE_BYTES
        assert (saved.stat().st_mode & 0o777) == 0o600
        with pytest.raises(rp.EEXIST):
            r.save_attachment(0, saved)
        with pytest.raises(rp.ENOTFOUND):
            r.attachment(2)
        js = r.to_dict()
        assert js["msg_id"] == req and js["sender"] == "kbh" and js["urgency"] == "akut"

        # team: opened, then the reply in the thread, then handled
        team.send_opened(r)
        with rp.Message("reply") as reply:
            reply.set_hex("in_reply_to", r.msg_id)
            reply.set_enum("advisor.role", "raadgiver").set_text("advisor.id", "R7")
            reply.set_text("advice", "Lav en risikovurdering før familien inddrages.")
            reply.set_bool("reporting_duty", True)
            reply_id = team.send(reply)
        team.mark_handled(r)
    assert team.inbox_get(req).handled
    assert team.inbox_pending == 0
    assert team.inbox_next() is None
    out = [e for e in team.outbox() if e.msg_id == reply_id]
    assert out and out[0].kind == "reply" and out[0].thread_id == req and out[0].recipient == "kbh"

    # kbh: relayed, delivered, opened, answered, in that order by time
    assert kbh.wait_status(req, rp.Status.ANSWERED, timeout=30) == rp.Status.ANSWERED
    for st in (rp.Status.DELIVERED, rp.Status.OPENED):
        wait_for(lambda st=st: kbh.status_time(req, st), what=f"{st.label} time")
    times = [kbh.status_time(req, s) for s in (rp.Status.QUEUED, rp.Status.RELAYED,
                                               rp.Status.DELIVERED, rp.Status.OPENED,
                                               rp.Status.ANSWERED)]
    assert all(times), times
    assert times == sorted(times), times
    assert kbh.status_time(req, rp.Status.FAILED) is None
    info = kbh.status(req)
    assert info.status == rp.Status.ANSWERED and info.error is None
    # the status callback runs on the loop thread just after the status is stored
    wait_for(lambda: (req, rp.Status.ANSWERED, None) in pair.kbh_rec.statuses,
             what="answered status callback")
    seen = [s for mid, s, _ in pair.kbh_rec.statuses if mid == req]
    for s in (rp.Status.RELAYED, rp.Status.DELIVERED, rp.Status.ANSWERED):
        assert s in seen, seen
    assert [e for e in kbh.outbox() if e.msg_id == req][0].status == rp.Status.ANSWERED
    assert any(mid == req and d == rp.Direction.SEND and done == total
               for mid, d, done, total in pair.kbh_rec.progress)
    assert any(mid == req and d == rp.Direction.RECEIVE for mid, d, _, _ in pair.team_rec.progress)

    # kbh: receives the reply, linked to the request; marks it handled
    wait_for(lambda: any(mid == reply_id for mid, _ in pair.kbh_rec.received), what="kbh callback")
    with kbh.inbox_get(reply_id) as rr:
        assert rr.kind == "reply" and rr.in_reply_to == req and rr.thread_id == req
        assert rr.sender == "team"
        assert rr.get_text("advice").startswith("Lav en risikovurdering")
        assert rr.get_enum("advisor.role") == "raadgiver"
        assert rr.attachment_count == 0
        rr.mark_handled()
    assert kbh.inbox_pending == 0

    # the callbacks ran on the library's thread, never on ours
    assert threading.get_ident() not in pair.kbh_rec.threads | pair.team_rec.threads


def test_callback_exception_is_reported_not_fatal(pair: Pair) -> None:
    rec = pair.kbh_rec
    wait_for(lambda: rec.errors, what="reported callback error")
    where, exc = rec.errors[0]
    assert where == "receive" and isinstance(exc, ValueError)
    assert pair.kbh.callback_errors and pair.kbh.callback_errors[0][1] is exc
    assert len(rec.close_error) == 3
    assert all(isinstance(e, rp.ESTATE) for e in rec.close_error)
    # the host and its client carry on
    assert pair.kbh.conn_state == rp.ConnState.CONNECTED
    mid = pair.kbh.send(sparring_request())
    assert pair.kbh.wait_status(mid, rp.Status.DELIVERED) == rp.Status.DELIVERED


def test_lent_received_expires_dup_is_kept(pair: Pair) -> None:
    rec = pair.team_rec
    assert rec.lent and rec.kept
    with pytest.raises(rp.ESTATE):
        rec.lent[0].msg_id
    kept = rec.kept[0]
    assert kept.kind == "request" and len(kept.msg_id) == 32
    # a kept copy reads its attachments too (rp_received_dup keeps the chunk key)
    assert kept.read_attachment(1) == BUF_BYTES
    kept.close()
    kept.close()


def test_errors_through_the_client(pair: Pair) -> None:
    kbh = pair.kbh
    before = len(kbh.outbox())
    with akut_request("FIKTIV: ring 010203-1234") as m:
        with pytest.raises(rp.ECPR) as ei:
            kbh.send(m)
        assert ei.value.field == "question" and ei.value.offset == 13
        assert ei.value.name == "ECPR" and ei.value.sentence
    with sparring_request() as m:
        m.set_recipient("nobody")
        with pytest.raises(rp.EUNKNOWNMEMBER):
            kbh.send(m)
    with rp.Message("reply") as m:  # a municipality sends no reply
        m.set_hex("in_reply_to", "00" * 16).set_enum("advisor.role", "raadgiver")
        m.set_text("advisor.id", "R1").set_text("advice", "x").set_bool("reporting_duty", False)
        with pytest.raises(rp.EKIND):
            kbh.send(m)
    assert len(kbh.outbox()) == before  # nothing stored
    with pytest.raises(rp.ENOTFOUND):
        kbh.status("00" * 16)
    with pytest.raises(rp.ENOTFOUND):
        kbh.inbox_get("00" * 16)
    with pytest.raises(rp.ENOTFOUND):
        kbh.send_opened("00" * 16)


def test_hooks_and_streams(pair: Pair) -> None:
    kbh = pair.kbh
    with sparring_request("Det her er FORBUDT at skrive") as m:
        with pytest.raises(rp.EHOOK) as ei:
            kbh.send(m)
        assert ei.value.field == "question" and ei.value.offset == len("Det her er ")
    with sparring_request("KRASH") as m:
        with pytest.raises(rp.EHOOK) as ei2:
            kbh.send(m)
        assert isinstance(ei2.value.__cause__, RuntimeError)
    assert any(w == "content_hook" for w, _ in pair.kbh.callback_errors)
    with sparring_request() as m:
        m.attach(b"clean bytes, then a VIRUS", name="x.txt", mime="text/plain")
        with pytest.raises(rp.EHOOK) as ei3:
            kbh.send(m)
        assert ei3.value.field == "attachments.0"
    assert ("attachment", "x.txt", 0, 25, True) in pair.hook_calls

    # a stream attachment: read once, on this thread
    data = os.urandom(300_000)
    with sparring_request() as m:
        m.attach(io.BytesIO(data), name="stream.bin")
        mid = kbh.send(m)
        with pytest.raises(rp.ESTATE) as ei4:
            kbh.send(m)  # the stream was consumed
        assert ei4.value.field == "attachments.0"

    class Broken(io.RawIOBase):
        def readinto(self, b: Any) -> int:
            raise OSError("disk gone")

    with sparring_request() as m:
        m.attach_stream(Broken(), name="broken.bin")
        with pytest.raises(rp.EIO) as ei5:
            kbh.send(m)
        assert isinstance(ei5.value.__cause__, OSError)
    chunks = iter([b"ab", b"cd", b""])
    with sparring_request() as m:
        m.attach_stream(lambda n: next(chunks), name="gen.bin")
        mid2 = kbh.send(m)
    assert kbh.flush(timeout=20)
    r1 = wait_for(lambda: _inbox_find(pair.team, mid), what="stream message")
    with r1:
        assert r1.read_attachment(0) == data
    r2 = wait_for(lambda: _inbox_find(pair.team, mid2), what="generator message")
    with r2:
        chunks_out: List[bytes] = []
        assert r2.read_attachment(0, chunks_out.append) == 4
        assert b"".join(chunks_out) == b"abcd"

        def bad_sink(b: bytes) -> None:
            raise KeyError("sink bug")

        with pytest.raises(rp.EIO) as ei6:
            r2.read_attachment(0, bad_sink)
        assert isinstance(ei6.value.__cause__, KeyError)


def test_refused_by_the_recipient_is_failed(pair: Pair) -> None:
    with sparring_request() as m:
        m.attach(b"x" * (TEAM_ATTACHMENT_MAX + 1), name="big.bin")
        mid = pair.kbh.send(m)  # within our own cap: stored and sent
    st = pair.kbh.wait_status(mid, rp.Status.OPENED, timeout=30)
    assert st == rp.Status.FAILED and st.final
    info = pair.kbh.status(mid)
    assert isinstance(info.error, rp.ETOOBIG) and info.error.name == "ETOOBIG"
    wait_for(lambda: any(m_ == mid and s == rp.Status.FAILED for m_, s, _ in pair.kbh_rec.statuses),
             what="failed status callback")
    errs = [e for m_, s, e in pair.kbh_rec.statuses if m_ == mid and s == rp.Status.FAILED]
    assert isinstance(errs[0], rp.ETOOBIG)
    assert pair.kbh.status_time(mid, rp.Status.FAILED)


def _inbox_find(c: rp.Client, msg_id: str) -> Any:
    try:
        return c.inbox_get(msg_id)
    except rp.ENOTFOUND:
        return None


def test_roster_refresh_and_members(pair: Pair) -> None:
    v = pair.kbh.roster_version
    assert v >= 1
    pair.kbh.refresh_roster(timeout=10)
    assert pair.kbh.roster_version >= v
    members = {m.member_id: m for m in pair.kbh.members()}
    assert members["kbh"].kind == "municipality"
    assert members["kbh"].municipality == "101"
    assert members["kbh"].networks == rp.Network.EAST
    assert members["team"].kind == "team" and members["team"].municipality == ""


def test_relay_down_then_up(pair: Pair) -> None:
    pair.net.relay_kill()
    try:
        wait_for(lambda: pair.kbh.conn_state != rp.ConnState.CONNECTED, what="disconnect")
        mid = pair.kbh.send(sparring_request())
        assert pair.kbh.status(mid).status == rp.Status.QUEUED
        assert pair.kbh.flush(timeout=0.2) is False
        with pytest.raises(rp.ETIMEDOUT):
            pair.kbh.refresh_roster(timeout=0.2)
    finally:
        pair.net.relay_start()
    assert pair.kbh.wait_status(mid, rp.Status.DELIVERED, timeout=30) == rp.Status.DELIVERED


def test_closed_config_is_refused(net: Net) -> None:
    with rp.config_from_env(net.env("kbh")) as cfg:
        pass
    with pytest.raises(rp.ESTATE):
        rp.Client(cfg)


def test_passphrase_callback(net: Net, tmp_path: Path) -> None:
    """An encrypted identity: the callback's passphrase opens it (the member is not in
    the roster, so the client then stops at EUNKNOWNMEMBER); a wrong one, a refusal or
    an exception in the callback is EPASSPHRASE, the exception reported."""
    cli = BUILD_DIR / "tools" / "rejsepost"
    pw = tmp_path / "pw"
    pw.write_text("rigtig hest batteri\n")
    pw.chmod(0o600)
    key = tmp_path / "enc.key"
    subprocess.run([str(cli), "keys", "new", "--id", "enc", "--kind", "municipality",
                    "--out", str(key), "--passphrase-file", str(pw), "--kdf", "interactive"],
                   check=True, stdout=subprocess.DEVNULL)
    errors: List[Tuple[str, BaseException]] = []
    asked = []

    def attempt(fn: Any) -> rp.RejsepostError:
        env = dict(net.env("kbh"), IDENTITY_FILE=str(key), STATE_DIR=str(tmp_path / "st"))
        with rp.config_from_env(env, passphrase_callback=fn,
                                on_callback_error=lambda w, e: errors.append((w, e))) as cfg:
            with pytest.raises(rp.RejsepostError) as ei:
                rp.Client(cfg).close()
        return ei.value

    def ask(answer: Any) -> Any:
        def fn() -> Any:
            asked.append(threading.get_ident())
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return fn

    assert isinstance(attempt(ask("rigtig hest batteri")), rp.EUNKNOWNMEMBER)
    assert isinstance(attempt(ask(b"forkert")), rp.EPASSPHRASE)
    assert isinstance(attempt(ask(None)), rp.EPASSPHRASE)
    assert isinstance(attempt(ask(KeyError("host bug"))), rp.EPASSPHRASE)
    assert errors and errors[-1][0] == "passphrase" and isinstance(errors[-1][1], KeyError)
    assert set(asked) == {threading.get_ident()}  # asked on the creating thread
