/* SPDX-License-Identifier: MIT */
/* Option parsing and text input of the advisor commands. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "advisor_int.h"
#include "file.h"
#include "ibx_cal.h"
#include "ibx_caps.h"
#include "payload.h"

static rp__str s(const char *c) {
  return rp__str_c(c);
}

/* Prints "rejsepost advisor: <what>[ '<arg>']" and returns the usage status. */
static int bad(const char *what, const char *arg) {
  if (arg != NULL)
    fprintf(stderr, "rejsepost advisor: %s '%s'\n", what, arg);
  else
    fprintf(stderr, "rejsepost advisor: %s\n", what);
  fprintf(stderr, "(run 'rejsepost advisor --help')\n");
  return 2;
}

static int set_enum(int *dst, const rp__enum *e, const char *v, const char *what) {
  if ((*dst = rp__enum_find(e, v)) == 0) {
    fprintf(stderr, "rejsepost advisor: unknown %s '%s'; one of:", what, v);
    for (uint32_t i = 0; i < e->n; i++)
      fprintf(stderr, " %s", e->names[i]);
    fprintf(stderr, "\n");
    return 2;
  }
  return 0;
}

enum {
  O_STATE = 1,
  O_MUN,
  O_CAT,
  O_ALL,
  O_JSON,
  O_FILE,
  O_STDIN,
  O_OUTCOME,
  O_NET,
  O_URGENCY,
  O_DATE,
  O_HOST,
  O_TITLE,
  O_DEADLINE,
  O_OUT,
  O_TAKEOVER,
  O_TO,
  O_ATTACH,
  O_DUTY,
  O_RECOMMEND,
  O_REFERRAL,
  O_RISK,
  O_MORE,
  O_FOLLOW,
  O_MEETING_OFFER,
  O_REASON,
  O_SLOT,
  O_MODE,
  O_PLACE,
  O_ABOUT,
  O_FROM,
  O_UNTIL
};

static const struct option k_opts[] = {
    {"state", required_argument, NULL, O_STATE},
    {"municipality", required_argument, NULL, O_MUN},
    {"category", required_argument, NULL, O_CAT},
    {"all", no_argument, NULL, O_ALL},
    {"json", no_argument, NULL, O_JSON},
    {"file", required_argument, NULL, O_FILE},
    {"stdin", no_argument, NULL, O_STDIN},
    {"outcome", required_argument, NULL, O_OUTCOME},
    {"network", required_argument, NULL, O_NET},
    {"urgency", required_argument, NULL, O_URGENCY},
    {"date", required_argument, NULL, O_DATE},
    {"host", required_argument, NULL, O_HOST},
    {"title", required_argument, NULL, O_TITLE},
    {"deadline", required_argument, NULL, O_DEADLINE},
    {"out", required_argument, NULL, O_OUT},
    {"takeover", no_argument, NULL, O_TAKEOVER},
    {"to", required_argument, NULL, O_TO},
    {"attach", required_argument, NULL, O_ATTACH},
    {"reporting-duty", required_argument, NULL, O_DUTY},
    {"recommend", required_argument, NULL, O_RECOMMEND},
    {"referral", required_argument, NULL, O_REFERRAL},
    {"risk-view", required_argument, NULL, O_RISK},
    {"needs-more-info", no_argument, NULL, O_MORE},
    {"follow-up", required_argument, NULL, O_FOLLOW},
    {"meeting-offer", no_argument, NULL, O_MEETING_OFFER},
    {"reason", required_argument, NULL, O_REASON},
    {"slot", required_argument, NULL, O_SLOT},
    {"mode", required_argument, NULL, O_MODE},
    {"place", required_argument, NULL, O_PLACE},
    {"about", required_argument, NULL, O_ABOUT},
    {"from", required_argument, NULL, O_FROM},
    {"until", required_argument, NULL, O_UNTIL},
    {NULL, 0, NULL, 0}};

static int thread_arg(char *t);

/* --recommend a,b (repeatable): each name a piece of the argument (checked by the
 * daemon, which lists the allowed names). */
static int add_actions(rp__ibx_req *req, const char *v) {
  while (*v != 0) {
    const char *end = strchr(v, ',');
    size_t n = end != NULL ? (size_t)(end - v) : strlen(v);
    if (n > 0) {
      if (req->nactions == RP_IBX_REQ_ACTIONS_MAX)
        return bad("at most 32 --recommend", NULL);
      req->actions[req->nactions++] = (rp__str){v, (uint32_t)n};
    }
    v += n + (end != NULL);
  }
  return 0;
}

