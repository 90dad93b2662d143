/* SPDX-License-Identifier: MIT */
/*
 * rejsepost send: a request from a JSON or msgpack file, or from flags for the common
 * case of anonymous advice. Returns once the request is durable in the outbox (the msg_id
 * is printed at once), then gives the background delivery up to --wait seconds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "ibx_mime.h"
#include "state.h"
#include "payload.h"

const char tl_usage_send[] =
    "Usage: rejsepost send --state DIR (--file REQUEST.json|.msgpack | FLAGS)\n"
    "\n"
    "Sends an advisory request (henvendelse) to the team. Returns once the request is\n"
    "stored in the local outbox, and prints its msg_id; delivery happens in the\n"
    "background (see 'rejsepost status'). A question holding a CPR number is refused.\n"
    "\n" TL_STATE_OPT "  --file F              the request as JSON (see docs) or msgpack\n"
    "  --urgency U           akut, haster, normal or plan (default normal)\n"
    "  --type T              konkret_sag, anonym_sparring, beredskabsplan, ... \n"
    "  --category C          negativ_social_kontrol, trusler, vold, ... (repeatable)\n"
    "  --role R              myndighedsraadgiver, leder, ssp, jobcenter, skole, andet\n"
    "  --ref REF             your opaque caseworker id (required)\n"
    "  --case REF            local case number (optional)\n"
    "  --age-band B          0_11, 12_14, 15_17, 18_22, 23_29, 30_plus (required)\n"
    "  --question TEXT       the question (or --question-file F)\n"
    "  --risk-assessed ja|nej  risk assessed before the family was involved (under 18)\n"
    "  --org NNN             your municipality code; must match the roster (optional:\n"
    "                        sender_org always comes from the signed roster)\n"
    "  --attach FILE[:KIND]  a document to send along (repeatable, at most 16). KIND is\n"
    "                        beredskabsplan_udkast, handlingsplan, risikovurdering or\n"
    "                        andet; by default the one the message is about: a plan\n"
    "                        review's plan (beredskabsplan_udkast or handlingsplan), a\n"
    "                        request of type beredskabsplan or handlingsplan likewise,\n"
    "                        else andet. The name sent is the file's name, without its\n"
    "                        folders; it is read and sealed into the outbox by this "
    "command\n"
    "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n";

typedef struct {
  const char *state, *file, *urgency, *type, *role, *ref, *casenr, *band, *question, *qfile,
      *assessed, *org;
  const char *cats[RP_SET_MAX];
  const char *attach[RP_PAYLOAD_ATTACHMENTS_MAX];
  int ncats, nattach, wait_s;
} send_args;

static int send_parse(int argc, char **argv, send_args *a) {
  static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                       {"file", required_argument, NULL, 'f'},
                                       {"urgency", required_argument, NULL, 'u'},
                                       {"type", required_argument, NULL, 't'},
                                       {"role", required_argument, NULL, 'r'},
                                       {"ref", required_argument, NULL, 'R'},
                                       {"case", required_argument, NULL, 'c'},
                                       {"age-band", required_argument, NULL, 'a'},
                                       {"question", required_argument, NULL, 'q'},
                                       {"question-file", required_argument, NULL, 'Q'},
                                       {"category", required_argument, NULL, 'C'},
                                       {"risk-assessed", required_argument, NULL, 'A'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {"org", required_argument, NULL, 'O'},
                                       {"attach", required_argument, NULL, 'T'},
                                       {NULL, 0, NULL, 0}};
  int c;
  memset(a, 0, sizeof *a);
  a->wait_s = 5;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      a->state = optarg;
      break;
    case 'f':
      a->file = optarg;
      break;
    case 'u':
      a->urgency = optarg;
      break;
    case 't':
      a->type = optarg;
      break;
    case 'r':
      a->role = optarg;
      break;
    case 'R':
      a->ref = optarg;
      break;
    case 'c':
      a->casenr = optarg;
      break;
    case 'a':
      a->band = optarg;
      break;
    case 'q':
      a->question = optarg;
      break;
    case 'Q':
      a->qfile = optarg;
      break;
    case 'A':
      a->assessed = optarg;
      break;
    case 'O':
      a->org = optarg;
      break;
    case 'w':
      if (tl_seconds_parse(optarg, 600, &a->wait_s) != 0)
        return tl_usage(argv[0], "--wait: 0 to 600 seconds");
      break;
    case 'T':
      if (a->nattach == (int)RP_PAYLOAD_ATTACHMENTS_MAX)
        return tl_usage(argv[0], "at most %u --attach", RP_PAYLOAD_ATTACHMENTS_MAX);
      a->attach[a->nattach++] = optarg;
      break;
    case 'C':
      if (a->ncats == RP_SET_MAX) return tl_usage(argv[0], "too many --category");
      a->cats[a->ncats++] = optarg;
      break;
    default:
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    }
  }
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if ((a->state = tl_state_arg(a->state)) == NULL)
    return tl_usage(argv[0], "--state DIR is required (or set REJSEPOST_STATE)");
  if (a->file == NULL &&
      (a->ref == NULL || (a->question == NULL && a->qfile == NULL) || a->ncats == 0))
    return tl_usage(argv[0],
                    "give --file F, or --ref, --category, --age-band and --question");
  if (a->file == NULL && a->band == NULL)
    return tl_usage(argv[0], "--age-band is required (0_11, 12_14, 15_17, 18_22, 23_29 or "
                             "30_plus): the legal track depends on it");
  return TL_OK;
}

/* The under-18 bands: the legal track depends on it. */
static int band_under_18(const char *band) {
  return strcmp(band, "0_11") == 0 || strcmp(band, "12_14") == 0 ||
         strcmp(band, "15_17") == 0;
}

