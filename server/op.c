/* SPDX-License-Identifier: MIT */
/*
 * The op pool (op.h): allocating and freeing the relay's spool requests, and keeping
 * each linked to the connection that started it. What an op does when it completes is
 * up to the file that started it (dispatch.c, deliver.c, member.c).
 */
#include "op.h"

#include <stdlib.h>

#include "member.h"
#include "relay_int.h"

rp__op *rp__op_new(rp__relay *r, rp__conn *c, int kind) {
  rp__op *op = calloc(1, sizeof *op);
  if (op == NULL) return NULL;
  op->relay = r;
  op->kind = kind;
  op->req.data = op;
  op->conn = c;
  if (c != NULL) {
    op->cnext = c->ops;
    if (c->ops != NULL) c->ops->cprev = op;
    c->ops = op;
  }
  r->ops_inflight++;
  return op;
}

void rp__op_free(rp__op *op) {
  rp__relay *r;
  if (op == NULL) return;
  r = op->relay;
  if (op->conn != NULL) {
    if (op->cprev != NULL)
      op->cprev->cnext = op->cnext;
    else
      op->conn->ops = op->cnext;
    if (op->cnext != NULL) op->cnext->cprev = op->cprev;
  }
  rp__spool_req_cleanup(&op->req);
  rp__mstate_unref(r, op->rcpt);
  free(op->bytes);
  free(op);
  r->ops_inflight--;
  rp__relay_maybe_finish(r);
}
