/* SPDX-License-Identifier: MIT */
/* Routes and the recipient's checks after opening; see route.h. */
#include "route.h"

#include <string.h>

int rp__route_members(int from, int to) {
  if ((from == RP_MEMBER_MUNICIPALITY && to == RP_MEMBER_TEAM) ||
      (from == RP_MEMBER_TEAM && to == RP_MEMBER_MUNICIPALITY))
    return 0;
  return RP_EROUTE;
}

unsigned rp__route_sender_bit(int kind) {
  return kind == RP_MEMBER_MUNICIPALITY ? RP__FROM_MUNICIPALITY
         : kind == RP_MEMBER_TEAM       ? RP__FROM_TEAM
         : kind == RP_MEMBER_ADMIN      ? RP__FROM_ADMIN
                                        : 0;
}

int rp__route_urgency(const rp__payload *p) {
  int u = p->kind == RP__PL_REQUEST     ? p->u.request.urgency
          : p->kind == RP__PL_FOLLOW_UP ? p->u.follow_up.urgency
                                        : 0;
  return u != 0 ? u : RP__URG_NORMAL;
}

bool rp__route_starts_thread(const rp__payload *p) {
  return p->kind == RP__PL_REQUEST || p->kind == RP__PL_PLAN_REVIEW;
}

rp__str *rp__route_org_field(rp__payload *p) {
  switch (p->kind) {
  case RP__PL_REQUEST:
    return &p->u.request.sender_org;
  case RP__PL_PLAN_REVIEW:
    return &p->u.plan_review.sender_org;
  case RP__PL_REGISTRATION:
    return &p->u.registration.sender_org;
  default:
    return NULL;
  }
}

int rp__route_check(const rp__payload *p, const rp__envhdr *hdr, const rp__member *sender,
                    int recipient_kind, const char **where) {
  const rp__str *org;
  const char *w = NULL;
  int rc = RP_EINVAL;

  if (where != NULL) *where = NULL;
  if (p == NULL || hdr == NULL || sender == NULL) goto out;
  /* Read only: the cast lets one function serve writers and this reader. */
  org = rp__route_org_field((rp__payload *)p);
  if ((rc = rp__route_members(sender->kind, recipient_kind)) != 0) {
    w = "sender";
    goto out;
  }
  rc = RP_EKIND;
  w = "kind";
  if (!(rp__payload_kind_senders(p->kind) & rp__route_sender_bit(sender->kind))) goto out;
  rc = RP_EINVAL;
  w = "msg_id";
  if (memcmp(p->msg_id, hdr->msg_id, RP_MSG_ID_BYTES) != 0) goto out;
  w = "created";
  if (p->created != hdr->created) goto out;
  w = "urgency";
  if (hdr->urgency != rp__route_urgency(p)) goto out;
  w = "thread_id";
  if (rp__route_starts_thread(p) && memcmp(p->thread_id, p->msg_id, RP_MSG_ID_BYTES) != 0)
    goto out;
  w = "sender_org";
  if (org != NULL && !rp__str_eq(*org, sender->municipality)) goto out;
  w = NULL;
  rc = 0;
out:
  if (where != NULL) *where = w;
  return rc;
}
