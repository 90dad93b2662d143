/* SPDX-License-Identifier: MIT */
/*
 * save THREAD N: one attachment of a thread to the advisor's command.
 *
 * The daemon streams the decrypted bytes over the socket and the advisor's command
 * writes the file, never the daemon. Why: the file must be created by the advisor, as
 * the advisor (their umask, quota, ownership, and the folders only they may write to);
 * a daemon that wrote to a path an advisor names would write with its own rights, where
 * its user may write and the advisor may not (its store, its state folder), a confused
 * deputy. The bytes go in pieces of at most RP_IBX_ATT_PIECE, each read and opened from
 * the store on its own, so the daemon's memory stays one piece whatever the size; the
 * answer names size and sha256 so the command checks what it wrote. The daemon serves
 * one request at a time, so the whole stream has a deadline (RP_IBX_SAVE_TIMEOUT_MS) and
 * each piece the socket's write timeout: a reader that stalls is dropped, not waited
 * for. The audit log gets who, the thread and the attachment's number; never content.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ibx_act.h"
#include "ibx_sock.h"
#include "log.h"
#include "payload.h"

int rp__ibx_do_save(rp__ibx_act *a) {
  rp__ibx_thread t;
  rp__ibx_att *att = NULL;
  unsigned n = 0;
  int r = rp__ibx_act_thread(a, &t);
  if (r != 0) return r;
  snprintf(a->audit_to, sizeof a->audit_to, "%llu", (unsigned long long)a->req->attachment);
  a->audit_key = "attachment";
  if (a->req->attachment == 0) {
    rp__buf_puts(&a->msg, "the attachment's number is required (show lists them)");
    return RP_EMISSING;
  }
  if ((r = rp__ibx_store_thread_atts(a->d->st, a->thread, &att, &n)) != 0) return r;
  if (a->req->attachment > n) {
    rp__buf_printf(&a->msg, "the thread has %u attachment%s; no number %llu", n,
                   n == 1 ? "" : "s", (unsigned long long)a->req->attachment);
    r = RP_ENOTFOUND;
  } else if (rp__ibx_act_consent_ok(a, &t) != 0) {
    r = RP_ESTATE; /* the content is hidden: msg says why */
  } else {
    rp__ibx_mark m;
    const rp__ibx_att *one = &att[a->req->attachment - 1];
    if (rp__ibx_store_mark_get(a->d->st, a->thread, one->msg_id, RP__PL_RECALL, &m) == 0) {
      rp__buf_printf(&a->msg,
                     "refused: message %s was recalled (tilbagekaldt); its "
                     "attachments are not handed out",
                     one->msg_id);
      r = RP_ESTATE;
    } else {
      a->save = *one;
      a->saving = 1;
    }
  }
  free(att);
  return r;
}

void rp__ibx_save_stream(rp__ibx_act *a, int fd) {
  const rp__ibx_att *s = &a->save;
  uint64_t end = rp__clock_mono_ms() + RP_IBX_SAVE_TIMEOUT_MS, now;
  uint8_t *pt = NULL, none = 0;
  size_t n = 0;
  int r = 0;
  for (uint32_t p = 0; r == 0 && p < s->pieces; p++) {
    if ((now = rp__clock_mono_ms()) >= end) {
      r = RP_ETIMEDOUT;
      break;
    }
    if ((r = rp__ibx_store_att_piece(a->d->st, s->msg_id, s->idx, p, &pt, &n)) != 0) break;
    /* An empty piece (a 0-byte file) is not sent: an empty frame means "complete". */
    if (n > 0) r = rp__ibx_sock_write_frame_within(fd, pt, n, (int)(end - now));
    sodium_memzero(pt, n);
    free(pt);
    pt = NULL;
  }
  /* The empty frame says "complete"; without it the command removes what it wrote. */
  if (r == 0 && (now = rp__clock_mono_ms()) < end)
    r = rp__ibx_sock_write_frame_within(fd, &none, 0, (int)(end - now));
  else if (r == 0)
    r = RP_ETIMEDOUT;
  if (r != 0)
    rp__log_warn("event=advisor_dropped phase=save thread=%s error=%s", a->thread,
                 rp_err_name(r));
}
