/* SPDX-License-Identifier: MIT */
/*
 * The advisor actions: one request in, one response out, one audit line per action
 * (who, when, which thread, which action; never content). The request is untrusted
 * input from a local user: it is decoded strictly and a bad one only drops that
 * connection.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibx_act.h"
#include "ibx_front.h"
#include "log.h"
#include "ibx_render.h"
#include "ibx_sock.h"
#include "payload.h"

typedef rp__ibx_act act;

/* The request's text fields as C strings (bounded copies; caller frees). */
static char *cstr(rp__str s) {
  char *p = malloc((size_t)s.n + 1);
  if (p != NULL) {
    if (s.n > 0) memcpy(p, s.p, s.n);
    p[s.n] = 0;
  }
  return p;
}

/* "ambiguous thread prefix ...": the candidates with as many digits as tell them apart
 * (at least as many as a listing shows). */
static void ambiguous(act *a, char (*cand)[RP_IBX_ID_STRLEN], unsigned n) {
  unsigned len = RP_IBX_SHORT_ID_MIN,
           shown = n < RP_IBX_PREFIX_CANDIDATES ? n : RP_IBX_PREFIX_CANDIDATES;
  for (unsigned i = 1; i < shown; i++) {
    unsigned c = 0;
    while (c < 32 && cand[i][c] == cand[i - 1][c])
      c++;
    if (c + 1 > len) len = c + 1 > 32 ? 32 : c + 1;
  }
  rp__buf_printf(&a->msg, "ambiguous thread prefix %s: it matches", a->thread);
  for (unsigned i = 0; i < shown; i++)
    rp__buf_printf(&a->msg, "%s %.*s", i > 0 ? "," : "", (int)len, cand[i]);
  rp__buf_printf(&a->msg, "%s; type more digits",
                 n > RP_IBX_PREFIX_CANDIDATES ? " and more" : "");
}

int rp__ibx_act_thread(act *a, rp__ibx_thread *t) {
  char full[RP_IBX_ID_STRLEN], cand[RP_IBX_PREFIX_CANDIDATES][RP_IBX_ID_STRLEN];
  unsigned n = 0;
  int r;
  if (a->thread[0] == 0) {
    rp__buf_puts(&a->msg, "a thread id is required");
    return RP_EMISSING;
  }
  /* A unique prefix, as in git; from here on (and in the audit log) the whole id. */
  r = rp__ibx_store_resolve(a->d->st, a->thread, full, cand, &n);
  if (r == RP_EEXIST) {
    ambiguous(a, cand, n);
    return RP_EINVAL;
  }
  if (r == 0) {
    memcpy(a->thread, full, sizeof full);
    r = rp__ibx_store_thread(a->d->st, a->thread, t);
  }
  if (r == RP_ENOTFOUND) rp__buf_puts(&a->msg, "no such thread");
  return r;
}

typedef struct net_peers {
  unsigned bit;
  json_t *ids;
} net_peers;

static int net_member(void *data, const char *id, const char *kind, const char *code,
                      unsigned networks) {
  net_peers *n = data;
  (void)code;
  if (strcmp(kind, "municipality") == 0 && (networks & n->bit) != 0)
    json_array_append_new(n->ids, json_string(id));
  return 0;
}

static int do_list(act *a) {
  char mun[4] = {0}, *peers = NULL;
  rp__ibx_filter f = {.state = a->req->state,
                      .municipality = mun,
                      .urgency = a->req->urgency,
                      .all = a->req->all};
  if (a->req->municipality.n > 0)
    memcpy(mun, a->req->municipality.p, a->req->municipality.n);
  if (a->req->category != 0) f.category_bit = 1ull << (a->req->category - 1);
  /* A network's threads: those whose municipality is its member in the roster now (one
   * in both networks counts in each). */
  if (a->req->network != 0) {
    net_peers n = {a->req->network == RP__NET_OEST ? RP_MEMBER_NET_EAST
                                                   : RP_MEMBER_NET_WEST,
                   json_array()};
    if (n.ids != NULL) rp_client_members(a->d->client, net_member, &n);
    peers = n.ids != NULL ? json_dumps(n.ids, JSON_COMPACT) : NULL;
    json_decref(n.ids);
    if (peers == NULL) return RP_ENOMEM;
    f.peers = peers;
  }
  int r = rp__ibx_render_list(a->d->st, &f, rp__ibx_now(a->d), &a->text, &a->json);
  free(peers);
  /* Akut first, then by deadline: what is cut off is the least urgent, and it is said. */
  if (r == RP_ETOOBIG) {
    rp__buf_printf(
        &a->msg,
        "more than %u threads match: only the first %u are shown; "
        "narrow with --state, --urgency, --municipality, --network or --category",
        RP_IBX_LIST_MAX, RP_IBX_LIST_MAX);
    r = 0;
  }
  return r;
}