/* A request from flags: anonymous advice unless a file says more. */
static int from_flags(const send_args *a, const char *question, rp_msg **out) {
  const char *band = a->band;
  rp_msg *m = NULL;
  int rc;
  if ((rc = rp_msg_new("request", &m)) != 0) return rc;
  if ((rc = rp_msg_set_enum(m, "sender_role", a->role ? a->role : "myndighedsraadgiver")) ||
      (rc = rp_msg_set_text(m, "sender_ref", a->ref)) ||
      (a->casenr && (rc = rp_msg_set_text(m, "local_case_ref", a->casenr))) ||
      (rc = rp_msg_set_enum(m, "request_type", a->type ? a->type : "anonym_sparring")) ||
      (rc = rp_msg_set_enum(m, "urgency", a->urgency ? a->urgency : "normal")) ||
      (rc = rp_msg_set_enum(m, "risk.level", "ukendt")) ||
      (rc = rp_msg_set_bool(m, "risk.acute", 0)) ||
      (rc = rp_msg_set_enum(m, "risk.tool", "ingen")) ||
      (rc = rp_msg_set_enum(m, "citizen.age_band", band)) ||
      (rc = rp_msg_set_bool(m, "citizen.under_18", band_under_18(band))) ||
      (band_under_18(band) && (rc = rp_msg_set_enum(m, "risk_assessed_before_family",
                                                    a->assessed ? a->assessed : "nej"))) ||
      (rc = rp_msg_set_enum(m, "identifiability.mode", "anonym")) ||
      (rc = rp_msg_set_enum(m, "identifiability.consent", "ingen")) ||
      (rc = rp_msg_set_text(m, "question", question)))
    goto out;
  for (int i = 0; i < a->ncats; i++)
    if ((rc = rp_msg_add_to_set(m, "categories", a->cats[i])) != 0) goto out;
out:
  if (rc != 0) {
    tl_fail("request field '%s': %s", rp_msg_error_field(m) ? rp_msg_error_field(m) : "?",
            rp_strerror(rc));
    rp_msg_free(m);
    return TL_FAIL;
  }
  *out = m;
  return TL_OK;
}

static int from_file(const char *path, rp_msg **out) {
  uint8_t *buf = NULL;
  size_t len = 0, i = 0;
  const char *where = NULL;
  int rc;
  if ((rc = rp__file_read(path, RP_PAYLOAD_MAX, &buf, &len)) != 0)
    return tl_fail("cannot read %s: %s", path,
                   rc == RP_ENOTFOUND ? "no such file" : rp_strerror(rc));
  while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r'))
    i++;
  rc = i < len && buf[i] == '{' ? rp_msg_from_json((const char *)buf, len, out, &where)
                                : rp_msg_from_msgpack(buf, len, out, &where);
  free(buf);
  if (rc != 0)
    return tl_fail("%s: %s%s%s ('rejsepost check %s' explains the format)", path,
                   rp_strerror(rc), where ? " at field " : "", where ? where : "", path);
  return TL_OK;
}

/* sender_org is this member's municipality code from the verified roster; --org may
 * name it too (a check for scripts), but never another municipality. The roster's code
 * replaces whatever a request file says. Only a request, a plan review and a
 * registration carry sender_org; every other kind (a follow_up answering the team's
 * questions, a closure...) names its sender through the signed envelope alone. */
static int set_org(const send_args *a, rp_client *c, rp_msg *m) {
  char org[RP_MUNICIPALITY_CODE_BYTES + 1];
  const char *me = rp_client_member_id(c);
  int rc;
  if (tl_member_org(c, org) != TL_OK) return TL_FAIL;
  if (a->org != NULL && strcmp(a->org, org) != 0)
    return tl_fail("--org %s does not match the roster: member %s is municipality %s. "
                   "Nothing was stored or sent",
                   a->org, me, org);
  if ((rc = rp_msg_set_text(m, "sender_org", org)) != 0 && rc != RP_ENOTFOUND)
    return tl_fail("%s field 'sender_org': %s", rp_msg_kind(m), rp_strerror(rc));
  return TL_OK;
}

