/* SPDX-License-Identifier: MIT */
/* What the team sends: replies, questions, closures, the automatic out-of-hours reply
 * and network announcements. Each message is built once, as an rp_msg; what is sent and
 * the thread's record of it (the library's JSON of that message, encrypted in the store)
 * come from it alone. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ibx_areq.h"
#include "ibx_daemon.h"
#include "ibx_mime.h"
#include "log.h"
#include "ibx_render.h"
#include "payload.h"

typedef struct out_msg {
  const char *thread_id, *peer, *who, *ref;
  int kind;
  unsigned natt; /* attachments the store keeps a copy of (att_src, att_ctx) */
  rp__ibx_att_src att_src;
  void *att_ctx;
  /* After rp_send: fills sha (hex) and size of each attachment as rp_send read it. */
  void (*sent)(void *att_ctx, char (*sha)[65], uint64_t *size);
} out_msg;

/* The record's attachment descriptors get the size and sha256 that went out: rp_send
 * leaves the caller's message as it was (each send is a new message), so its JSON has
 * neither. Returns the completed JSON (malloc'd, the caller wipes and frees) or NULL. */
static char *complete_record(const char *body, unsigned n, char (*sha)[65],
                             const uint64_t *size) {
  json_t *root = json_loads(body, 0, NULL);
  json_t *list = json_object_get(root, "attachments");
  char *out = NULL;
  for (unsigned i = 0; i < n; i++) {
    json_t *a = json_array_get(list, i);
    json_object_set_new(a, "size", json_integer((json_int_t)size[i]));
    json_object_set_new(a, "sha256", json_string(sha[i]));
  }
  if (json_is_object(root)) out = json_dumps(root, JSON_COMPACT);
  json_decref(root);
  return out;
}

static void wipe_free(char *p, int ours) {
  if (p == NULL) return;
  sodium_memzero(p, strlen(p));
  if (ours)
    free(p);
  else
    rp_free(p);
}

/* Sends m and keeps the library's JSON of that very message as the thread's record of
 * it: what is stored is what was sent. Attachments: the record carries each one's size
 * and sha256 as rp_send read it, and the store keeps a copy only if it hashes the same
 * (a file changed in between is recorded without a copy). */
static int send_keep(rp__ibx_daemon *d, rp_msg *m, const out_msg *o,
                     char msg_id[RP_ID_STRLEN]) {
  static char sha[RP_PAYLOAD_ATTACHMENTS_MAX][65]; /* main thread only */
  uint64_t size[RP_PAYLOAD_ATTACHMENTS_MAX];
  rp__ibx_msg row;
  char *lib = NULL, *rec = NULL;
  int r;
  if ((r = rp_send(d->client, m, msg_id)) != 0) {
    const char *f = rp_msg_error_field(m);
    rp__log_warn("event=send_refused kind=%s thread=%s error=%s field=%s",
                 rp__payload_kind_name((uint64_t)o->kind), o->thread_id, rp_err_name(r),
                 f != NULL ? f : "-");
    return r;
  }
  if (o->natt > 0) o->sent(o->att_ctx, sha, size);
  if ((r = rp_msg_to_json(m, &lib)) != 0 ||
      (o->natt > 0 && (rec = complete_record(lib, o->natt, sha, size)) == NULL)) {
    rp__log_error("event=store_failed msg=%s error=%s (sent, not kept)", msg_id,
                  rp_err_name(r != 0 ? r : RP_ENOMEM));
    wipe_free(lib, 0);
    return 0;
  }
  memset(&row, 0, sizeof row);
  snprintf(row.msg_id, sizeof row.msg_id, "%s", msg_id);
  snprintf(row.thread_id, sizeof row.thread_id, "%s", o->thread_id);
  snprintf(row.ref, sizeof row.ref, "%s", o->ref != NULL ? o->ref : "");
  snprintf(row.peer, sizeof row.peer, "%s", o->peer);
  snprintf(row.who, sizeof row.who, "%s", o->who);
  row.dir = RP_IBX_OUT;
  row.kind = o->kind;
  row.created = row.stored = rp__ibx_now(d);
  row.body = rec != NULL ? rec : lib;
  row.body_len = strlen(row.body);
  row.natt = o->natt;
  row.att_src = o->att_src;
  row.att_ctx = o->att_ctx;
  r = rp__ibx_store_add(d->st, &row, NULL, NULL);
  if (r == RP_EDIGEST) {
    rp__log_warn("event=attachment_changed msg=%s thread=%s (the copy is not kept)", msg_id,
                 o->thread_id);
    row.natt = 0;
    r = rp__ibx_store_add(d->st, &row, NULL, NULL);
  }
  if (r != 0)
    rp__log_error("event=store_failed msg=%s error=%s (sent, not kept)", msg_id,
                  rp_err_name(r));
  rp__log_info("event=sent msg=%s thread=%s kind=%s to=%s", msg_id, o->thread_id,
               rp__payload_kind_name((uint64_t)o->kind), o->peer);
  /* The record holds the advice in clear: wiped, like every buffer of content here. */
  wipe_free(lib, 0);
  wipe_free(rec, 1);
  return 0;
}

