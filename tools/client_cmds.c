/* SPDX-License-Identifier: MIT */
/* rejsepost setup | status | inbox | read | mark: a municipality's state folder, on the
 * client library's public API only. 'send' is in client_send.c. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "client_cmd.h"

#define SYNC_MS_DEFAULT 3000

const char *tl_state_arg(const char *opt) {
  const char *env = getenv("REJSEPOST_STATE");
  return opt != NULL ? opt : env != NULL && env[0] != '\0' ? env : NULL;
}

/* An absolute form of a path for the settings file (commands may run elsewhere). */
static int absolute(const char *path, char *out) {
  if (realpath(path, out) != NULL) return 0;
  return tl_fail("cannot find %s: %s", path, strerror(errno));
}

int tl_cmd_setup(int argc, char **argv) {
  static const struct option opts[] = {
      {"state", required_argument, NULL, 's'},   {"key", required_argument, NULL, 'k'},
      {"relay", required_argument, NULL, 'r'},   {"relay-key", required_argument, NULL, 'R'},
      {"admin-pub", required_argument, NULL, 'a'}, {"roster", required_argument, NULL, 'o'},
      {"passphrase-file", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
  const char *state = NULL, *key = NULL, *relay = NULL, *rkey = NULL, *admin = NULL,
             *roster = NULL, *pass = NULL;
  static tl_conf conf;
  int c, rc;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 's': state = optarg; break;
    case 'k': key = optarg; break;
    case 'r': relay = optarg; break;
    case 'R': rkey = optarg; break;
    case 'a': admin = optarg; break;
    case 'o': roster = optarg; break;
    case 'p': pass = optarg; break;
    default: return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    }
  }
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if ((state = tl_state_arg(state)) == NULL || key == NULL || relay == NULL ||
      rkey == NULL || admin == NULL || roster == NULL)
    return tl_usage(argv[0], "--state, --key, --relay, --relay-key, --admin-pub and "
                             "--roster are required");
  if (strchr(relay, ':') == NULL) return tl_usage(argv[0], "--relay must be HOST:PORT");
  if (mkdir(state, 0700) != 0 && errno != EEXIST)
    return tl_fail("cannot create %s: %s", state, strerror(errno));
  memset(&conf, 0, sizeof conf);
  if (absolute(key, conf.v[TL_CONF_KEY]) || absolute(admin, conf.v[TL_CONF_ADMIN]) ||
      absolute(roster, conf.v[TL_CONF_ROSTER]) ||
      (pass != NULL && absolute(pass, conf.v[TL_CONF_PASS])))
    return TL_FAIL;
  snprintf(conf.v[TL_CONF_RELAY], PATH_MAX, "%s", relay);
  snprintf(conf.v[TL_CONF_RELAY_KEY], PATH_MAX, "%s", rkey);
  if ((rc = tl_conf_write(state, &conf)) != 0)
    return tl_fail("cannot write the settings in %s", state);
  /* Opening once checks every setting now rather than at the first send. */
  rp_client *cl = NULL;
  if (tl_client_open(state, &cl) != TL_OK) return TL_FAIL;
  printf("state folder %s ready for member %s\n", state, rp_client_member_id(cl));
  rp_client_free(cl);
  return TL_OK;
}

/* Options of status/inbox/read/mark: --state, --wait; one optional positional. */
static int simple_parse(int argc, char **argv, const char **state, int *wait_ms,
                        const char **pos, int need_pos) {
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {NULL, 0, NULL, 0}};
  int c;
  *state = NULL;
  *pos = NULL;
  *wait_ms = SYNC_MS_DEFAULT;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') *state = optarg;
    else if (c == 'w') *wait_ms = atoi(optarg) * 1000; /* bounded below */
    else return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
  }
  if (*wait_ms < 0 || *wait_ms > 600000) return tl_usage(argv[0], "--wait: 0 to 600 seconds");
  if (optind < argc) *pos = argv[optind++];
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if (need_pos && *pos == NULL) return tl_usage(argv[0], "give the message id");
  if ((*state = tl_state_arg(*state)) == NULL)
    return tl_usage(argv[0], "--state DIR is required (or set REJSEPOST_STATE)");
  return TL_OK;
}

