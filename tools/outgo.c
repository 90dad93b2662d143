/* SPDX-License-Identifier: MIT */
/* The municipality's workflow commands' shared parts (outgo.h). */
#include "outgo.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "state.h"

/* Whether `name` is in the space-terminated list `allowed`. */
static int allowed_has(const char *allowed, const char *name) {
  size_t n = strlen(name);
  for (const char *p = allowed; (p = strstr(p, name)) != NULL; p += n)
    if ((p == allowed || p[-1] == ' ') && p[n] == ' ') return 1;
  return 0;
}

static int small_number(const char *s, int lo, int hi, int *out) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  if (s[0] < '0' || s[0] > '9' || *end != 0 || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

int tl_flow_parse(int argc, char **argv, const char *allowed, int need_id,
                  tl_flow_args *a) {
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {"text", required_argument, NULL, 't'},
                                       {"text-file", required_argument, NULL, 'T'},
                                       {"urgency", required_argument, NULL, 'u'},
                                       {"reason", required_argument, NULL, 'r'},
                                       {"by", required_argument, NULL, 'b'},
                                       {"note", required_argument, NULL, 'n'},
                                       {"plan", required_argument, NULL, 'p'},
                                       {"wanted-by", required_argument, NULL, 'W'},
                                       {"role", required_argument, NULL, 'R'},
                                       {"attach", required_argument, NULL, 'A'},
                                       {"slot", required_argument, NULL, 'S'},
                                       {"participants", required_argument, NULL, 'P'},
                                       {"decline", no_argument, NULL, 'D'},
                                       {"question", required_argument, NULL, 'q'},
                                       {NULL, 0, NULL, 0}};
  int c, idx = 0;
  memset(a, 0, sizeof *a);
  a->wait_s = 5;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
    if (c == '?' || c == ':' ||
        (c != 's' && c != 'w' && !allowed_has(allowed, opts[idx].name)))
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    switch (c) {
    case 's':
      a->state = optarg;
      break;
    case 'w':
      if (tl_seconds_parse(optarg, 600, &a->wait_s) != 0)
        return tl_usage(argv[0], "--wait: 0 to 600 seconds");
      break;
    case 't':
    case 'q':
      a->text = optarg;
      break;
    case 'T':
      a->text_file = optarg;
      break;
    case 'u':
      a->urgency = optarg;
      break;
    case 'r':
      a->reason = optarg;
      break;
    case 'b':
      a->by = optarg;
      break;
    case 'n':
      a->note = optarg;
      break;
    case 'p':
      a->plan = optarg;
      break;
    case 'W':
      a->wanted_by = optarg;
      break;
    case 'R':
      if (a->nroles == TL_FLOW_ROLES_MAX) return tl_usage(argv[0], "too many --role");
      a->roles[a->nroles++] = optarg;
      break;
    case 'A':
      if (a->nattach == TL_FLOW_ATTACH_MAX)
        return tl_usage(argv[0], "at most %d --attach", TL_FLOW_ATTACH_MAX);
      a->attach[a->nattach++] = optarg;
      break;
    case 'S':
      if (small_number(optarg, 1, 8, &a->slot) != 0)
        return tl_usage(argv[0], "--slot: the slot's number, 1 to 8");
      break;
    case 'P':
      if (small_number(optarg, 1, 20, &a->participants) != 0)
        return tl_usage(argv[0], "--participants: 1 to 20");
      break;
    case 'D':
      a->decline = 1;
      break;
    default:
      return tl_usage(argv[0], "unknown option: %s", argv[optind - 1]);
    }
  }
  if (need_id && optind < argc) a->id = argv[optind++];
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if (need_id && a->id == NULL) return tl_usage(argv[0], "give the message id");
  if ((a->state = tl_state_arg(a->state)) == NULL)
    return tl_usage(argv[0], "--state DIR is required (or set REJSEPOST_STATE)");
  if (a->text != NULL && a->text_file != NULL)
    return tl_usage(argv[0], "give the text once: --text or --text-file");
  return TL_OK;
}