static int do_show(act *a, int is_export) {
  rp__ibx_thread t;
  int first = 0, r = rp__ibx_act_thread(a, &t);
  if (r != 0) return r;
  if (!is_export &&
      (r = rp__ibx_store_opened(a->d->st, a->thread, rp__ibx_now(a->d), &first)) != 0)
    return r;
  /* The first opening tells the municipality its request was opened. */
  if (first && (r = rp_send_opened(a->d->client, t.first_msg)) != 0)
    rp__log_warn("event=opened_receipt_failed thread=%s error=%s", a->thread,
                 rp_err_name(r));
  r = rp__ibx_render_thread(a->d->st, a->d->client, a->thread, rp__ibx_now(a->d),
                            rp__ibx_retention_ms(a->d), &a->text, &a->json);
  if (r == RP_ETOOBIG) {
    rp__buf_printf(&a->msg,
                   "the thread has more than %u messages: only the first %u "
                   "are shown",
                   RP_IBX_THREAD_MSGS_MAX, RP_IBX_THREAD_MSGS_MAX);
    r = 0;
  }
  return r;
}

static int do_answer(act *a) {
  rp__ibx_thread t;
  char *text;
  rp__ibx_coded coded;
  int r = rp__ibx_act_writable(a, &t), ask = a->req->action == RP_IBX_A_ASK;
  if (r != 0) return r;
  if (a->req->text.n == 0) {
    rp__buf_puts(&a->msg, "the text is empty");
    return RP_EMISSING;
  }
  if ((a->nfds > 0 || a->req->attach.n > 0) && ask) {
    rp__buf_puts(&a->msg, "attachments go with a reply");
    return RP_EINVAL;
  }
  if (!ask && (r = rp__ibx_coded_check(a, &coded)) != 0) return r;
  if ((text = cstr(a->req->text)) == NULL) return RP_ENOMEM;
  char *spec = cstr(a->req->attach);
  rp__ibx_files files = {a->fds, a->nfds, spec};
  if (spec == NULL)
    r = RP_ENOMEM;
  else
    r = ask ? rp__ibx_send_ask(a->d, &t, a->who, text, &a->msg)
            : rp__ibx_send_reply(a->d, &t, a->who, text, &coded, &files, &a->msg);
  free(spec);
  sodium_memzero(text, a->req->text.n);
  free(text);
  if (r == 0)
    r = rp__ibx_store_answered(a->d->st, a->thread,
                               ask ? RP_IBX_ST_WAITING : RP_IBX_ST_ANSWERED,
                               rp__ibx_now(a->d));
  return r;
}

static int do_close(act *a) {
  rp__ibx_thread t;
  int r = rp__ibx_act_thread(a, &t);
  if (r != 0) return r;
  if ((r = rp__ibx_act_consent_ok(a, &t)) != 0) return r;
  if (a->req->outcome == 0) {
    rp__buf_puts(&a->msg, "an outcome code is required");
    return RP_EMISSING;
  }
  if (t.state == RP_IBX_ST_CLOSED) {
    rp__buf_puts(&a->msg, "the thread is already closed");
    return RP_ESTATE;
  }
  if ((r = rp__ibx_act_holder_ok(a, &t)) != 0) return r;
  if ((r = rp__ibx_send_closure(a->d, &t, a->who, a->req->outcome, &a->msg)) != 0) return r;
  return rp__ibx_store_close_thread(a->d->st, a->thread, a->req->outcome,
                                    rp__ibx_now(a->d));
}

static int do_announce(act *a) {
  const rp__ibx_req *q = a->req;
  char *f[5] = {cstr(q->event_on), cstr(q->host_org), cstr(q->title), cstr(q->text),
                cstr(q->reg_deadline)};
  rp__ibx_announcement an = {q->network, f[0], f[1], f[2], f[3], f[4]};
  unsigned sent = 0;
  int r = RP_ENOMEM;
  if (q->network == 0 || q->event_on.n == 0 || q->host_org.n == 0 || q->title.n == 0 ||
      q->text.n == 0 || q->reg_deadline.n == 0) {
    rp__buf_puts(&a->msg,
                 "network, date, host, title, deadline and programme are required");
    r = RP_EMISSING;
  } else if (f[0] && f[1] && f[2] && f[3] && f[4]) {
    r = rp__ibx_send_announce(a->d, a->who, &an, &sent, &a->msg);
  }
  for (int i = 0; i < 5; i++)
    free(f[i]);
  return r;
}

