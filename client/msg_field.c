/* SPDX-License-Identifier: MIT */
/* Fields by name: the path resolver the builder and the getters share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_field.h"

static const char *leaf(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot != NULL ? dot + 1 : name;
}

static const rp__field *find(const rp__schema *s, const char *comp, size_t n) {
  for (uint32_t i = 0; i < s->nfields; i++) {
    const char *l = leaf(s->fields[i].name);
    if (strlen(l) == n && memcmp(l, comp, n) == 0) return &s->fields[i];
  }
  return NULL;
}

static int parse_index(const char *p, size_t n, uint32_t *idx) {
  uint32_t v = 0;
  if (n == 0 || n > 4) return RP_ENOTFOUND;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return RP_ENOTFOUND;
    v = v * 10 + (uint32_t)(p[i] - '0');
  }
  *idx = v;
  return 0;
}

/* Steps into a list element: by index component, or the last element. */
static int step_list(const rp__field *f, uint8_t *base, const char **path, bool indexed,
                     uint8_t **elem) {
  uint32_t count = *(uint32_t *)(base + f->count_off), idx;
  if (indexed) {
    const char *dot = strchr(*path, '.');
    size_t n = dot ? (size_t)(dot - *path) : strlen(*path);
    if (parse_index(*path, n, &idx) != 0) return RP_ENOTFOUND;
    *path = dot ? dot + 1 : *path + n;
    if (dot == NULL) return RP_ENOTFOUND;
  } else {
    if (count == 0) return RP_ESTATE; /* rp_msg_list_add first */
    idx = count - 1;
  }
  if (idx >= count || idx >= f->max) return RP_ENOTFOUND;
  *elem = base + f->off + (size_t)idx * f->sub->size;
  return 0;
}

int rp__path_resolve(rp__payload *p, const char *path, bool indexed, bool build,
                     rp__target *t) {
  const rp__schema *s = rp__payload_schema(p->kind);
  uint8_t *base = (uint8_t *)p;
  memset(t, 0, sizeof *t);
  if (s == NULL || path == NULL || *path == '\0') return RP_ENOTFOUND;
  for (;;) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    const rp__field *f = find(s, path, n);
    int rc;
    if (f == NULL) return RP_ENOTFOUND;
    if (dot == NULL) {
      t->f = f;
      t->base = base;
      return 0;
    }
    path = dot + 1;
    if (f->type == RP__F_STRUCT) {
      if (f->flags & RP__HAS) {
        bool *has = (bool *)(base + f->has_off);
        if (build)
          *has = true;
        else if (!*has)
          return RP_ENOTFOUND;
      }
      base += f->off;
    } else if (f->type == RP__F_LIST) {
      if ((rc = step_list(f, base, &path, indexed, &base)) != 0) return rc;
    } else {
      return RP_ETYPE;
    }
    s = f->sub;
  }
}

static const uint8_t *nonzero(const uint8_t *id) {
  uint8_t acc = 0;
  for (size_t i = 0; i < RP_MSG_ID_BYTES; i++)
    acc |= id[i];
  return acc != 0 ? id : NULL;
}

const uint8_t *rp__payload_ref(const rp__payload *p) {
  switch (p->kind) {
  case RP__PL_REPLY:
    return nonzero(p->u.reply.in_reply_to);
  case RP__PL_RECEIPT:
    return nonzero(p->u.receipt.about);
  case RP__PL_ASSIGNMENT:
    return nonzero(p->u.assignment.about);
  case RP__PL_ESCALATION:
    return nonzero(p->u.escalation.about);
  case RP__PL_FOLLOW_UP:
    return nonzero(p->u.follow_up.in_reply_to);
  case RP__PL_INFO_REQUEST:
    return nonzero(p->u.info_request.in_reply_to);
  case RP__PL_CONSENT_WITHDRAWN:
    return nonzero(p->u.consent_withdrawn.about);
  case RP__PL_MEETING_PROPOSAL:
    return nonzero(p->u.meeting_proposal.meeting_ref);
  case RP__PL_MEETING_CONFIRMATION:
    return nonzero(p->u.meeting_confirmation.meeting_ref);
  case RP__PL_MEETING_CANCELLATION:
    return nonzero(p->u.meeting_cancellation.meeting_ref);
  case RP__PL_REGISTRATION:
    return nonzero(p->u.registration.announcement_ref);
  case RP__PL_RECALL:
    return nonzero(p->u.recall.about);
  default:
    return NULL;
  }
}

bool rp__payload_answers(uint64_t kind) {
  return kind == RP__PL_REPLY || kind == RP__PL_FOLLOW_UP || kind == RP__PL_INFO_REQUEST;
}