int tl_flow_text(const tl_flow_args *a, size_t max, const char **out, char **owned) {
  uint8_t *buf = NULL;
  size_t len = 0;
  *out = a->text;
  *owned = NULL;
  if (a->text_file == NULL) return TL_OK;
  if (rp__file_read(a->text_file, max, &buf, &len) != 0)
    return tl_fail("cannot read the text from %s (at most %zu bytes)", a->text_file, max);
  /* A file's last newline is not part of the text. */
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  if ((*owned = malloc(len + 1)) == NULL) {
    free(buf);
    return tl_fail("out of memory");
  }
  if (len > 0) memcpy(*owned, buf, len);
  (*owned)[len] = 0;
  free(buf);
  *out = *owned;
  return TL_OK;
}

typedef struct sent_find {
  const char *prefix;
  char id[RP_ID_STRLEN], thread[RP_ID_STRLEN], kind[32];
  int hits;
} sent_find;

static int sent_one(void *data, const char *msg_id, const char *kind, const char *thread_id,
                    const char *recipient, int status, uint64_t queued_at) {
  sent_find *f = data;
  (void)recipient;
  (void)status;
  (void)queued_at;
  if (strncmp(msg_id, f->prefix, strlen(f->prefix)) != 0) return 0;
  if (f->hits++ == 0) {
    snprintf(f->id, sizeof f->id, "%s", msg_id);
    snprintf(f->thread, sizeof f->thread, "%s", thread_id);
    snprintf(f->kind, sizeof f->kind, "%s", kind);
  }
  return 0;
}

int tl_find_sent(rp_client *c, const char *id, char msg_id[RP_ID_STRLEN],
                 char thread[RP_ID_STRLEN], char *kind, size_t kind_cap) {
  sent_find f;
  memset(&f, 0, sizeof f);
  f.prefix = id;
  if (id[0] == 0) return tl_fail("no message id given");
  rp_outbox_foreach(c, sent_one, &f);
  if (f.hits == 0) return tl_fail("no sent message %s: 'rejsepost status' lists them", id);
  if (f.hits > 1)
    return tl_fail("%s matches %d sent messages: give more digits", id, f.hits);
  snprintf(msg_id, RP_ID_STRLEN, "%s", f.id);
  snprintf(thread, RP_ID_STRLEN, "%s", f.thread);
  if (kind != NULL) snprintf(kind, kind_cap, "%s", f.kind);
  return 0;
}

int tl_flow_field_fail(rp_msg *m, int rc) {
  const char *text = m != NULL ? rp_msg_error_text(m) : NULL;
  const char *field = m != NULL ? rp_msg_error_field(m) : NULL;
  if (text != NULL) return tl_fail("not sent: %s. Nothing was stored or sent", text);
  return tl_fail("not sent: %s%s%s. Nothing was stored or sent", rp_strerror(rc),
                 field ? ": field " : "", field ? field : "");
}

int tl_flow_send(rp_client *c, rp_msg *m, int wait_s, char id_out[RP_ID_STRLEN]) {
  char id[RP_ID_STRLEN];
  int rc, st = 0;
  if ((rc = rp_send(c, m, id)) != 0) {
    if (rc == RP_ECPR)
      return tl_fail("refused: the field '%s' holds a CPR number (at byte %zu). Remove "
                     "it. Nothing was stored or sent",
                     rp_msg_error_field(m) ? rp_msg_error_field(m) : "?",
                     rp_msg_error_offset(m));
    return tl_flow_field_fail(m, rc);
  }
  printf("%s\n", id);
  fflush(stdout);
  if (id_out != NULL) snprintf(id_out, RP_ID_STRLEN, "%s", id);
  if (wait_s > 0 && rp_client_flush(c, wait_s * 1000) == 0 &&
      rp_status(c, id, &st, NULL) == 0)
    fprintf(stderr, "%s: %s\n", tl_prog, rp_status_name(st));
  else
    fprintf(stderr,
            "%s: queued; it goes to the relay with the next rejsepost command "
            "(e.g. 'rejsepost status') once the relay is reachable\n",
            tl_prog);
  return TL_OK;
}

int tl_flow_answer(rp_client *c, rp_msg *m, const rp_received *r, int wait_s) {
  int rc;
  if ((rc = rp_msg_set_thread(m, rp_received_thread_id(r))) != 0 ||
      (rc = rp_msg_set_recipient(m, rp_received_sender(r))) != 0)
    return tl_flow_field_fail(m, rc);
  if (tl_flow_send(c, m, wait_s, NULL) != TL_OK) return TL_FAIL;
  rp_inbox_mark_handled(c, rp_received_msg_id(r));
  return TL_OK;
}
