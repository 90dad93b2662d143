# SPDX-License-Identifier: MIT
"""The binding without a relay: ABI coverage, errors, the builder, JSON and msgpack."""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest

from conftest import PKG_ROOT, SOURCE_DIR, akut_request, sparring_request

import rejsepost as rp
from rejsepost import _native

# Exported symbols the binding deliberately does not bind, one reason each.
EXCLUDED = {
    "rp_client_set_data": "the host pointer serves C callbacks; Python callbacks are "
    "closures over the Client object and need no void* slot",
    "rp_client_get_data": "pairs with rp_client_set_data (see there)",
}


def _package_source_uses() -> str:
    """The package's code that calls the library: every module, and _native.py from
    its loader on (its PROTOTYPES table declares, it does not use)."""
    text = []
    for p in sorted((PKG_ROOT / "rejsepost").glob("*.py")):
        s = p.read_text(encoding="utf-8")
        if p.name == "_native.py":
            s = s[s.index("def _load"):]
        text.append(s)
    return "\n".join(text)


def test_every_exported_symbol_is_bound_or_excluded() -> None:
    symbols = [
        line.strip()
        for line in (SOURCE_DIR / "tests" / "client" / "abi.symbols").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(symbols) > 80
    uses = _package_source_uses()
    missing = []
    for sym in symbols:
        if sym in EXCLUDED:
            continue
        declared = sym in _native.PROTOTYPES
        used = re.search(r"\blib\." + re.escape(sym) + r"\b", uses) is not None
        if not (declared and used):
            missing.append(f"{sym} (declared={declared}, used={used})")
    assert not missing, "symbols neither bound nor excluded: " + ", ".join(missing)
    # and nothing bound or excluded that the library does not export
    stale = sorted((set(_native.PROTOTYPES) | set(EXCLUDED)) - set(symbols))
    assert not stale, f"bound but not exported: {stale}"
    for sym in _native.PROTOTYPES:
        assert hasattr(_native.lib, sym)


def test_error_codes_match_the_library() -> None:
    # every code the library names is an ErrorCode of the same name, with a class
    for code in range(-1, -200, -1):
        name = rp.err_name(code)
        if name == "UNKNOWN":
            assert code < -45
            break
        assert rp.ErrorCode(code).name == name
        assert rp.error_class(name).__name__ == name
        assert rp.error_class(code) is rp.error_class(name)
    e = rp.RejsepostError(rp.ErrorCode.ECPR)
    assert e.name == "ECPR" and e.code == -23
    assert e.sentence == "text contains a CPR number; remove it before sending"
    assert issubclass(rp.ETIMEDOUT, TimeoutError)
    assert rp.err_name(0) == "OK" or rp.err_name(0) == "UNKNOWN"


def test_version_and_statuses() -> None:
    assert rp.version() == "0.1.0" == rp.__version__
    assert rp.version_info() == (0, 1, 0)
    order = [rp.Status.QUEUED, rp.Status.RELAYED, rp.Status.DELIVERED,
             rp.Status.AUTO_REPLIED, rp.Status.OPENED, rp.Status.ANSWERED]
    assert [s.rank for s in order] == [1, 2, 3, 4, 5, 6]
    assert rp.Status.FAILED.final and rp.Status.EXPIRED.final
    assert rp.Status.RECALLED == 9 and rp.Status.RECALLED.final
    assert rp.Status.RECALLED.rank == 7 and rp.Status.RECALLED.label == "recalled"
    assert not any(s.final for s in order)
    assert [s.label for s in order] == ["queued", "relayed", "delivered", "auto_replied",
                                        "opened", "answered"]
    assert rp.status_name(99) == "unknown" and rp.status_rank(99) == 0
    # every status the library names is a Status member, and no other
    named = [v for v in range(0, 64) if rp.status_name(v) != "unknown"]
    assert named == sorted(s.value for s in rp.Status)
    assert [rp.status_name(v) for v in named] == [s.label for s in sorted(rp.Status)]


def test_bad_enum_lists_the_allowed_values() -> None:
    with rp.Message("request") as m:
        with pytest.raises(rp.EENUM) as ei:
            m.set_enum("urgency", "snart")
        e = ei.value
        assert e.name == "EENUM" and e.code == rp.ErrorCode.EENUM
        assert e.field == "urgency"
        assert e.detail == "urgency: unknown enumeration value; allowed: akut, haster, normal, plan"
        assert m.error_field == "urgency"


def test_unknown_kind_and_field() -> None:
    with pytest.raises(rp.EENUM) as ei:
        rp.Message("brev")
    assert ei.value.field == "kind"
    with rp.Message("henvendelse") as m:  # the Danish label is a kind too
        assert m.kind == "request"
        with pytest.raises(rp.ENOTFOUND) as ei2:
            m.set_text("no_such_field", "x")
        assert ei2.value.field == "no_such_field"
        with pytest.raises(rp.ETYPE):
            m.set_text("urgency", "akut")


def test_cpr_in_text_is_refused_with_its_offset() -> None:
    with akut_request("FIKTIV: ring 010203-1234") as m:
        with pytest.raises(rp.ECPR) as ei:
            m.encode()
        e = ei.value
        assert e.field == "question"
        assert e.offset == len("FIKTIV: ring ")
        assert "010203" not in str(e)  # the number is never repeated


def test_rules_between_fields_and_encode() -> None:
    with rp.Message("request") as m:
        with pytest.raises(rp.RejsepostError) as ei:
            m.encode()
        assert ei.value.field  # something required is named
    with sparring_request() as m:
        m.set_text("sender_org", "101")  # a send fills it from the roster; offline we do
        payload = m.encode()
        assert isinstance(payload, bytes) and len(payload) > 50
        with rp.Message.from_msgpack(payload) as back:
            assert back.kind == "request"
            assert back.to_dict()["question"] == m.to_dict()["question"]
    with pytest.raises(rp.RejsepostError):
        rp.Message.from_msgpack(b"\x01\x02garbage")


def test_json_round_trip() -> None:
    with akut_request("Spørgsmål med æøå") as m:
        m.list_add("attachments")
        m.set_text("attachments.name", "plan.txt")
        text = m.to_json()
        d = m.to_dict()
    assert d["kind"] == "request" and d["urgency"] == "akut"
    assert d["question"] == "Spørgsmål med æøå"
    assert sorted(d["categories"]) == ["negativ_social_kontrol", "trusler"]
    with rp.Message.from_json(text) as back:
        assert back.to_json() == text
    with rp.Message.from_json(d) as back2:  # a dict too
        assert back2.to_dict() == d
    with pytest.raises(rp.EENUM) as ei:
        rp.Message.from_json('{"kind": "request", "urgency": "snart"}')
    assert ei.value.field == "urgency"
    with pytest.raises(rp.RejsepostError):
        rp.Message.from_json("{not json")


def test_thread_and_recipient_setters() -> None:
    with rp.Message("follow_up") as m:
        m.set_thread("00112233445566778899aabbccddeeff").set_recipient("team")
        d = m.to_dict()
        assert d["thread_id"] == "00112233445566778899aabbccddeeff"
        assert d["recipient"] == "team"
        with pytest.raises(rp.RejsepostError):
            m.set_thread("nothex")
    with sparring_request() as m:
        m.set_thread("00112233445566778899aabbccddeeff")
        with pytest.raises(rp.RejsepostError) as ei:
            m.encode()  # a request starts its own thread
        assert ei.value.field == "thread_id"
        assert ei.value.detail and "thread_id" in ei.value.detail


def test_config_errors_carry_the_setting() -> None:
    with rp.Config() as cfg:
        with pytest.raises(rp.ECONFIG) as ei:
            cfg.set_relay_key("abc")
        assert "relay_key" in (ei.value.detail or "")
        assert cfg.error.startswith("relay_key")
        with pytest.raises(rp.ECONFIG):
            cfg.set_backoff(5, 1)
        cfg.set_backoff(10, 1000).set_expiry(60000).set_receive(False)
        # retention: 0 .. 10 years
        for bad in (-1, 11 * 366 * 86_400_000):
            with pytest.raises(rp.ECONFIG) as ei4:
                cfg.set_retention(bad)
            assert ei4.value.field == "retention" and "retention" in (ei4.value.detail or "")
        cfg.set_retention(0).set_retention(7 * 86_400_000)
        cfg.set_attachment_max(1 << 20).set_message_attachments_max(1 << 21)
        cfg.set_passphrase_env("RP_PW")
        # further addresses of the relay: at most 8 in all
        cfg.set_relay("127.0.0.1", 7443).add_relay("relay-b.example", 7443)
        for i in range(6):
            cfg.add_relay("::1", 7444 + i)
        with pytest.raises(rp.ECONFIG) as ei3:
            cfg.add_relay("relay-z.example", 7443)
        assert "relay" in (ei3.value.detail or "") and ei3.value.field == "relay"
        cfg.set_relay("relay-a.example", 7443)  # replaces the first; the others stay
        with pytest.raises(rp.ECONFIG):
            cfg.add_relay("relay-z.example", 7443)
        with pytest.raises(rp.ECONFIG):
            cfg.add_relay("relay-z.example", 0)
        # a client from an incomplete config names what is missing
        with pytest.raises(rp.ECONFIG) as ei2:
            rp.Client(cfg)
        assert ei2.value.detail
    with pytest.raises(TypeError):
        rp.Config(no_such_setting=1)


def test_closed_objects_raise_instead_of_crashing() -> None:
    m = rp.Message("request")
    m.close()
    m.close()  # idempotent
    with pytest.raises(rp.ESTATE):
        m.set_text("question", "x")
    cfg = rp.Config()
    cfg.close()
    with pytest.raises(rp.ESTATE):
        cfg.set_state_dir("x")


def test_text_with_nul_is_refused() -> None:
    with rp.Message("request") as m:
        with pytest.raises(ValueError):
            m.set_text("question", "a\0b")


def test_attach_forms_check_at_once(tmp_path: Path) -> None:
    with sparring_request() as m:
        m.attach(b"abc", name="a.bin")
        m.attach(io.BytesIO(b"def"), name="b.bin", mime="text/plain")
        f = tmp_path / "c.txt"
        f.write_bytes(b"ghi")
        m.attach(f, mime="text/plain", kind="handlingsplan")
        m.attach(str(f))
        with pytest.raises(ValueError):
            m.attach(b"no name")
        with pytest.raises(rp.EENUM) as ei:
            m.attach(b"x", name="x.bin", kind="nope")
        assert "allowed" in (ei.value.detail or "")
        assert len(m.to_dict()["attachments"]) == 4
    assert hashlib.sha256(b"").hexdigest()  # hashlib is used by the relay tests


def test_bench_sends_what_the_c_baseline_sends() -> None:
    """bench/send_rate.py builds the same message as bindings/testnet/send_rate.c: the
    same setter calls with the same fields and values, in the same order."""
    import importlib.util

    c_src = (SOURCE_DIR / "bindings" / "testnet" / "send_rate.c").read_text(encoding="utf-8")
    c_calls = re.findall(r'rp_msg_(set_enum|set_text|add_to_set)\(m, "([^"]+)", "([^"]+)"\)',
                         c_src)
    assert len(c_calls) >= 10 and re.search(r'rp_msg_new\("request"', c_src)
    spec = importlib.util.spec_from_file_location("send_rate", PKG_ROOT / "bench" / "send_rate.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    calls = []

    class Recorder(rp.Message):
        def set_enum(self, field, name):  # type: ignore[override]
            calls.append(("set_enum", field, name))
            return super().set_enum(field, name)

        def set_text(self, field, text):  # type: ignore[override]
            calls.append(("set_text", field, text))
            return super().set_text(field, text)

        def add_to_set(self, field, *names):  # type: ignore[override]
            calls.extend(("add_to_set", field, n) for n in names)
            return super().add_to_set(field, *names)

    real = bench.rp.Message
    bench.rp.Message = Recorder
    try:
        with bench.small_request() as m:
            assert m.kind == "request"
            m.set_text("sender_org", "101")
            m.encode()  # complete
    finally:
        bench.rp.Message = real
    assert calls[:-1] == [tuple(c) for c in c_calls]
