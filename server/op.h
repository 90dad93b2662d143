/* SPDX-License-Identifier: MIT */
/*
 * The relay's spool requests (op.c). Every request the relay hands the spool is an
 * rp__op (relay_int.h) owned by the relay and counted in its ops_inflight, so that a
 * graceful stop waits for them; one started for a connection is linked into that
 * connection's list, and a connection that closes first only detaches it
 * (op->conn = NULL). Loop thread only.
 */
#ifndef RP_SERVER_OP_H
#define RP_SERVER_OP_H

#include "relay.h"

typedef struct rp__conn rp__conn;
typedef struct rp__op rp__op;

/* Allocate an op of `kind` (RP__OP_*) for connection c (may be NULL), linked into
 * c->ops. NULL when out of memory. */
rp__op *rp__op_new(rp__relay *r, rp__conn *c, int kind);

/* Unlink from its connection, clean the request up, drop the recipient reference, free
 * the bytes and the op; a stopping relay may then finish. Accepts NULL. */
void rp__op_free(rp__op *op);

#endif /* RP_SERVER_OP_H */