/* --referral KIND[:NAME[:NOTE]] (repeatable, at most 16); the note may hold ':'. */
static int add_referral(rp__ibx_req *req, const char *v) {
  rp__ibx_referral *f;
  const char *c1 = strchr(v, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
  if (req->nreferrals == RP_IBX_REQ_REFERRALS_MAX)
    return bad("at most 16 --referral", NULL);
  f = &req->referrals[req->nreferrals++];
  f->kind = (rp__str){v, (uint32_t)(c1 != NULL ? (size_t)(c1 - v) : strlen(v))};
  if (c1 != NULL)
    f->name =
        (rp__str){c1 + 1, (uint32_t)(c2 != NULL ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1))};
  if (c2 != NULL) f->note = rp__str_c(c2 + 1);
  return 0;
}

/* --slot YYYY-MM-DDTHH:MM/MINUTES, Copenhagen time: a meeting slot in unix ms. */
static int add_slot(rp__ibx_req *req, const char *v) {
  unsigned y, mo, d, h, mi, len;
  char tail;
  if (req->nslots == RP_IBX_REQ_SLOTS_MAX) return bad("at most 8 --slot", NULL);
  if (sscanf(v, "%4u-%2u-%2uT%2u:%2u/%u%c", &y, &mo, &d, &h, &mi, &len, &tail) != 6 ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || len < 1 || len > 1440)
    return bad("a slot is YYYY-MM-DDTHH:MM/MINUTES (Copenhagen time, 1..1440 minutes), not",
               v);
  rp__ibx_slot *s = &req->slots[req->nslots++];
  s->start = (uint64_t)rp__ibx_cph_utc(rp__ibx_cal_days(y, mo, d), h * 60 + mi) * 1000;
  s->end = s->start + (uint64_t)len * 60000;
  return 0;
}

static int one_opt(int c, rp__ibx_req *req, rp__adv_opts *o) {
  switch (c) {
  case O_STATE:
    return set_enum(&req->state, rp__ibx_enum_state(), optarg, "state");
  case O_MUN:
    req->municipality = s(optarg);
    return 0;
  case O_CAT:
    return set_enum(&req->category, &rp__payload_enum_category, optarg, "category");
  case O_ALL:
    req->all = true;
    return 0;
  case O_JSON:
    o->json = 1;
    return 0;
  case O_FILE:
    o->file = optarg;
    return 0;
  case O_STDIN:
    o->use_stdin = 1;
    return 0;
  case O_OUTCOME:
    return set_enum(&req->outcome, &rp__payload_enum_outcome, optarg, "outcome");
  case O_NET:
    return set_enum(&req->network, &rp__payload_enum_network, optarg, "network");
  case O_URGENCY:
    return set_enum(&req->urgency, &rp__urgency_enum, optarg, "urgency");
  case O_DATE:
    req->event_on = s(optarg);
    return 0;
  case O_HOST:
    req->host_org = s(optarg);
    return 0;
  case O_TITLE:
    req->title = s(optarg);
    return 0;
  case O_DEADLINE:
    req->reg_deadline = s(optarg);
    return 0;
  case O_OUT:
    o->out = optarg;
    return 0;
  case O_TAKEOVER:
    req->takeover = true;
    return 0;
  case O_TO:
    req->to = s(optarg);
    return 0;
  case O_ATTACH:
    if (o->nattach == sizeof o->attach / sizeof o->attach[0])
      return bad("at most 16 --attach", NULL);
    o->attach[o->nattach++] = optarg;
    return 0;
  case O_DUTY:
    if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0)
      return bad("--reporting-duty is yes or no, not", optarg);
    req->reporting_duty = s(optarg);
    return 0;
  case O_RECOMMEND:
    return add_actions(req, optarg);
  case O_REFERRAL:
    return add_referral(req, optarg);
  case O_RISK:
    req->risk_view = s(optarg);
    return 0;
  case O_MORE:
    req->needs_more_info = true;
    return 0;
  case O_FOLLOW:
    req->follow_up_on = s(optarg);
    return 0;
  case O_MEETING_OFFER:
    req->meeting_offer = true;
    return 0;
  case O_REASON:
    req->reason = s(optarg);
    return 0;
  case O_SLOT:
    return add_slot(req, optarg);
  case O_MODE:
    req->mode = s(optarg);
    return 0;
  case O_PLACE:
    req->place = s(optarg);
    return 0;
  case O_ABOUT:
    req->msg = s(optarg);
    return thread_arg((char *)optarg) != 0
               ? bad("--about takes a message id or a unique prefix (4..32 hex), not",
                     optarg)
               : 0;
  case O_FROM:
    req->from = s(optarg);
    return 0;
  case O_UNTIL:
    req->until = s(optarg);
    return 0;
  default:
    return 2;
  }
}

/* A thread as typed: its id or a unique prefix of at least RP_IBX_PREFIX_MIN hex digits,
 * in either case (made lower case in place). */