/* The advisor's role and pseudonym from [advisors]. An unlisted user has none, and
 * their Unix login must never stand in for one: RP_EPERM (the actions refuse such users
 * before they get here; this keeps it so if one is ever missed). */
int rp__ibx_advisor_of(rp__ibx_daemon *d, const char *who, char role[32], char id[65]) {
  const rp__ibx_advisor *a;
  int r = RP_EPERM;
  pthread_mutex_lock(&d->mu);
  if ((a = rp__ibx_config_advisor(&d->cfg, who)) != NULL) {
    snprintf(role, 32, "%s", a->role);
    snprintf(id, 65, "%s", a->id);
    r = 0;
  }
  pthread_mutex_unlock(&d->mu);
  return r;
}

/* A file the advisor's command passed open, read from its start with pread (the offset
 * is shared with the advisor's process, which we do not disturb). */
typedef struct file_src {
  int fd;
  off_t off;
  char name[RP_TEXT_SHORT_MAX + 1], kind[32];
  const char *mime;
  /* What rp_send read (copying == 0): hashed as it goes, so the record and the store's
   * copy are checked against the very bytes that were sent. */
  crypto_hash_sha256_state h;
  uint64_t sent;
  int copying;
} file_src;

typedef struct files_ctx {
  file_src f[RP_PAYLOAD_ATTACHMENTS_MAX];
  char sha[RP_PAYLOAD_ATTACHMENTS_MAX][65]; /* as sent (files_sent) */
  unsigned n;
} files_ctx;

static long long file_read(void *ctx, uint8_t *buf, size_t cap) {
  file_src *f = ctx;
  ssize_t n;
  do
    n = pread(f->fd, buf, cap, f->off);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  f->off += n;
  if (!f->copying) {
    crypto_hash_sha256_update(&f->h, buf, (size_t)n);
    f->sent += (uint64_t)n;
  }
  return n;
}

static void files_sent(void *ctx, char (*sha)[65], uint64_t *size) {
  files_ctx *fc = ctx;
  for (unsigned i = 0; i < fc->n; i++) {
    uint8_t dg[32];
    crypto_hash_sha256_final(&fc->f[i].h, dg);
    sodium_bin2hex(fc->sha[i], sizeof fc->sha[i], dg, sizeof dg);
    memcpy(sha[i], fc->sha[i], 65);
    size[i] = fc->f[i].sent;
  }
}

/* The store's copy of a sent attachment: the same file read again from its start. */
static int file_att_src(void *ctx, unsigned idx, rp__ibx_att *meta,
                        rp__ibx_att_sink *sink) {
  files_ctx *fc = ctx;
  file_src *f = &fc->f[idx];
  uint8_t *buf = malloc(RP_IBX_ATT_PIECE);
  long long n;
  int r = 0;
  if (buf == NULL) return RP_ENOMEM;
  snprintf(meta->name, sizeof meta->name, "%s", f->name);
  snprintf(meta->mime, sizeof meta->mime, "%s", f->mime);
  snprintf(meta->kind, sizeof meta->kind, "%s", f->kind);
  snprintf(meta->sha256, sizeof meta->sha256, "%s", fc->sha[idx]);
  f->off = 0;
  f->copying = 1;
  while (r == 0 && (n = file_read(f, buf, RP_IBX_ATT_PIECE)) != 0)
    r = n < 0 ? RP_EIO : rp__ibx_att_put(sink, buf, (size_t)n);
  sodium_memzero(buf, RP_IBX_ATT_PIECE);
  free(buf);
  return r;
}