static int do_verify(act *a) {
  rp__ibx_audit_head h = {0};
  uint8_t buf[40];
  size_t n = 0;
  uint64_t lines = 0, bad = 0;
  int r;
  if (rp__ibx_store_meta_get(a->d->st, RP_IBX_META_AUDIT_HEAD, buf, sizeof buf, &n) == 0 &&
      n == sizeof buf) {
    for (int i = 0; i < 8; i++)
      h.seq = (h.seq << 8) | buf[i];
    memcpy(h.hash, buf + 8, 32);
  }
  r = rp__ibx_audit_verify(a->d->cfg.audit_log, h.seq > 0 ? &h : NULL, &lines, &bad);
  if (r == 0)
    rp__buf_printf(&a->msg, "audit log intact: %llu lines, chain and head verified",
                   (unsigned long long)lines);
  else if (r == RP_EAUTH)
    rp__buf_printf(&a->msg, "audit log TAMPERED: the chain breaks at line %llu",
                   (unsigned long long)bad);
  return r;
}

/* Whether an action sends something to a municipality in an advisor's name or changes
 * who holds a thread. Reading (list, show, export, registrations, audit-verify) is open
 * to everyone who can open the socket (the team's group). */
static int acts(int action) {
  return action == RP_IBX_A_CLAIM || action == RP_IBX_A_REPLY || action == RP_IBX_A_ASK ||
         action == RP_IBX_A_CLOSE || action == RP_IBX_A_ANNOUNCE ||
         action == RP_IBX_A_ASSIGN || action == RP_IBX_A_RECALL ||
         action == RP_IBX_A_MEETING_PROPOSE || action == RP_IBX_A_MEETING_CONFIRM ||
         action == RP_IBX_A_MEETING_CANCEL;
}

/* Only advisors listed in [advisors] act: what goes to a municipality carries their
 * role and pseudonym from there, never the Unix login (often a real name, where
 * advisors hide surnames for their safety). */
static int may_act(act *a) {
  if (rp__ibx_act_listed(a, a->who)) return 0;
  rp__buf_printf(&a->msg,
                 "refused: %s is not in [advisors] of the inbox configuration, "
                 "so nothing can be sent under a pseudonym; ask the administrator to add "
                 "you ('%s = role:pseudonym') and reload the daemon (reading is allowed)",
                 a->who, a->who);
  return RP_EPERM;
}

static int dispatch(act *a) {
  if (acts(a->req->action) && may_act(a) != 0) return RP_EPERM;
  switch (a->req->action) {
  case RP_IBX_A_LIST:
    return do_list(a);
  case RP_IBX_A_SHOW:
    return do_show(a, 0);
  case RP_IBX_A_EXPORT:
    return do_show(a, 1);
  case RP_IBX_A_CLAIM:
    return rp__ibx_do_claim(a);
  case RP_IBX_A_ASSIGN:
    return rp__ibx_do_assign(a);
  case RP_IBX_A_REPLY:
  case RP_IBX_A_ASK:
    return do_answer(a);
  case RP_IBX_A_CLOSE:
    return do_close(a);
  case RP_IBX_A_ANNOUNCE:
    return do_announce(a);
  case RP_IBX_A_REGISTRATIONS:
    return rp__ibx_render_registrations(a->d->st, &a->text, &a->json);
  case RP_IBX_A_AUDIT_VERIFY:
    return do_verify(a);
  case RP_IBX_A_SAVE:
    return rp__ibx_do_save(a);
  case RP_IBX_A_WEB_EVENT:
    return rp__ibx_do_web_event(a);
  case RP_IBX_A_RECALL:
    return rp__ibx_do_recall(a);
  case RP_IBX_A_MEETING_PROPOSE:
  case RP_IBX_A_MEETING_CONFIRM:
  case RP_IBX_A_MEETING_CANCEL:
    return rp__ibx_do_meeting(a);
  case RP_IBX_A_STATS:
    return rp__ibx_do_stats(a);
  case RP_IBX_A_CHANGES:
    rp__buf_printf(&a->json, "{\"changes\":%llu}",
                   (unsigned long long)rp__ibx_store_changes(a->d->st));
    return 0;
  default:
    return RP_EINVAL;
  }
}

