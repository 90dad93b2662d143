/* SPDX-License-Identifier: MIT */
/*
 * msg.c owns struct rp_msg, the message builder behind the public rp_msg handle: a
 * payload whose texts point into copies the message owns, the recipient and thread the
 * host chose, and the error of the last call for rp_msg_error_*. json.c fills and reads
 * it too; send.c sends it. Also the content checks a send runs (msg.c).
 */
#ifndef RP_CLIENT_MSG_INT_H
#define RP_CLIENT_MSG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "rejsepost.h"

/* Where the bytes of attachment list element i come from (attach.c). NONE: the host
 * filled a descriptor by hand (rp_msg_list_add), which carries no content. */
enum { RP__ATT_SRC_NONE = 0, RP__ATT_SRC_FILE, RP__ATT_SRC_BUFFER, RP__ATT_SRC_STREAM };
typedef struct rp__att_src {
  int type;
  char *path;          /* FILE: owned copy */
  const uint8_t *data; /* BUFFER: borrowed until rp_send returns */
  size_t len;
  rp_read_fn read; /* STREAM */
  void *ctx;
  bool consumed; /* STREAM: an rp_send has read it */
} rp__att_src;

/* A message being built: the payload, whose texts point into owned copies. */
struct rp_msg {
  rp__att_src src[RP_PAYLOAD_ATTACHMENTS_MAX]; /* by attachments list index */
  rp__payload p;
  void **strs; /* owned copies the payload's texts point at */
  size_t nstrs, capstrs;
  char recipient[RP_MEMBER_ID_MAX + 1];
  uint8_t thread_id[RP_THREAD_ID_BYTES];
  bool has_thread;
  const char *err_field;
  char err_buf[96];
  size_t err_offset;
  char err_text[1024]; /* rp_msg_error_text; "" after a call that succeeded */
};

/* Copies every text of p into m's own memory (after a decode that borrowed them). */
int rp__msg_own_texts(rp_msg *m);
/* Records the outcome of a check on m for rp_msg_error_field / rp_msg_error_offset
 * (cleared when rc is 0), as rp_send and rp_msg_encode report them. */
void rp__msg_set_error(rp_msg *m, int rc, const char *where, size_t offset);
/* PROTOCOL.md 6.6: a request or plan review starts its own thread (thread_id =
 * msg_id), so a thread set on one is refused (RP_EINVAL, *where "thread_id") rather
 * than silently dropped: the host meant something else. */
int rp__msg_check_thread(const rp__payload *p, bool has_thread, const char **where);
struct rp__cpr_hook;
/* The content checks of a send, in its order: the CPR guard, the host's hook (NULL:
 * none), then every schema rule by encoding *p (header filled) into
 * buf[0..RP_PAYLOAD_MAX), which the caller wipes (the first *len bytes). 0, or the
 * error with *where naming the field and, for CPR and hook refusals, *offset. */
int rp__msg_check_content(const rp__payload *p, const struct rp__cpr_hook *hook,
                          uint8_t *buf, size_t *len, const char **where, size_t *offset);

#endif /* RP_CLIENT_MSG_INT_H */