static int thread_arg(char *t) {
  size_t n = strlen(t);
  if (n < RP_IBX_PREFIX_MIN || n > 32) return RP_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (t[i] >= 'A' && t[i] <= 'F') t[i] = (char)(t[i] - 'A' + 'a');
    if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f'))) return RP_EINVAL;
  }
  return 0;
}

/* Which actions take a thread id, and which need text. */
static int is_meeting(int a) {
  return a == RP_IBX_A_MEETING_PROPOSE || a == RP_IBX_A_MEETING_CONFIRM ||
         a == RP_IBX_A_MEETING_CANCEL;
}

static int needs_thread(int a) {
  return a == RP_IBX_A_SHOW || a == RP_IBX_A_CLAIM || a == RP_IBX_A_REPLY ||
         a == RP_IBX_A_ASK || a == RP_IBX_A_CLOSE || a == RP_IBX_A_EXPORT ||
         a == RP_IBX_A_ASSIGN || a == RP_IBX_A_SAVE || a == RP_IBX_A_RECALL ||
         is_meeting(a);
}

static int needs_text(int a) {
  return a == RP_IBX_A_REPLY || a == RP_IBX_A_ASK || a == RP_IBX_A_ANNOUNCE;
}

/* The reply's coded fields, the meeting and statistics options: each only where it
 * belongs. */
static int check_flow(const rp__ibx_req *req) {
  int a = req->action, reply = a == RP_IBX_A_REPLY;
  if (!reply &&
      (req->reporting_duty.n || req->nactions || req->nreferrals || req->risk_view.n ||
       req->needs_more_info || req->follow_up_on.n || req->meeting_offer))
    return bad("--reporting-duty, --recommend, --referral, --risk-view, --needs-more-info, "
               "--follow-up and --meeting-offer are for reply",
               NULL);
  /* The advisor decides the reporting duty each time; asked before the editor opens. */
  if (reply && req->reporting_duty.n == 0)
    return bad("reply needs --reporting-duty yes|no (must the municipality report? the "
               "advisor decides; there is no default)",
               NULL);
  if (req->reason.n && a != RP_IBX_A_RECALL && a != RP_IBX_A_MEETING_CANCEL)
    return bad("--reason is for recall and meeting-cancel", NULL);
  if ((req->nslots || req->mode.n || req->place.n) && a != RP_IBX_A_MEETING_PROPOSE &&
      a != RP_IBX_A_MEETING_CONFIRM)
    return bad("--slot, --mode and --place are for meeting-propose and meeting-confirm",
               NULL);
  if (req->msg.n && !is_meeting(a) && a != RP_IBX_A_RECALL)
    return bad("--about is for the meeting commands", NULL);
  if ((req->from.n || req->until.n) && a != RP_IBX_A_STATS)
    return bad("--from and --until are for stats", NULL);
  return 0;
}

static int check_action(const rp__ibx_req *req, const rp__adv_opts *o) {
  int r = check_flow(req);
  if (r != 0) return r;
  if (req->takeover && req->action != RP_IBX_A_CLAIM)
    return bad("--takeover is for claim", NULL);
  if (o->nattach > 0 && req->action != RP_IBX_A_REPLY)
    return bad("--attach is for reply", NULL);
  if (req->to.n != 0 && req->action != RP_IBX_A_ASSIGN)
    return bad("--to is for assign", NULL);
  if (req->action == RP_IBX_A_ASSIGN && req->to.n == 0)
    return bad("assign needs --to USER (the colleague's Unix user name)", NULL);
  if (req->action == RP_IBX_A_CLOSE && req->outcome == 0)
    return bad("close needs --outcome", NULL);
  if (req->action == RP_IBX_A_EXPORT && o->out == NULL)
    return bad("export needs --out PREFIX (writes PREFIX.json and PREFIX.txt)", NULL);
  if (req->action == RP_IBX_A_ANNOUNCE &&
      (req->network == 0 || req->event_on.n == 0 || req->host_org.n == 0 ||
       req->title.n == 0 || req->reg_deadline.n == 0))
    return bad("announce needs --network, --date, --host, --title and --deadline", NULL);
  return 0;
}