static rp_client *open_synced(const char *state, int wait_ms) {
  rp_client *c = NULL;
  if (tl_client_open(state, &c) != TL_OK) return NULL;
  if (wait_ms > 0 && tl_client_sync(c, wait_ms) != 0)
    fprintf(stderr, "%s: note: relay not reachable (%s); showing what is stored here\n",
            tl_prog, rp_strerror(rp_client_last_error(c)));
  return c;
}

#define OUTBOX_MAX 4096

typedef struct {
  char id[RP_ID_STRLEN], kind[24], to[RP_MEMBER_ID_MAX + 1];
} outbox_row;

typedef struct {
  outbox_row *rows;
  size_t n;
  const char *prefix;
} outbox_list;

static int collect(void *data, const char *msg_id, const char *kind, const char *thread_id,
                   const char *recipient, int status, uint64_t queued_at) {
  outbox_list *l = data;
  (void)thread_id;
  (void)status;
  (void)queued_at;
  if (l->prefix != NULL && strncmp(msg_id, l->prefix, strlen(l->prefix)) != 0) return 0;
  if (l->n >= OUTBOX_MAX) return 1;
  snprintf(l->rows[l->n].id, RP_ID_STRLEN, "%s", msg_id);
  snprintf(l->rows[l->n].kind, sizeof l->rows[l->n].kind, "%s", kind);
  snprintf(l->rows[l->n].to, sizeof l->rows[l->n].to, "%s", recipient);
  l->n++;
  return 0;
}

/* The steps in the order a message goes through them (the numbers are not that order:
 * auto_replied, the inbox's automatic out-of-hours reply, came later). */
static const int status_order[] = {RP_STATUS_QUEUED,       RP_STATUS_RELAYED,
                                   RP_STATUS_DELIVERED,    RP_STATUS_AUTO_REPLIED,
                                   RP_STATUS_OPENED,       RP_STATUS_ANSWERED,
                                   RP_STATUS_EXPIRED,      RP_STATUS_FAILED};

static void print_status_row(rp_client *c, const outbox_row *r) {
  int st = 0, err = 0;
  char t[32];
  rp_status(c, r->id, &st, &err);
  printf("%-32s %-20s %-14s %-12s", r->id, r->kind, r->to, rp_status_name(st));
  for (size_t i = 0; i < sizeof status_order / sizeof *status_order; i++) {
    uint64_t when = 0;
    if (rp_status_time(c, r->id, status_order[i], &when) == 0 && when != 0)
      printf(" %s %s", rp_status_name(status_order[i]), tl_time_text(when, t, sizeof t));
  }
  if (err != 0) printf(" (%s)", rp_strerror(err));
  printf("\n");
}

int tl_cmd_status(int argc, char **argv) {
  const char *state, *prefix;
  outbox_list l = {NULL, 0, NULL};
  rp_client *c;
  int rc, wait_ms;

  if ((rc = simple_parse(argc, argv, &state, &wait_ms, &prefix, 0)) != TL_OK) return rc;
  if ((c = open_synced(state, wait_ms)) == NULL) return TL_FAIL;
  l.prefix = prefix;
  if ((l.rows = calloc(OUTBOX_MAX, sizeof *l.rows)) == NULL) {
    rp_client_free(c);
    return tl_fail("out of memory");
  }
  rp_outbox_foreach(c, collect, &l);
  printf("%-32s %-20s %-14s %-12s %s\n", "MSGID", "KIND", "TO", "STATE", "TIMES");
  for (size_t i = 0; i < l.n; i++) print_status_row(c, &l.rows[i]);
  rc = prefix != NULL && l.n == 0 ? tl_fail("no sent message with id %s", prefix) : TL_OK;
  free(l.rows);
  rp_client_free(c);
  return rc;
}

static void print_received_line(const rp_received *r) {
  const char *urg = NULL, *reply_to = rp_received_in_reply_to(r);
  char t[32];
  rp_received_get_enum(r, "urgency", &urg);
  printf("%-32s %-22s %-14s %-7s %s%s%.8s\n", rp_received_msg_id(r), rp_received_kind(r),
         rp_received_sender(r), urg != NULL ? urg : "-",
         tl_time_text(rp_received_stored_at(r), t, sizeof t),
         reply_to != NULL ? "  re " : "", reply_to != NULL ? reply_to : "");
}