static void respond(int fd, act *a, int err) {
  rp__ibx_resp rs;
  uint8_t *out = NULL;
  size_t len = 0;
  memset(&rs, 0, sizeof rs);
  rs.version = RP_SCHEMA_VERSION;
  rs.error = err < 0 ? (uint64_t)-err : 0;
  if (err != 0 && a->msg.len == 0) rp__buf_puts(&a->msg, rp_strerror(err));
  if (a->text.overflow || a->json.overflow) {
    rs.error = (uint64_t)-RP_ETOOBIG;
    rp__buf_free(&a->msg);
    rp__buf_init(&a->msg, 1024);
    rp__buf_puts(&a->msg, "the answer is too large");
  }
  rs.message = (rp__str){(const char *)a->msg.p, (uint32_t)a->msg.len};
  if (rs.error == 0) {
    rs.text = (rp__str){(const char *)a->text.p, (uint32_t)a->text.len};
    rs.json = (rp__str){(const char *)a->json.p, (uint32_t)a->json.len};
  }
  if (rs.error == 0 && a->saving) {
    rs.name = rp__str_c(a->save.name);
    rs.size = a->save.size;
    rs.sha256 = rp__str_c(a->save.sha256);
  }
  /* A client that does not read its answer holds the daemon at most this long. */
  if (rp__ibx_resp_encode(&rs, &out, &len) == 0 &&
      rp__ibx_sock_write_frame_within(fd, out, len, RP_IBX_SOCK_TIMEOUT_MS) != 0)
    rp__log_warn("event=advisor_dropped error=%s phase=answer", rp_err_name(RP_ETIMEDOUT));
  if (out != NULL) {
    sodium_memzero(out, len);
    free(out);
  }
}

void rp__ibx_serve_request(rp__ibx_daemon *d, int fd, const char *peer, const uint8_t *buf,
                           size_t len, int *fds, unsigned nfds) {
  char who[RP_IBX_WHO_MAX + 1];
  rp__ibx_req req;
  const char *where = NULL;
  act a = {.d = d, .who = who, .req = &req, .fds = fds, .nfds = nfds};
  int r;
  snprintf(who, sizeof who, "%s", peer);
  rp__buf_init(&a.msg, 1024);
  rp__buf_init(&a.text, RP_IBX_RESP_MAX / 2 - 64);
  rp__buf_init(&a.json, RP_IBX_RESP_MAX / 2 - 64);
  if ((r = rp__ibx_req_decode(buf, len, &req, &where)) != 0) {
    rp__log_warn("event=advisor_bad_request who=%s error=%s field=%s", who, rp_err_name(r),
                 where != NULL ? where : "-");
    rp__buf_printf(&a.msg, "bad request (%s%s%s)", rp_strerror(r), where ? " at " : "",
                   where ? where : "");
    respond(fd, &a, r);
  } else {
    if (req.thread.n > 0) memcpy(a.thread, req.thread.p, req.thread.n);
    a.thread[req.thread.n] = 0;
    /* A front end acting for an advisor (ibx_front.h): from here on who is the advisor. */
    if (req.as.n > 0 || req.action == RP_IBX_A_WEB_EVENT || req.action == RP_IBX_A_CHANGES)
      r = rp__ibx_front_check(&a, who);
    else
      r = 0;
    if (r == 0) r = dispatch(&a);
    /* A front end asks for the change count every few seconds while a browser waits for
     * live updates: a number without content, who or thread, so it is neither audited
     * nor logged (it would bury the lines that matter). Its refusals are. */
    if (req.action == RP_IBX_A_CHANGES && r == 0) {
      respond(fd, &a, r);
      goto out;
    }
    rp__ibx_audit_action_via(
        d, who, a.audit_as != NULL ? a.audit_as : rp__ibx_action_name(req.action),
        a.thread[0] ? a.thread : NULL, a.audit_key != NULL ? a.audit_key : "to",
        a.audit_to[0] ? a.audit_to : NULL, a.via);
    rp__log_info("event=advisor_action who=%s action=%s thread=%s via=%s result=%s", who,
                 rp__ibx_action_name(req.action), a.thread[0] ? a.thread : "-",
                 a.via != NULL ? a.via : "socket", r == 0 ? "ok" : rp_err_name(r));
    respond(fd, &a, r);
    if (r == 0 && a.saving) rp__ibx_save_stream(&a, fd);
  }
out:
  rp__buf_free(&a.msg);
  rp__buf_free(&a.text);
  rp__buf_free(&a.json);
}