int rp__adv_parse(int argc, char **argv, rp__ibx_req *req, rp__adv_opts *o,
                  char **textbuf) {
  int c, r;
  const char *what;
  *textbuf = NULL;
  /* web_event and changes are the front end's (ibx_front.h), not commands. */
  if ((req->action = rp__ibx_action_from_name(argv[0])) == 0 ||
      req->action == RP_IBX_A_WEB_EVENT || req->action == RP_IBX_A_CHANGES)
    return bad("unknown subcommand", argv[0]);
  optind = 1;
  opterr = 1;
  while ((c = getopt_long(argc, argv, "", k_opts, NULL)) != -1)
    if ((r = one_opt(c, req, o)) != 0)
      return r == 2 && c == '?' ? bad("bad option", NULL) : r;
  if (needs_thread(req->action)) {
    if (optind >= argc) return bad("a thread id is needed by", argv[0]);
    if (thread_arg(argv[optind]) != 0)
      return bad(
          "a thread is its id or a unique prefix of it: at least 4 and at most 32 hex "
          "digits, not",
          argv[optind]);
    req->thread = s(argv[optind++]);
  }
  if (req->action == RP_IBX_A_SAVE) {
    char *end = NULL;
    unsigned long long n;
    if (optind + 2 > argc) return bad("save needs THREAD N PATH", NULL);
    n = strtoull(argv[optind], &end, 10);
    if (argv[optind][0] < '1' || argv[optind][0] > '9' || *end != 0 || n > 16000)
      return bad("the attachment's number (as show lists it) is 1.., not", argv[optind]);
    req->attachment = n;
    o->save_path = argv[optind + 1];
    optind += 2;
  }
  if (req->action == RP_IBX_A_RECALL) {
    if (optind >= argc)
      return bad("recall needs THREAD MSG (show lists the messages)", NULL);
    if (thread_arg(argv[optind]) != 0)
      return bad("a message is its id or a unique prefix (4..32 hex), not", argv[optind]);
    req->msg = s(argv[optind++]);
  }
  if (optind < argc) return bad("unexpected argument", argv[optind]);
  if ((r = check_action(req, o)) != 0) return r;
  if (!needs_text(req->action)) return 0;
  what = req->action == RP_IBX_A_REPLY ? "reply"
         : req->action == RP_IBX_A_ASK ? "questions"
                                       : "programme";
  if ((r = rp__adv_read_text(o, what, textbuf)) != 0) return r;
  req->text = s(*textbuf);
  return 0;
}

/* Reads at most RP_TEXT_QUESTION_MAX bytes from fd; one more is an error. */
static int read_fd(int fd, char **out) {
  uint8_t *raw = NULL;
  size_t n = 0;
  int r = rp__file_read_fd(fd, RP_TEXT_QUESTION_MAX, &raw, &n);
  char *b = (char *)raw;
  if (r == RP_ENOMEM) return 2;
  if (r == RP_ETOOBIG) return bad("the text is longer than 16384 bytes", NULL);
  if (r != 0) return bad("cannot read the text", NULL);
  /* A trailing newline from an editor or echo is not part of the message. */
  while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
    b[--n] = 0;
  if (n == 0) {
    free(b);
    return bad("the text is empty; nothing was sent", NULL);
  }
  *out = b;
  return 0;
}

static int run_editor(const char *path) {
  pid_t pid;
  int status = 0;
  if ((pid = fork()) < 0) return -1;
  if (pid == 0) {
    /* The editor setting may carry arguments ("code --wait"): let the shell split it. */
    execl("/bin/sh", "sh", "-c", "$RP_ADVISOR_EDITOR \"$1\"", "sh", path, (char *)NULL);
    _exit(127);
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The editor's file goes where the user keeps temporary files ($TMPDIR), else /tmp;
 * mkstemp makes it mode 0600, and it is removed whatever happens. */
static int temp_path(char *path, size_t cap) {
  const char *dir = getenv("TMPDIR");
  if (dir == NULL || dir[0] != '/') dir = "/tmp";
  int n = snprintf(path, cap, "%s/rejsepost-advisor-XXXXXX", dir);
  return n > 0 && (size_t)n < cap ? mkstemp(path) : -1;
}

int rp__adv_read_text(const rp__adv_opts *o, const char *what, char **out) {
  char path[4096];
  const char *ed = getenv("VISUAL") != NULL ? getenv("VISUAL") : getenv("EDITOR");
  int fd, r;
  if (o->file != NULL) {
    if ((fd = open(o->file, O_RDONLY | O_CLOEXEC)) < 0) return bad("cannot open", o->file);
    r = read_fd(fd, out);
    close(fd);
    return r;
  }
  if (o->use_stdin) return read_fd(STDIN_FILENO, out);
  if ((fd = temp_path(path, sizeof path)) < 0)
    return bad("cannot create a temporary file for the text of", what);
  setenv("RP_ADVISOR_EDITOR", ed != NULL && ed[0] != 0 ? ed : "vi", 1);
  close(fd);
  r = run_editor(path) != 0 ? bad("the editor failed; nothing was sent", NULL) : 0;
  if (r == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
    r = read_fd(fd, out);
    close(fd);
  }
  unlink(path);
  return r;
}
