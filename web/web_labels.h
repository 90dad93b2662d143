/* SPDX-License-Identifier: MIT */
/*
 * Danish words for what the daemon's JSON carries: every field of a payload, every
 * coded value, every message kind and thread state. A field the table does not know is
 * shown as "Andet felt", never under its raw name.
 */
#ifndef RP_WEB_LABELS_H
#define RP_WEB_LABELS_H

/* The label of a field by its dotted path ("risk.acute"); NULL if unknown. */
const char *rp__web_field_label(const char *path);
/* The Danish word for a coded value ("hoej" -> "Høj"); NULL if the value is not a code
 * we know (free text, numbers). */
const char *rp__web_value_label(const char *value);
/* A message kind ("request" -> "Henvendelse"); "Besked" if unknown. */
const char *rp__web_kind_label(const char *kind);
/* Whether a message's top-level field is the envelope's (kind, ids, sender, time,
 * version): the page shows those in the message's heading or not at all. */
int rp__web_envelope_field(const char *key);
/* A thread state ("claimed" -> "Taget"). */
const char *rp__web_state_label(const char *state);

typedef struct rp__web_code {
  const char *code, *label;
} rp__web_code;
/* The closure outcomes, categories and thread states in the daemon's order, ended by a
 * {NULL, NULL} entry (for the forms' choices). */
extern const rp__web_code rp__web_outcomes[];
extern const rp__web_code rp__web_categories[];
extern const rp__web_code rp__web_states[];
/* The two networks (east, west), as the daemon names them. */
extern const rp__web_code rp__web_networks[];
/* The urgencies, most urgent first (the inbox's filter). */
extern const rp__web_code rp__web_urgencies[];
/* A reply's recommended actions and the advisor's risk view (PROTOCOL.md 7.4). */
extern const rp__web_code rp__web_recommended[];
extern const rp__web_code rp__web_risk_views[];
/* The kinds of a reply's referral (PROTOCOL.md 7.4). */
extern const rp__web_code rp__web_referral_kinds[];

#endif
