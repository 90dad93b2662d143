#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The payload JSON Schemas (tools/schema/schema_gen.c) against an independent
validator (Debian's python3-jsonschema) and against the library (schema_probe).

Usage: schema_test.py SCHEMA_DIR SCHEMA_PROBE

1. Every schema is a valid draft 2020-12 schema.
2. Every sample message (rp_msg_to_json of a valid message of every kind and variant)
   validates against its kind's schema and the combined one, and the library takes it.
3. Every name a schema's enumeration or set allows, put in a full sample in place of the
   sample's value, is read by the library (rp_msg_from_json): the names are the same.
4. Every message of the BAD table is refused by both schemas AND by the library
   (rp_msg_from_json, then rp_msg_encode).
"""
import copy
import json
import os
import subprocess
import sys

import jsonschema

SCHEMA_DIR, PROBE = sys.argv[1], sys.argv[2]
V = jsonschema.Draft202012Validator
failures = []


def load(name):
    with open(os.path.join(SCHEMA_DIR, name + ".schema.json"), encoding="utf-8") as f:
        return json.load(f)


def probe(mode, lines=None):
    out = subprocess.run([PROBE, mode], input="".join(l + "\n" for l in lines or []),
                         capture_output=True, text=True, check=True, timeout=20).stdout
    return out.splitlines()


combined = load("rejsepost")
V.check_schema(combined)
kinds = combined["properties"]["kind"]["enum"]
per_kind = {}
for k in kinds:
    s = load(k)
    V.check_schema(s)
    per_kind[k] = V(s)
all_v = V(combined)

samples = [json.loads(l) for l in probe("samples")]
assert len(samples) >= len(kinds) * 3, len(samples)
assert {s["kind"] for s in samples} == set(kinds)
for s in samples:
    for name, v in (("combined", all_v), (s["kind"], per_kind[s["kind"]])):
        errs = [e.message for e in v.iter_errors(s)]
        if errs:
            failures.append(f"sample {s['kind']} refused by the {name} schema: {errs[:3]}")
lib = probe("check", [json.dumps(s, ensure_ascii=False) for s in samples])
for s, r in zip(samples, lib):
    if r != "ok":
        failures.append(f"sample {s['kind']} refused by the library: {r}")

first = {}
for s in samples:
    if s["kind"] in first:
        continue
    first[s["kind"]] = s
# The full variants (every field the rules allow together).
full = {}
for s in samples:
    full[s["kind"]] = full.get(s["kind"]) or (s if len(s) > len(first[s["kind"]]) else None)
full = {k: (full.get(k) or first[k]) for k in kinds}


def edit(kind, fn):
    m = copy.deepcopy(full[kind])
    fn(m)
    return m


def setp(path, value):
    def fn(m):
        *head, last = path
        for p in head:
            m = m[p]
        m[last] = value
    return fn


def delp(path):
    def fn(m):
        *head, last = path
        for p in head:
            m = m[p]
        del m[last]
    return fn


QMAX = per_kind["request"].schema["properties"]["question"]["maxLength"]
att = dict(full["request"]["attachments"][0])
BAD = [
    # (what, message)
    ("wrong enum", edit("request", setp(["sender_role"], "chef"))),
    ("wrong enum in a set", edit("request", setp(["categories"], ["trusler", "nope"]))),
    ("wrong enum in a nested map", edit("request", setp(["risk", "level"], "meget"))),
    ("wrong enum in a list element", edit("request", setp(["attachments", 0, "kind"], "x"))),
    ("enum with other case", edit("request", setp(["urgency"], "AKUT"))),
    ("missing required text", edit("request", delp(["question"]))),
    ("missing required enum", edit("request", delp(["sender_role"]))),
    ("missing required nested map", edit("request", delp(["risk"]))),
    ("missing required field of a nested map", edit("request", delp(["risk", "level"]))),
    ("missing required field of a list element",
     edit("request", delp(["attachments", 0, "name"]))),
    ("missing kind", edit("request", delp(["kind"]))),
    ("unknown kind", edit("request", setp(["kind"], "brev"))),
    ("kind not a string", edit("request", setp(["kind"], 1))),
    ("kind of another shape", edit("request", setp(["kind"], "reply"))),
    ("text too long", edit("request", setp(["sender_ref"], "x" * 257))),
    ("text too long in characters too", edit("request", setp(["question"], "ø" * (QMAX + 1)))),
    ("municipality code too long", edit("request", setp(["sender_org"], "1011"))),
    ("empty required text", edit("request", setp(["question"], ""))),
    ("text as number", edit("request", setp(["question"], 5))),
    ("text as null", edit("request", setp(["question"], None))),
    ("nested map as text", edit("request", setp(["risk"], "hoej"))),
    ("set as text", edit("request", setp(["categories"], "trusler"))),
    ("set element not a string", edit("request", setp(["categories"], [3]))),
    ("number as text", edit("request", setp(["citizen", "age"], "16"))),
    ("number as float", edit("request", setp(["citizen", "age"], 16.5))),
    ("number over its range", edit("request", setp(["citizen", "age"], 121))),
    ("negative number", edit("request", setp(["attachments", 0, "size"], -1))),
    ("bool as text", edit("request", setp(["risk", "acute"], "yes"))),
    ("unknown field", edit("request", setp(["foo"], 1))),
    ("unknown field in a nested map", edit("request", setp(["risk", "foo"], 1))),
    ("unknown field in a list element", edit("request", setp(["attachments", 0, "x"], 1))),
    ("header field msg_id", edit("request", setp(["msg_id"], "01" * 16))),
    ("header field created", edit("request", setp(["created"], 1700000000000))),
    ("extra nesting of a text", edit("request", setp(["question"], {"text": "Hvad nu?"}))),
    ("extra nesting of an enum", edit("request", setp(["urgency"], ["akut"]))),
    ("list element not a map", edit("request", setp(["attachments"], ["a.pdf"]))),
    ("list over its cap", edit("request", setp(["attachments"], [att] * 17))),
    ("hash too short", edit("request", setp(["attachments", 0, "sha256"], "abab"))),
    ("hash not hex", edit("reply", setp(["in_reply_to"], "zz" * 16))),
    ("thread_id not hex", edit("receipt", setp(["thread_id"], "thread-1"))),
    ("empty recipient", edit("receipt", setp(["recipient"], ""))),
    ("recipient too long", edit("receipt", setp(["recipient"], "k" * 65))),
    ("responsibility note changed", edit("reply", setp(["responsibility_note"], "Ok."))),
    ("missing nested map of a reply", edit("reply", delp(["advisor"]))),
    ("wrong enum in a reply's list", edit("reply", setp(["referrals", 0, "kind"], "hjem"))),
    ("receipt status unknown", edit("receipt", setp(["status"], "read"))),
    ("message is an array", [full["receipt"]]),
    ("message is a string", "request"),
]


def resolve(schema, node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def variants(schema, node, value):
    """(message value with one enum name changed) for every allowed name below value."""
    node = resolve(schema, node)
    if "enum" in node:
        for name in node["enum"]:
            yield name
    elif node.get("type") == "array" and "enum" in node.get("items", {}):
        for name in node["items"]["enum"]:
            yield [name]
    elif isinstance(value, dict):
        for key, sub in value.items():
            if key in node.get("properties", {}) and key != "kind":
                for v in variants(schema, node["properties"][key], sub):
                    yield {**value, key: v}
    elif isinstance(value, list) and value and "items" in node:
        for v in variants(schema, node["items"], value[0]):
            yield [v] + value[1:]


names = []
for k in kinds:
    s = per_kind[k].schema
    names += [m for m in variants(s, s, full[k])]
assert len(names) > 100, len(names)
lib = probe("parse", [json.dumps(m, ensure_ascii=False) for m in names])
for m, r in zip(names, lib):
    if r != "ok":
        failures.append(f"{m['kind']}: a name the schema allows is refused: {r}")

assert len(BAD) >= 30
lib = probe("check", [json.dumps(m, ensure_ascii=False) for _, m in BAD])
for (what, m), r in zip(BAD, lib):
    if all_v.is_valid(m):
        failures.append(f"{what}: the combined schema takes it")
    if isinstance(m, dict) and m.get("kind") in per_kind and per_kind[m["kind"]].is_valid(m):
        failures.append(f"{what}: the {m['kind']} schema takes it")
    if r == "ok":
        failures.append(f"{what}: the library takes it")

for f in failures:
    print("FAIL", f)
print(f"{len(samples)} samples, {len(names)} enum names, {len(BAD)} bad messages, {len(failures)} failures")
sys.exit(1 if failures else 0)
