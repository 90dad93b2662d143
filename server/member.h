/* SPDX-License-Identifier: MIT */
/*
 * The member table and the roster (member.c). One rp__mstate per member that has a
 * connection or a SEND addressed to it in flight, found by member id in the relay's hash
 * table and freed when its last reference goes; the roster in force, read and verified
 * from its file; and the roster floor, the highest roster version this relay has
 * accepted, which the spool keeps across restarts so that an older roster file is never
 * taken again (PROTOCOL.md 3.5). Loop thread only.
 */
#ifndef RP_SERVER_MEMBER_H
#define RP_SERVER_MEMBER_H

#include <stdint.h>

#include "relay.h"
#include "roster.h"

typedef struct rp__mstate rp__mstate;

/* The member entry for `id`, created with refs 0 if `create`; NULL if absent (or out of
 * memory). Callers take a reference at once with rp__mstate_ref. */
rp__mstate *rp__mstate_get(rp__relay *r, const char *id, int create);
void rp__mstate_ref(rp__mstate *ms);
/* Drop a reference; frees the entry when nothing refers to it any more. Accepts NULL. */
void rp__mstate_unref(rp__relay *r, rp__mstate *ms);

/* Read the roster file and verify it: the administrator's signature, and no rollback,
 * neither below `held` (the roster in force, NULL at start) nor below the spool's
 * roster floor (if the spool is open); the same version as held only with the same
 * bytes. On success *out is the new roster (owned by the caller). Every refusal is
 * logged (roster_refused, roster_rollback naming both versions and the file) and
 * returned as RP_ECONFIG; RP_ENOMEM. */
int rp__member_roster_load(rp__relay *r, const rp__roster *held, rp__roster **out);

/* At start, once the spool is open (`spool_path` names it in the log): load the roster
 * into r->roster and raise the spool's roster floor to its version before anything is
 * served. 0; RP_ECONFIG or RP_ENOMEM from the load; RP_EIO if the floor cannot be
 * written (logged as spool_open_failed). */
int rp__member_roster_start(rp__relay *r, const char *spool_path);

/* Keep a new roster's version in the spool, so that a restart with an older file is
 * refused. Asynchronous; a failure is only logged (roster_floor_unsaved): the roster is
 * in force already and the floor stays lower, which matters for the next start only. */
void rp__member_floor_save(rp__relay *r, uint64_t version);

#endif /* RP_SERVER_MEMBER_H */
