/* SPDX-License-Identifier: MIT */
/*
 * Short notices about other messages or the membership: receipts, case closure, consent
 * withdrawn, recall of a misdirected message, and roster/key rotation.
 */
#include "payload_int.h"

RP__PL_ENUM(receipt_status, "relayed", "delivered", "opened", "failed", "expired",
            "recalled");
RP__PL_ENUM(withdrawn_by, "borger", "foraeldremyndighed");
RP__PL_ENUM(recall_reason, "forkert_modtager", "forkert_indhold", "dublet", "andet");
RP__PL_ENUM(roster_change, "tilfoejet", "noegleskift", "tilbagekaldt", "fjernet");

/* ---- receipt: the status of one message, named by its msg_id ---- */
static int receipt_check(const void *obj, const char **where) {
  const rp__pl_receipt *r = &((const rp__payload *)obj)->u.receipt;
  /* A failure says why (an RP_E code); no other status has a reason. */
  if (r->status == RP__RCPT_FAILED && r->error == 0) {
    *where = "error";
    return RP_EMISSING;
  }
  if (r->status != RP__RCPT_FAILED && r->error != 0) {
    *where = "error";
    return RP_EINVAL;
  }
  return 0;
}

static const rp__field receipt_fields[] = {
    RP__PL_HEADER(RP__PL_RECEIPT),
    RP__PL_ID(5, "about", u.receipt.about),
    {.key = 6,
     .name = "status",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = PO(u.receipt.status),
     .enm = &receipt_status},
    {.key = 7,
     .name = "at",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = PO(u.receipt.at),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
    /* Error codes are small negative numbers; the positive value travels, as in a NACK. */
    {.key = 8,
     .name = "error",
     .type = RP__F_UINT,
     .off = PO(u.receipt.error),
     .min = 1,
     .max = 1000},
};
const rp__schema rp__payload_receipt_schema = {
    "receipt", sizeof(rp__payload), receipt_fields, NFIELDS(receipt_fields), receipt_check};

/* ---- closure: only an outcome code, so statistics stay anonymous ---- */
static const rp__field closure_fields[] = {
    RP__PL_HEADER(RP__PL_CLOSURE),
    {.key = 5,
     .name = "outcome",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = PO(u.closure.outcome),
     .enm = &rp__payload_enum_outcome},
};
const rp__schema rp__payload_closure_schema = {
    "closure", sizeof(rp__payload), closure_fields, NFIELDS(closure_fields), NULL};

/* ---- consent withdrawn: processing of the thread stops, relay copies are purged ---- */
static const rp__field consent_withdrawn_fields[] = {
    RP__PL_HEADER(RP__PL_CONSENT_WITHDRAWN),
    {.key = 5,
     .name = "by",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = PO(u.consent_withdrawn.by),
     .enm = &withdrawn_by},
    {.key = 6,
     .name = "about",
     .type = RP__F_FIXBIN,
     .off = PO(u.consent_withdrawn.about),
     .min = RP_MSG_ID_BYTES,
     .max = RP_MSG_ID_BYTES},
};
const rp__schema rp__payload_consent_withdrawn_schema = {
    "consent_withdrawn", sizeof(rp__payload), consent_withdrawn_fields,
    NFIELDS(consent_withdrawn_fields), NULL};

/* ---- recall of a message sent to the wrong recipient ---- */
static const rp__field recall_fields[] = {
    RP__PL_HEADER(RP__PL_RECALL),
    RP__PL_ID(5, "about", u.recall.about),
    {.key = 6,
     .name = "reason",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = PO(u.recall.reason),
     .enm = &recall_reason},
};
const rp__schema rp__payload_recall_schema = {"recall", sizeof(rp__payload), recall_fields,
                                              NFIELDS(recall_fields), NULL};

/* ---- roster/key rotation notice: a hint to fetch the signed roster; the roster's
 * signature, not this notice, is what a client trusts ---- */
static const rp__field change_fields[] = {
    {.key = 1,
     .name = "change.member",
     .type = RP__F_STR,
     .flags = RP__REQ,
     .off = offsetof(rp__roster_change, member),
     .min = 1,
     .max = RP_MEMBER_ID_MAX},
    {.key = 2,
     .name = "change.change",
     .type = RP__F_ENUM,
     .flags = RP__REQ,
     .off = offsetof(rp__roster_change, change),
     .enm = &roster_change},
};
static const rp__schema change_schema = {"change", sizeof(rp__roster_change), change_fields,
                                         NFIELDS(change_fields), NULL};

static const rp__field roster_notice_fields[] = {
    RP__PL_HEADER(RP__PL_ROSTER_NOTICE),
    {.key = 5,
     .name = "roster_version",
     .type = RP__F_UINT,
     .flags = RP__REQ,
     .off = PO(u.roster_notice.roster_version),
     .min = 1,
     .max = UINT64_MAX},
    {.key = 6,
     .name = "changes",
     .type = RP__F_LIST,
     .off = PO(u.roster_notice.changes),
     .max = RP_PAYLOAD_ROSTER_CHANGES_MAX,
     .sub = &change_schema,
     .count_off = PO(u.roster_notice.nchanges)},
    {.key = 7,
     .name = "effective_at",
     .type = RP__F_UINT,
     .off = PO(u.roster_notice.effective_at),
     .min = 1,
     .max = RP__ENVHDR_TIME_MAX},
};
const rp__schema rp__payload_roster_notice_schema = {"roster_notice", sizeof(rp__payload),
                                                     roster_notice_fields,
                                                     NFIELDS(roster_notice_fields), NULL};