int tl_cmd_inbox(int argc, char **argv) {
  const char *state, *pos;
  rp_received *r = NULL;
  rp_client *c;
  int rc, wait_ms;
  size_t n = 0;

  if ((rc = simple_parse(argc, argv, &state, &wait_ms, &pos, 0)) != TL_OK) return rc;
  if (pos != NULL) return tl_usage(argv[0], "unexpected argument '%s'", pos);
  if ((c = open_synced(state, wait_ms)) == NULL) return TL_FAIL;
  printf("%-32s %-22s %-14s %-7s %s\n", "MSGID", "KIND", "FROM", "URGENCY", "STORED");
  while (rp_inbox_next(c, &r) == 0) {
    print_received_line(r);
    rp_received_free(r);
    n++;
  }
  printf("%zu message%s not yet marked handled\n", n, n == 1 ? "" : "s");
  rp_client_free(c);
  return TL_OK;
}

/* Finds an inbox message by full id, or by a unique prefix of an unhandled one. */
static int find_received(rp_client *c, const char *id, rp_received **out) {
  rp_received *r = NULL;
  int hits = 0;
  *out = NULL;
  if (strlen(id) == RP_ID_STRLEN - 1 && rp_inbox_get(c, id, out) == 0) return 0;
  while (rp_inbox_next(c, &r) == 0) {
    if (strncmp(rp_received_msg_id(r), id, strlen(id)) == 0 && hits++ == 0)
      rp_received_dup(r, out);
    rp_received_free(r);
  }
  if (hits == 1) return 0;
  rp_received_free(*out);
  *out = NULL;
  return hits == 0 ? tl_fail("no received message %s: 'rejsepost inbox' lists them", id)
                   : tl_fail("%s matches %d messages: give more digits", id, hits);
}

int tl_cmd_read(int argc, char **argv) {
  const char *state, *id, *re;
  rp_received *r = NULL;
  rp_client *c;
  char *json = NULL, t[32];
  int rc, wait_ms, st = 0;

  if ((rc = simple_parse(argc, argv, &state, &wait_ms, &id, 1)) != TL_OK) return rc;
  if ((c = open_synced(state, wait_ms)) == NULL) return TL_FAIL;
  if (find_received(c, id, &r) != 0) {
    rp_client_free(c);
    return TL_FAIL;
  }
  printf("message  %s (%s)\nfrom     %s\nthread   %s\nstored   %s\n", rp_received_msg_id(r),
         rp_received_kind(r), rp_received_sender(r), rp_received_thread_id(r),
         tl_time_text(rp_received_stored_at(r), t, sizeof t));
  if ((re = rp_received_in_reply_to(r)) != NULL)
    printf("answers  %s%s%s\n", re, rp_status(c, re, &st, NULL) == 0 ? " (your " : "",
           st != 0 ? "message, now answered)" : "");
  if (rp_received_to_json(r, &json) == 0) printf("\n%s\n", json);
  rp_free(json);
  /* Reading is opening: the sender sees 'opened' (receipts are not themselves opened). */
  if (strcmp(rp_received_kind(r), "receipt") != 0) rp_send_opened(c, rp_received_msg_id(r));
  rp_received_free(r);
  if (wait_ms > 0) rp_client_flush(c, wait_ms);
  rp_client_free(c);
  return TL_OK;
}

int tl_cmd_mark(int argc, char **argv) {
  const char *state, *id;
  rp_received *r = NULL;
  rp_client *c;
  int rc, wait_ms;

  if ((rc = simple_parse(argc, argv, &state, &wait_ms, &id, 1)) != TL_OK) return rc;
  if ((c = open_synced(state, 0)) == NULL) return TL_FAIL;
  if (find_received(c, id, &r) != 0) {
    rp_client_free(c);
    return TL_FAIL;
  }
  rc = rp_inbox_mark_handled(c, rp_received_msg_id(r));
  if (rc == 0) printf("marked %s handled\n", rp_received_msg_id(r));
  else tl_fail("cannot mark %s: %s", rp_received_msg_id(r), rp_strerror(rc));
  rp_received_free(r);
  rp_client_free(c);
  return rc == 0 ? TL_OK : TL_FAIL;
}