/* Parses "name/kind/..." against the files passed, checks each is a regular file (a
 * pipe or device could hold the daemon), and attaches them to m as streams. */
static int attach_files(rp_msg *m, const rp__ibx_files *files, files_ctx *fc,
                        rp__buf *msg) {
  const char *p = files != NULL && files->spec != NULL ? files->spec : "";
  unsigned n = files != NULL ? files->n : 0;
  int r;
  fc->n = 0;
  if (n == 0 && p[0] == 0) return 0;
  for (unsigned i = 0; i < n; i++) {
    file_src *f = &fc->f[i];
    const char *slash = strchr(p, '/'), *end;
    struct stat sb;
    if (i >= RP_PAYLOAD_ATTACHMENTS_MAX || slash == NULL ||
        (size_t)(slash - p) > RP_TEXT_SHORT_MAX)
      goto mismatch;
    end = strchr(slash + 1, '/');
    if (end == NULL) end = slash + strlen(slash);
    if ((size_t)(end - slash - 1) >= sizeof f->kind) goto mismatch;
    memset(f, 0, sizeof *f);
    memcpy(f->name, p, (size_t)(slash - p));
    memcpy(f->kind, slash + 1, (size_t)(end - slash - 1));
    f->fd = files->fds[i];
    crypto_hash_sha256_init(&f->h);
    f->mime = rp__ibx_mime_of(f->name);
    if (fstat(f->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
      rp__buf_printf(msg, "not sent: attachment %u (%s) is not a regular file", i + 1,
                     f->name);
      return RP_EINVAL;
    }
    if ((r = rp_msg_attach_stream(m, file_read, f, f->name, f->mime, f->kind)) != 0) {
      rp__buf_printf(msg, "not sent: attachment %u (%s): %s", i + 1, f->name,
                     rp_msg_error_text(m) != NULL ? rp_msg_error_text(m) : rp_strerror(r));
      return r;
    }
    fc->n++;
    p = *end == '/' ? end + 1 : end;
  }
  if (*p == 0) return 0;
mismatch:
  rp__buf_puts(msg, "not sent: the attachments' names and kinds do not match the files");
  return RP_EINVAL;
}

/* The coded fields of a reply (names checked before: a setter that still refuses one
 * names the field). */
static int set_coded(rp_msg *m, const rp__ibx_coded *c) {
  int r = 0;
  if (c == NULL) return 0;
  for (unsigned i = 0; r == 0 && i < c->nactions; i++)
    r = rp_msg_add_to_set(m, "recommended_actions", c->actions[i]);
  for (unsigned i = 0; r == 0 && i < c->nreferrals; i++) {
    const rp__ibx_coded_referral *f = &c->referrals[i];
    if ((r = rp_msg_list_add(m, "referrals")) == 0)
      r = rp_msg_set_enum(m, "referrals.kind", f->kind);
    if (r == 0 && f->name[0] != 0) r = rp_msg_set_text(m, "referrals.name", f->name);
    if (r == 0 && f->note[0] != 0) r = rp_msg_set_text(m, "referrals.note", f->note);
  }
  if (r == 0 && c->risk_view[0] != 0) r = rp_msg_set_enum(m, "risk_view", c->risk_view);
  if (r == 0 && c->needs_more_info) r = rp_msg_set_bool(m, "needs_more_info", 1);
  if (r == 0 && c->follow_up_at != 0)
    r = rp_msg_set_uint(m, "follow_up_at", c->follow_up_at);
  if (r == 0 && c->meeting_offer) r = rp_msg_set_bool(m, "meeting_offer", 1);
  return r;
}

/* A reply; `automatic` marks the inbox's own out-of-hours answer, which the municipality
 * must not take for an advisor's (PROTOCOL.md 7.4). */
static int reply_like(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                      const char *role, const char *id, const char *text,
                      const rp__ibx_coded *coded, int automatic, const rp__ibx_files *files,
                      rp__buf *msg) {
  rp_msg *m = NULL;
  char msg_id[RP_ID_STRLEN];
  static files_ctx fc; /* replies are sent on the main thread only */
  out_msg o = {t->thread_id, t->peer, who, t->first_msg, RP__PL_REPLY, 0, NULL, NULL, NULL};
  int r;
  if ((r = rp_msg_new("reply", &m)) == 0 && (r = attach_files(m, files, &fc, msg)) != 0) {
    rp_msg_free(m);
    return r;
  }
  o.natt = fc.n;
  o.att_src = file_att_src;
  o.att_ctx = &fc;
  o.sent = files_sent;
  /* The recipient is named, not looked up from the request: the client store may have
   * let the handled request go (its retention, rp_config_set_retention). */
  if (r == 0 && (r = rp_msg_set_thread(m, t->thread_id)) == 0 &&
      (r = rp_msg_set_recipient(m, t->peer)) == 0 &&
      (r = rp_msg_set_hex(m, "in_reply_to", t->first_msg)) == 0 &&
      (r = rp_msg_set_enum(m, "advisor.role", role)) == 0 &&
      (r = rp_msg_set_text(m, "advisor.id", id)) == 0 &&
      (r = rp_msg_set_text(m, "advice", text)) == 0 &&
      (r = rp_msg_set_bool(m, "reporting_duty", coded != NULL && coded->reporting_duty)) ==
          0 &&
      (r = set_coded(m, coded)) == 0 &&
      (r = rp_msg_set_bool(m, "automatic", automatic)) == 0)
    r = send_keep(d, m, &o, msg_id);
  if (r != 0 && msg != NULL) {
    const char *f = m != NULL ? rp_msg_error_field(m) : NULL;
    rp__buf_printf(msg, "not sent: %s%s%s", rp_strerror(r), f != NULL ? " at " : "",
                   f != NULL ? f : "");
  } else if (msg != NULL) {
    rp__buf_printf(msg, "reply %s sent", msg_id);
  }
  rp_msg_free(m);
  return r;
}

int rp__ibx_send_reply(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                       const char *text, const rp__ibx_coded *coded,
                       const rp__ibx_files *files, rp__buf *msg) {
  char role[32], id[65];
  int r = rp__ibx_advisor_of(d, who, role, id);
  if (r != 0) {
    if (msg != NULL) rp__buf_printf(msg, "not sent: %s is not in [advisors]", who);
    return r;
  }
  return reply_like(d, t, who, role, id, text, coded, 0, files, msg);
}

int rp__ibx_send_autoreply(rp__ibx_daemon *d, const rp__ibx_thread *t) {
  char text[512];
  int r;
  pthread_mutex_lock(&d->mu);
  snprintf(text, sizeof text,
           "Automatisk svar: Rejseholdet har modtaget henvendelsen uden for åbningstid. "
           "Er der fare nu, ring 112. Politiet: 114. Socialvagten: %s. "
           "Henvendelsen behandles, så snart Rejseholdet åbner.",
           d->cfg.socialvagt);
  pthread_mutex_unlock(&d->mu);
  /* The receive path and the periodic check (a reply missed across a crash) may both
   * get here for one request: whoever sets the flag first sends, the other does not. A
   * failed send clears it again so that the periodic check retries. */
  if (rp__ibx_store_set_flag(d->st, t->thread_id, "autoreplied", 1) != 0) return 0;
  r = reply_like(d, t, "inboxd", "andet", "vagt", text, NULL, 1, NULL, NULL);
  if (r == 0) {
    rp__log_warn("event=akut_out_of_hours thread=%s auto_reply=sent", t->thread_id);
    rp__ibx_audit_action(d, "inboxd", "auto_reply", t->thread_id);
  } else {
    rp__ibx_store_set_flag(d->st, t->thread_id, "autoreplied", 0);
    rp__log_error("event=akut_out_of_hours thread=%s auto_reply=failed error=%s",
                  t->thread_id, rp_err_name(r));
  }
  return r;
}

int rp__ibx_send_msg(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                     const char *ref, rp_msg *m, char msg_id[RP_ID_STRLEN]) {
  rp__payload_kind kind = 0;
  out_msg o = {t->thread_id, t->peer, who, ref, 0, 0, NULL, NULL, NULL};
  int r;
  if ((r = rp__payload_kind_from_name(rp_msg_kind(m), &kind)) != 0) return r;
  o.kind = (int)kind;
  if ((r = rp_msg_set_thread(m, t->thread_id)) == 0 &&
      (r = rp_msg_set_recipient(m, t->peer)) == 0)
    r = send_keep(d, m, &o, msg_id);
  return r;
}

int rp__ibx_send_ask(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                     const char *text, rp__buf *msg) {
  rp_msg *m = NULL;
  char msg_id[RP_ID_STRLEN];
  out_msg o = {t->thread_id, t->peer, who, t->first_msg, RP__PL_INFO_REQUEST, 0,
               NULL,         NULL,    NULL};
  int r;
  if ((r = rp_msg_new("info_request", &m)) == 0 &&
      (r = rp_msg_set_thread(m, t->thread_id)) == 0 &&
      (r = rp_msg_set_recipient(m, t->peer)) == 0 &&
      (r = rp_msg_set_hex(m, "in_reply_to", t->first_msg)) == 0 &&
      (r = rp_msg_set_text(m, "questions", text)) == 0)
    r = send_keep(d, m, &o, msg_id);
  if (msg != NULL) {
    if (r == 0)
      rp__buf_printf(msg, "question %s sent", msg_id);
    else
      rp__buf_printf(msg, "not sent: %s", rp_strerror(r));
  }
  rp_msg_free(m);
  return r;
}

int rp__ibx_send_closure(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who,
                         int outcome, rp__buf *msg) {
  const char *name = rp__payload_enum_outcome.names[outcome - 1];
  rp_msg *m = NULL;
  char msg_id[RP_ID_STRLEN];
  out_msg o = {t->thread_id, t->peer, who, NULL, RP__PL_CLOSURE, 0, NULL, NULL, NULL};
  int r;
  if ((r = rp_msg_new("closure", &m)) == 0 &&
      (r = rp_msg_set_thread(m, t->thread_id)) == 0 &&
      (r = rp_msg_set_recipient(m, t->peer)) == 0 &&
      (r = rp_msg_set_enum(m, "outcome", name)) == 0)
    r = send_keep(d, m, &o, msg_id);
  if (msg != NULL) {
    if (r == 0)
      rp__buf_printf(msg, "closed (%s); closure %s sent", name, msg_id);
    else
      rp__buf_printf(msg, "not sent: %s", rp_strerror(r));
  }
  rp_msg_free(m);
  return r;
}

typedef struct net_members {
  unsigned bit; /* RP_MEMBER_NET_* */
  char (*ids)[RP_MEMBER_ID_MAX + 1];
  unsigned n, cap;
} net_members;

static int net_member(void *data, const char *id, const char *kind, const char *code,
                      unsigned networks) {
  net_members *m = data;
  (void)code;
  if (strcmp(kind, "municipality") == 0 && (networks & m->bit) && m->n < m->cap)
    snprintf(m->ids[m->n++], RP_MEMBER_ID_MAX + 1, "%s", id);
  return 0;
}

/* The active municipality members of a network in the client library's roster (the one
 * rp_send checks recipients against), copied so that its lock is not held while
 * sending. */
static unsigned network_members(rp__ibx_daemon *d, unsigned bit,
                                char (*ids)[RP_MEMBER_ID_MAX + 1], unsigned cap) {
  net_members m = {bit, ids, 0, cap};
  rp_client_members(d->client, net_member, &m);
  return m.n;
}

static int announce_one(rp__ibx_daemon *d, const char *who, const char *to,
                        const rp__ibx_announcement *a) {
  const char *net = rp__payload_enum_network.names[a->network - 1];
  uint8_t tid[16];
  char thread[33], msg_id[RP_ID_STRLEN];
  rp_msg *m = NULL;
  out_msg o = {thread, to, who, NULL, RP__PL_NETWORK_ANNOUNCEMENT, 0, NULL, NULL, NULL};
  int r;
  /* A thread of its own per member, so each registration lands beside its envelope. */
  randombytes_buf(tid, sizeof tid);
  sodium_bin2hex(thread, sizeof thread, tid, sizeof tid);
  if ((r = rp_msg_new("network_announcement", &m)) == 0 &&
      (r = rp_msg_set_thread(m, thread)) == 0 && (r = rp_msg_set_recipient(m, to)) == 0 &&
      (r = rp_msg_set_enum(m, "network", net)) == 0 &&
      (r = rp_msg_set_text(m, "event_on", a->event_on)) == 0 &&
      (r = rp_msg_set_text(m, "host_org", a->host_org)) == 0 &&
      (r = rp_msg_set_text(m, "title", a->title)) == 0 &&
      (r = rp_msg_set_text(m, "programme", a->programme)) == 0 &&
      (r = rp_msg_set_text(m, "registration_deadline", a->deadline)) == 0)
    r = send_keep(d, m, &o, msg_id);
  rp_msg_free(m);
  return r;
}

int rp__ibx_send_announce(rp__ibx_daemon *d, const char *who, const rp__ibx_announcement *a,
                          unsigned *sent, rp__buf *msg) {
  static char ids[RP_ROSTER_MEMBERS_MAX][RP_MEMBER_ID_MAX + 1];
  unsigned bit = a->network == RP__NET_OEST ? RP_MEMBER_NET_EAST : RP_MEMBER_NET_WEST;
  unsigned n = network_members(d, bit, ids, RP_ROSTER_MEMBERS_MAX), failed = 0;
  int r = 0, first_err = 0;
  *sent = 0;
  /* ids is static: announcements run on the main thread only. */
  if (n == 0) {
    rp__buf_puts(msg, "the network has no active members in the roster");
    return RP_ENOTFOUND;
  }
  for (unsigned i = 0; i < n; i++) {
    if ((r = announce_one(d, who, ids[i], a)) == 0)
      (*sent)++;
    else if (failed++ == 0)
      first_err = r;
  }
  rp__buf_printf(msg, "announcement sent to %u member%s of the %s network", *sent,
                 *sent == 1 ? "" : "s", rp__payload_enum_network.names[a->network - 1]);
  if (failed > 0) rp__buf_printf(msg, "; %u not sent (%s)", failed, rp_strerror(first_err));
  rp__log_info("event=announced network=%s sent=%u failed=%u",
               rp__payload_enum_network.names[a->network - 1], *sent, failed);
  return *sent > 0 ? 0 : first_err;
}

/* The thread's urgency and deadline, when it has them, on an assignment or escalation. */
static int set_clock_fields(rp_msg *m, const rp__ibx_thread *t, const char *urg_field) {
  int r = 0;
  if (urg_field != NULL && t->urgency != 0)
    r = rp_msg_set_enum(m, urg_field, rp__ibx_urgency_name(t->urgency));
  if (r == 0 && t->deadline != 0) r = rp_msg_set_uint(m, "deadline", t->deadline);
  return r;
}

int rp__ibx_send_assignment(rp__ibx_daemon *d, const rp__ibx_thread *t, const char *who) {
  char role[32], id[65], msg_id[RP_ID_STRLEN];
  rp_msg *m = NULL;
  out_msg o = {t->thread_id, t->peer, who, t->first_msg, RP__PL_ASSIGNMENT, 0,
               NULL,         NULL,    NULL};
  int r;
  if ((r = rp__ibx_advisor_of(d, who, role, id)) != 0) return r;
  if ((r = rp_msg_new("assignment", &m)) == 0 &&
      (r = rp_msg_set_thread(m, t->thread_id)) == 0 &&
      (r = rp_msg_set_recipient(m, t->peer)) == 0 &&
      (r = rp_msg_set_hex(m, "about", t->first_msg)) == 0 &&
      (r = rp_msg_set_enum(m, "advisor.role", role)) == 0 &&
      (r = rp_msg_set_text(m, "advisor.id", id)) == 0 &&
      (r = set_clock_fields(m, t, "urgency")) == 0)
    r = send_keep(d, m, &o, msg_id);
  rp_msg_free(m);
  return r;
}

int rp__ibx_send_escalation(rp__ibx_daemon *d, const rp__ibx_thread *t) {
  char msg_id[RP_ID_STRLEN];
  rp_msg *m = NULL;
  out_msg o = {t->thread_id, t->peer, "inboxd", t->first_msg, RP__PL_ESCALATION, 0,
               NULL,         NULL,    NULL};
  int r;
  if ((r = rp_msg_new("escalation", &m)) == 0 &&
      (r = rp_msg_set_thread(m, t->thread_id)) == 0 &&
      (r = rp_msg_set_recipient(m, t->peer)) == 0 &&
      (r = rp_msg_set_hex(m, "about", t->first_msg)) == 0 &&
      (r = rp_msg_set_enum(m, "reason", "frist_overskredet")) == 0 &&
      (r = set_clock_fields(m, t, NULL)) == 0)
    r = send_keep(d, m, &o, msg_id);
  rp_msg_free(m);
  return r;
}
