/* SPDX-License-Identifier: MIT */
/*
 * Routes: who may write to whom, and what a recipient checks once an envelope is open
 * (docs/PROTOCOL.md section 6.6).
 *
 * Only the routes of the domain exist: a municipality writes to the team, the team to
 * municipalities. The relay sees member kinds only (the payload is sealed), so it
 * enforces rp__route_members before it stores anything (NACK RP_EROUTE). The recipient
 * checks the same again and, with the plaintext in hand, everything the relay cannot
 * see: whether the sender's kind may send this payload kind, and that the payload
 * agrees with the header it was sealed under. A relay that re-routes, or a member that
 * seals one thing and labels it another, is refused at the recipient.
 */
#ifndef RP_ROUTE_H
#define RP_ROUTE_H

#include "envelope_hdr.h"
#include "payload.h"
#include "roster.h"

/* 0 if a member of kind `from` may send envelopes to a member of kind `to` (both
 * rp__member_kind values), else RP_EROUTE. */
int rp__route_members(int from, int to);

/* The RP__FROM_* bit of a member kind (0 for relay and unknown kinds). */
unsigned rp__route_sender_bit(int kind);

/* The urgency an envelope carrying p must show in its header: a request's own, a
 * follow-up's if it has one, else normal. Writers put it there; readers check it. */
int rp__route_urgency(const rp__payload *p);

/* Whether p starts a new thread (a request or a plan review): its thread_id is then its
 * own msg_id. */
bool rp__route_starts_thread(const rp__payload *p);

/* p's sender_org field, for the kinds that carry one (request, plan review,
 * registration); NULL for the others. Writers fill it in, rp__route_check reads it. */
rp__str *rp__route_org_field(rp__payload *p);

/*
 * The recipient's checks after opening (PROTOCOL.md 6.6), in this order, each naming the
 * field in *where (may be NULL):
 *   1. the route between the sender's and the recipient's kinds      RP_EROUTE  "sender"
 *   2. the sender's kind may send p's kind                           RP_EKIND   "kind"
 *   3. p's msg_id is the header's                                    RP_EINVAL  "msg_id"
 *   4. p's created is the header's                                   RP_EINVAL  "created"
 *   5. the header's urgency is rp__route_urgency(p)                  RP_EINVAL  "urgency"
 *   6. a thread's first message has thread_id = msg_id               RP_EINVAL  "thread_id"
 *   7. a sender_org field is the sender's municipality code          RP_EINVAL "sender_org"
 * Returns 0 when all hold.
 */
int rp__route_check(const rp__payload *p, const rp__envhdr *hdr, const rp__member *sender,
                    int recipient_kind, const char **where);

#endif /* RP_ROUTE_H */