/* The attachment kind a document has when --attach does not say: what the message is
 * about. A plan review carries the plan it asks about; a request about a plan likewise. */
static const char *default_kind(const rp_msg *m) {
  char *js = NULL;
  const char *kind = "andet", *v = NULL;
  json_t *root;
  if (rp_msg_to_json(m, &js) != 0) return kind;
  root = json_loads(js, 0, NULL);
  rp_free(js);
  if (strcmp(rp_msg_kind(m), "plan_review") == 0)
    v = json_string_value(json_object_get(root, "plan"));
  else if (strcmp(rp_msg_kind(m), "request") == 0)
    v = json_string_value(json_object_get(root, "request_type"));
  if (v != NULL && strcmp(v, "beredskabsplan") == 0)
    kind = "beredskabsplan_udkast";
  else if (v != NULL && strcmp(v, "handlingsplan") == 0)
    kind = "handlingsplan";
  json_decref(root);
  return kind;
}

/* --attach FILE[:KIND], each read at rp_send time by the library. */
static int attach_all(const send_args *a, rp_msg *m) {
  const char *def = default_kind(m);
  for (int i = 0; i < a->nattach; i++) {
    char path[RP_PATH_MAX], kind[32];
    const char *arg = a->attach[i], *colon = strrchr(arg, ':');
    size_t plen = colon != NULL ? (size_t)(colon - arg) : strlen(arg);
    int rc;
    if (plen == 0 || plen >= sizeof path) return tl_fail("--attach %s: no file", arg);
    memcpy(path, arg, plen);
    path[plen] = 0;
    snprintf(kind, sizeof kind, "%s", colon != NULL ? colon + 1 : def);
    if ((rc = rp_msg_attach_file(m, path, NULL, rp__ibx_mime_of(path), kind)) != 0)
      return tl_fail("--attach %s: %s", arg,
                     rp_msg_error_text(m) != NULL ? rp_msg_error_text(m) : rp_strerror(rc));
  }
  return TL_OK;
}

/* The refusal of a send, with what to do. */
static int send_fail(rp_msg *m, int rc) {
  const char *field = rp_msg_error_field(m);
  if (rc == RP_ECPR)
    return tl_fail("refused: the field '%s' holds a CPR number (at byte %zu). Remove it: "
                   "requests are anonymous or pseudonymous, never identified by CPR. "
                   "Nothing was stored or sent",
                   field ? field : "?", rp_msg_error_offset(m));
  /* The library's sentence names the field and, for the rules a caseworker meets
   * (a request put into a thread, another municipality's code), what to do. */
  if (rp_msg_error_text(m) != NULL)
    return tl_fail("not sent: %s. Nothing was stored or sent", rp_msg_error_text(m));
  return tl_fail("not sent: %s%s%s", rp_strerror(rc), field ? ": field " : "",
                 field ? field : "");
}

int tl_cmd_send(int argc, char **argv) {
  send_args a;
  rp_msg *m = NULL;
  rp_client *c = NULL;
  char id[RP_ID_STRLEN], *qbuf = NULL;
  size_t qlen = 0;
  int rc, st = 0, status = TL_FAIL;

  if ((rc = send_parse(argc, argv, &a)) != TL_OK) return rc;
  if (a.qfile != NULL &&
      rp__file_read(a.qfile, RP_TEXT_QUESTION_MAX, (uint8_t **)&qbuf, &qlen) != 0)
    return tl_fail("cannot read the question from %s (at most %u bytes)", a.qfile,
                   RP_TEXT_QUESTION_MAX);
  if ((a.file != NULL ? from_file(a.file, &m)
                      : from_flags(&a, qbuf != NULL ? qbuf : a.question, &m)) != TL_OK)
    goto out;
  if (attach_all(&a, m) != TL_OK) goto out;
  if (tl_client_open(a.state, &c) != TL_OK || set_org(&a, c, m) != TL_OK) goto out;
  if ((rc = rp_send(c, m, id)) != 0) {
    send_fail(m, rc);
    goto out;
  }
  printf("%s\n", id);
  fflush(stdout);
  if (a.wait_s > 0 && rp_client_flush(c, a.wait_s * 1000) == 0 &&
      rp_status(c, id, &st, NULL) == 0)
    fprintf(stderr, "%s: %s\n", tl_prog, rp_status_name(st));
  else
    fprintf(stderr,
            "%s: queued; it goes to the relay with the next rejsepost command "
            "(e.g. 'rejsepost status') once the relay is reachable\n",
            tl_prog);
  status = TL_OK;
out:
  rp_client_free(c);
  rp_msg_free(m);
  free(qbuf);
  return status;
}
