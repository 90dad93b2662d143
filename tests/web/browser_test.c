/* SPDX-License-Identifier: MIT */
/*
 * The advisors' workspace in a real browser: this program starts the stack as
 * webd_test does (the relay, the inbox daemon, rejsepost-webd, municipalities as
 * library clients), sends the requests, and runs tests/browser/flow.js under node,
 * which drives Debian's headless Chromium with puppeteer-core and checks every page
 * with axe-core. The TOTP codes the browser types are computed here with liboath. After
 * the browser is done, the municipalities' library must have received the claims, the
 * replies with their text, coded fields (reporting duty, recommended actions, a
 * referral, risk view, more information, meeting offer, follow-up date), file and kind,
 * and the closures with their outcome. Along the way the browser sees the workflow pages
 * (networks, statistics, meetings, recalls, a withdrawn consent) and the inbox's live
 * updates: this program answers its "REGISTER" and "AKUT" lines (see run_browser).
 *
 * Screenshots, axe results and the downloaded file are kept in
 * $RP_BUILD_DIR/browser-artefacts (the path is printed). Chromium is Debian's package
 * (RP_CHROMIUM overrides /usr/bin/chromium); `npm ci` in tests/browser installs the
 * node modules. Without them the test fails; RP_SKIP_BROWSER_TEST=1 skips it (exit 77,
 * "Skipped" in ctest), except under CI=true, where it is never skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <poll.h>

#include "webd_fixture.h"

#define SKIP_CODE 77

static char g_out[800];
static char g_th_akut[RP_ID_STRLEN], g_th_kbd[RP_ID_STRLEN], g_th_norm[RP_ID_STRLEN];
/* The workflow pages' threads: one with the municipality's meeting request, one with a
 * message the municipality recalled, one whose consent was withdrawn. */
static char g_th_meet[RP_ID_STRLEN], g_th_recalled[RP_ID_STRLEN],
    g_th_consent[RP_ID_STRLEN];
static const char k_doc[] = "Udkast til beredskabsplan: ring 112 ved fare.\n";
static const char k_plan[] = "Handlingsplan fra Rejseholdet.\nTrin 1: samtale i dag.\n";
static const char k_reply_mouse[] =
    "Ring til os i dag. Inddrag ikke familien før risikovurderingen.";
static const char k_reply_kbd[] = "Svar skrevet med tastaturet alene.";

static const char *bdir(void) {
  const char *b = getenv("RP_BUILD_DIR");
  return b != NULL ? b : ".";
}

static const char *chromium(void) {
  const char *c = getenv("RP_CHROMIUM");
  return c != NULL && c[0] != 0 ? c : "/usr/bin/chromium";
}

static void browser_dir(char *out, size_t cap) {
  const char *src = getenv("RP_SOURCE_DIR");
  snprintf(out, cap, "%s/tests/browser", src != NULL ? src : "..");
}

/* An akut request from municipality 1 with a document attached. */
static int akut_with_attachment(char id[RP_ID_STRLEN]) {
  rp_msg *m = NULL;
  int rc = rp_msg_new("request", &m);
  if (rc == 0) rc = rp_msg_set_text(m, "sender_org", fx_code(&g, 1));
  if (rc == 0) rc = rp_msg_set_enum(m, "sender_role", "myndighedsraadgiver");
  if (rc == 0) rc = rp_msg_set_text(m, "sender_ref", "sagsbehandler-3");
  if (rc == 0) rc = rp_msg_set_enum(m, "request_type", "konkret_sag");
  if (rc == 0) rc = rp_msg_set_enum(m, "urgency", "akut");
  if (rc == 0) rc = rp_msg_add_to_set(m, "categories", "tvangsaegteskab");
  if (rc == 0) rc = rp_msg_set_enum(m, "risk.level", "hoej");
  if (rc == 0) rc = rp_msg_set_bool(m, "risk.acute", 1);
  if (rc == 0) rc = rp_msg_set_enum(m, "risk.tool", "ingen");
  if (rc == 0) rc = rp_msg_set_enum(m, "citizen.age_band", "15_17");
  if (rc == 0) rc = rp_msg_set_bool(m, "citizen.under_18", 1);
  if (rc == 0) rc = rp_msg_set_enum(m, "risk_assessed_before_family", "nej");
  if (rc == 0) rc = rp_msg_set_enum(m, "identifiability.mode", "anonym");
  if (rc == 0) rc = rp_msg_set_enum(m, "identifiability.consent", "ingen");
  if (rc == 0) rc = rp_msg_add_to_set(m, "measures_taken", "screening");
  if (rc == 0)
    rc = rp_msg_set_text(m, "question",
                         "Pigen på 16 frygter at blive giftet bort i sommerferien. Hvad "
                         "gør vi i dag?");
  if (rc == 0)
    rc = rp_msg_attach_buffer(m, (const uint8_t *)k_doc, sizeof k_doc - 1,
                              "beredskabsplan.txt", "text/plain", "andet");
  if (rc == 0) rc = rp_send(g.mun[1], m, id);
  rp_msg_free(m);
  return rc;
}

/* A normal request from municipality i, listed; its thread in th and its id in req. */
static int listed_thread(int i, char th[RP_ID_STRLEN], char req[RP_ID_STRLEN]) {
  int rc = fx_request(&g, i, "normal", "trusler", req);
  if (rc == 0) rc = fx_wait_listed(&g, "list --all --json", req, 20000);
  if (rc == 0) rc = fx_thread_of(&g, req, th);
  return rc;
}

/* The threads of the workflow pages (see g_th_meet). */
static int workflow_threads(void) {
  char req[RP_ID_STRLEN], id[RP_ID_STRLEN], fu[RP_ID_STRLEN], needle[100];
  rp_msg *m = NULL;
  int rc = listed_thread(0, g_th_meet, req);
  if (rc == 0) rc = rp_msg_new("meeting_request", &m);
  if (rc == 0) rc = rp_msg_set_thread(m, g_th_meet);
  if (rc == 0) rc = rp_msg_set_enum(m, "purpose", "sagsdroeftelse");
  if (rc == 0) rc = rp_msg_set_enum(m, "mode", "online");
  if (rc == 0) rc = rp_msg_set_uint(m, "duration_min", 60);
  if (rc == 0) rc = rp_send(g.mun[0], m, id);
  rp_msg_free(m);
  m = NULL;
  snprintf(needle, sizeof needle, "\"meeting\":\"%s\"", id);
  if (rc == 0) rc = fx_wait_show(&g, g_th_meet, needle, NULL);
  /* The municipality's follow-up, then its recall of it. */
  if (rc == 0) rc = listed_thread(1, g_th_recalled, req);
  if (rc == 0) rc = rp_msg_new("follow_up", &m);
  if (rc == 0) rc = rp_msg_set_thread(m, g_th_recalled);
  if (rc == 0) rc = rp_msg_set_hex(m, "in_reply_to", req);
  if (rc == 0) rc = rp_msg_set_text(m, "text", "Forkert sag: Aisha bor hos sin faster.");
  if (rc == 0) rc = rp_send(g.mun[1], m, fu);
  rp_msg_free(m);
  m = NULL;
  if (rc == 0) rc = fx_wait_show(&g, g_th_recalled, "Aisha bor", NULL);
  if (rc == 0) rc = rp_msg_new("recall", &m);
  if (rc == 0) rc = rp_msg_set_thread(m, g_th_recalled);
  if (rc == 0) rc = rp_msg_set_hex(m, "about", fu);
  if (rc == 0) rc = rp_msg_set_enum(m, "reason", "forkert_indhold");
  if (rc == 0) rc = rp_send(g.mun[1], m, id);
  rp_msg_free(m);
  m = NULL;
  if (rc == 0) rc = fx_wait_show(&g, g_th_recalled, "\"by\":\"municipality\"", NULL);
  /* Consent withdrawn by the holder of parental authority. */
  if (rc == 0) rc = listed_thread(2, g_th_consent, req);
  if (rc == 0) rc = rp_msg_new("consent_withdrawn", &m);
  if (rc == 0) rc = rp_msg_set_thread(m, g_th_consent);
  if (rc == 0) rc = rp_msg_set_enum(m, "by", "foraeldremyndighed");
  if (rc == 0) rc = rp_msg_set_hex(m, "about", req);
  if (rc == 0) rc = rp_send(g.mun[2], m, id);
  rp_msg_free(m);
  if (rc == 0) rc = fx_wait_show(&g, g_th_consent, "\"consent_withdrawn\":{", NULL);
  return rc;
}

static int setup(void **state) {
  char normal[RP_ID_STRLEN], akut[RP_ID_STRLEN], haster[RP_ID_STRLEN];
  int rc;
  (void)state;
  /* Plain HTTP on loopback without the Secure flag: Chromium keeps the cookie from
   * http://127.0.0.1 only so (docs/WEB.md, "cookie_secure"). */
  if ((rc = webd_world_start_with("browser", "cookie_secure = no\n")) != 0) return rc;
  /* The requests: a normal one first, then the akut one, and a haster one for the
   * keyboard flow. The listing must still show akut first. */
  if ((rc = fx_request(&g, 0, "normal", "vold", normal)) != 0 ||
      (rc = fx_wait_listed(&g, "list --json", normal, 20000)) != 0 ||
      (rc = akut_with_attachment(akut)) != 0 ||
      (rc = fx_wait_listed(&g, "list --json", akut, 20000)) != 0 ||
      (rc = fx_request(&g, 2, "haster", "trusler", haster)) != 0 ||
      (rc = fx_wait_listed(&g, "list --json", haster, 20000)) != 0 ||
      (rc = fx_thread_of(&g, normal, g_th_norm)) != 0 ||
      (rc = fx_thread_of(&g, akut, g_th_akut)) != 0 ||
      (rc = fx_thread_of(&g, haster, g_th_kbd)) != 0)
    return rc;
  return workflow_threads();
}

static int teardown(void **state) {
  (void)state;
  webd_world_stop();
  return 0;
}

static void write_file(const char *path, const char *data, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  fclose(f);
}

/* The driver's part when the browser has sent an announcement to the east network:
 * municipality 0 (east) registers three participants, and the daemon lists it. */
static int register_east(void) {
  rp_received *rec = NULL;
  rp_msg *m = NULL;
  char id[RP_ID_STRLEN];
  int rc = fx_wait_kind(&g, 0, "network_announcement", 20000, &rec);
  if (rc == 0) rc = rp_msg_new("registration", &m);
  if (rc == 0) rc = rp_msg_set_hex(m, "announcement_ref", rp_received_msg_id(rec));
  if (rc == 0) rc = rp_msg_set_text(m, "sender_org", fx_code(&g, 0));
  if (rc == 0) rc = rp_msg_set_enum(m, "answer", "tilmeldt");
  if (rc == 0) rc = rp_msg_set_uint(m, "participants", 3);
  if (rc == 0) rc = rp_send(g.mun[0], m, id);
  rp_msg_free(m);
  rp_received_free(rec);
  if (rc == 0) rc = fx_wait_listed(&g, "registrations --json", id, 20000);
  return rc;
}

/* Runs flow.js and answers its lines on stdout: "TOTP <secret> <step>" (the code),
 * "REGISTER" (see register_east; 0 or an error), "AKUT" (a new akut request arrives;
 * its thread and the sending municipality's code). Returns its exit status. */
static int run_browser(void) {
  char dir[800], script[900], profile[800], upload[900], expect[900];
  int to_child[2], from_child[2];
  browser_dir(dir, sizeof dir);
  snprintf(script, sizeof script, "%s/flow.js", dir);
  snprintf(profile, sizeof profile, "%s/chromium-profile", g.dir);
  snprintf(upload, sizeof upload, "%s/plan.txt", g.dir);
  snprintf(expect, sizeof expect, "%s/expected-attachment", g.dir);
  write_file(upload, k_plan, sizeof k_plan - 1);
  write_file(expect, k_doc, sizeof k_doc - 1);
  assert_int_equal(pipe(to_child), 0);
  assert_int_equal(pipe(from_child), 0);
  /* Set before fork (the child may only make async-signal-safe calls). */
  setenv("RP_WEB_BASE", g_base, 1);
  setenv("RP_WEB_USER", "sara", 1);
  setenv("RP_WEB_CASE_PATH", RP_IBX_CASE_PATH, 1);
  setenv("RP_WEB_ONETIME", g_pw, 1);
  setenv("RP_WEB_NEWPW", k_newpw, 1);
  setenv("RP_BROWSER_OUT", g_out, 1);
  setenv("RP_BROWSER_PROFILE", profile, 1);
  setenv("RP_BROWSER_UPLOAD", upload, 1);
  setenv("RP_BROWSER_EXPECT", expect, 1);
  setenv("RP_THREAD_AKUT", g_th_akut, 1);
  setenv("RP_THREAD_KBD", g_th_kbd, 1);
  setenv("RP_THREAD_MEET", g_th_meet, 1);
  setenv("RP_THREAD_RECALLED", g_th_recalled, 1);
  setenv("RP_THREAD_CONSENT", g_th_consent, 1);
  setenv("RP_CHROMIUM", chromium(), 1);
  const char *node = getenv("RP_NODE") != NULL ? getenv("RP_NODE") : "node";
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0); /* its own group: Chromium goes with it on a timeout */
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[1]);
    close(from_child[0]);
    if (chdir(dir) != 0) _exit(126);
    execlp(node, node, script, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid);
  close(to_child[0]);
  close(from_child[1]);
  char line[512], secret[128] = "";
  size_t ll = 0;
  time_t deadline = time(NULL) + 240;
  int open_ = 1;
  while (open_) {
    struct pollfd pf = {from_child[0], POLLIN, 0};
    int left = (int)(deadline - time(NULL));
    if (left <= 0) {
      fprintf(stderr, "browser: timed out; stopping it\n");
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(&pf, 1, 1000) <= 0) continue;
    char ch;
    ssize_t n = read(from_child[0], &ch, 1);
    if (n <= 0) break;
    if (ch != '\n') {
      if (ll + 1 < sizeof line) line[ll++] = ch;
      continue;
    }
    line[ll] = 0;
    ll = 0;
    unsigned step = 0;
    char reply[120];
    reply[0] = 0;
    if (sscanf(line, "TOTP %127s %u", secret, &step) == 2) {
      char code[7];
      totp(secret, time(NULL) + 30 * (time_t)step, code);
      snprintf(reply, sizeof reply, "%s\n", code);
    } else if (strcmp(line, "REGISTER") == 0) {
      snprintf(reply, sizeof reply, "%d\n", register_east());
    } else if (strcmp(line, "AKUT") == 0) {
      char req[RP_ID_STRLEN], th[RP_ID_STRLEN];
      int rc = fx_request(&g, 0, "akut", "vold", req);
      if (rc == 0) rc = fx_wait_listed(&g, "list --json", req, 20000);
      if (rc == 0) rc = fx_thread_of(&g, req, th);
      snprintf(reply, sizeof reply, "%s %s\n", rc == 0 ? th : "-", fx_code(&g, 0));
    } else {
      fprintf(stderr, "browser (stdout): %s\n", line);
    }
    size_t k = strlen(reply);
    if (k > 0 && write(to_child[1], reply, k) != (ssize_t)k) open_ = 0;
  }
  close(to_child[1]);
  close(from_child[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  kill(-pid, SIGKILL); /* anything of the group left behind */
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

typedef struct sink {
  char buf[256];
  size_t n;
} sink;

static int to_sink(void *ctx, const uint8_t *b, size_t n) {
  sink *k = ctx;
  if (k->n + n >= sizeof k->buf) return 1;
  memcpy(k->buf + k->n, b, n);
  k->n += n;
  return 0;
}

/* The coded fields a flow chose on the reply form. */
typedef struct coded {
  int duty;            /* reporting_duty */
  int more_info, meet; /* needs_more_info, meeting_offer (absent: 0) */
  const char *risk;    /* risk_view */
  const char *acts[3]; /* recommended_actions, NULL-ended */
  const char *follow;  /* follow_up_at's day, YYYY-MM-DD (UTC) */
  const char *ref[3];  /* one referral's kind, name and note; kind NULL: none */
} coded;

static int bool_or_0(const rp_received *rec, const char *field) {
  int v = 0;
  return rp_received_get_bool(rec, field, &v) == 0 ? v : 0;
}

/* What municipality i received for a thread the browser worked: the claim, the reply
 * with its text, its coded fields, its one file and that file's kind, and the closure
 * with its outcome. */
static void received(int i, const char *thread, const char *text, const coded *c,
                     const char *outcome) {
  rp_received *rec = NULL;
  const char *v = NULL, *name = NULL, *kind = NULL;
  uint64_t size = 0;
  char needle[200];
  assert_int_equal(fx_wait_kind(&g, i, "assignment", 20000, &rec), 0);
  rp_received_free(rec);
  assert_int_equal(fx_wait_kind(&g, i, "reply", 20000, &rec), 0);
  assert_string_equal(rp_received_thread_id(rec), thread);
  assert_int_equal(rp_received_get_text(rec, "advice", &v), 0);
  assert_string_equal(v, text);
  assert_int_equal(rp_received_get_text(rec, "advisor.id", &v), 0);
  assert_string_equal(v, "R2");
  int duty = -1;
  assert_int_equal(rp_received_get_bool(rec, "reporting_duty", &duty), 0);
  assert_int_equal(duty, c->duty);
  assert_int_equal(bool_or_0(rec, "needs_more_info"), c->more_info);
  assert_int_equal(bool_or_0(rec, "meeting_offer"), c->meet);
  assert_int_equal(rp_received_get_enum(rec, "risk_view", &v), 0);
  assert_string_equal(v, c->risk);
  size_t na = 0;
  for (; c->acts[na] != NULL; na++) {
    assert_int_equal(rp_received_get_set(rec, "recommended_actions", na, &v), 0);
    assert_string_equal(v, c->acts[na]);
  }
  assert_int_not_equal(rp_received_get_set(rec, "recommended_actions", na, &v), 0);
  size_t nref = 0;
  if (rp_received_list_count(rec, "referrals", &nref) != 0) nref = 0;
  assert_int_equal(nref, c->ref[0] != NULL ? 1 : 0);
  if (c->ref[0] != NULL) {
    assert_int_equal(rp_received_get_enum(rec, "referrals.0.kind", &v), 0);
    assert_string_equal(v, c->ref[0]);
    assert_int_equal(rp_received_get_text(rec, "referrals.0.name", &v), 0);
    assert_string_equal(v, c->ref[1]);
    assert_int_equal(rp_received_get_text(rec, "referrals.0.note", &v), 0);
    assert_string_equal(v, c->ref[2]);
  }
  /* The follow-up day is sent as its midnight in Copenhagen: both days here are in
   * winter time (UTC+1), so an hour later in UTC it is that day's 00:00. */
  uint64_t at = 0;
  assert_int_equal(rp_received_get_uint(rec, "follow_up_at", &at), 0);
  time_t t = (time_t)(at / 1000) + 3600;
  struct tm tm;
  char day[32];
  assert_non_null(gmtime_r(&t, &tm));
  strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
  char want[32];
  snprintf(want, sizeof want, "%s 00:00:00", c->follow);
  assert_string_equal(day, want);
  assert_int_equal(rp_received_attachments(rec), 1);
  assert_int_equal(rp_received_attachment(rec, 0, &name, NULL, &size, &kind), 0);
  assert_string_equal(name, "plan.txt");
  assert_string_equal(kind, "handlingsplan");
  assert_int_equal(size, sizeof k_plan - 1);
  sink k = {{0}, 0};
  assert_int_equal(rp_received_attachment_read(g.mun[i], rec, 0, to_sink, &k), 0);
  assert_int_equal(k.n, sizeof k_plan - 1);
  assert_memory_equal(k.buf, k_plan, k.n);
  rp_received_free(rec);
  assert_int_equal(fx_wait_kind(&g, i, "closure", 20000, &rec), 0);
  assert_int_equal(rp_received_get_enum(rec, "outcome", &v), 0);
  assert_string_equal(v, outcome);
  rp_received_free(rec);
  const char *acts[] = {"claim", "reply", "close"};
  for (size_t a = 0; a < 3; a++) {
    snprintf(needle, sizeof needle, "who=sara action=%s thread=%s via=web prev=", acts[a],
             thread);
    if (!audit_has(needle)) fprintf(stderr, "audit lacks: %s\n", needle);
    assert_true(audit_has(needle));
  }
}

static void test_browser_flow(void **state) {
  char path[1000], *got, *kbd_outcome;
  size_t n = 0;
  (void)state;
  fprintf(stderr, "browser artefacts (screenshots, axe results): %s\n", g_out);
  int st = run_browser();
  assert_int_equal(st, 0);
  /* The file Chromium saved is the municipality's, byte for byte. */
  snprintf(path, sizeof path, "%s/downloads/beredskabsplan.txt", g_out);
  got = tu_read_file(path, &n);
  assert_non_null(got);
  assert_int_equal(n, sizeof k_doc - 1);
  assert_memory_equal(got, k_doc, n);
  free(got);
  char needle[200];
  snprintf(needle, sizeof needle, "who=sara action=save thread=%s attachment=1 via=web",
           g_th_akut);
  assert_true(audit_has(needle));
  const coded mouse = {1,
                       1,
                       1,
                       "hoej",
                       {"ikke_inddrage_familien", "sikkerhedsplan", NULL},
                       "2027-01-15",
                       {"krisecenter", "Dannerhuset", "Ring først"}};
  received(1, g_th_akut, k_reply_mouse, &mouse, "raadgivning_givet");
  snprintf(path, sizeof path, "%s/keyboard-outcome.txt", g_out);
  kbd_outcome = tu_read_file(path, NULL);
  assert_non_null(kbd_outcome);
  const coded keys = {
      0, 0, 0, "middel", {"risikovurdering", NULL, NULL}, "2027-02-01", {NULL, NULL, NULL}};
  received(2, g_th_kbd, k_reply_kbd, &keys, kbd_outcome);
  free(kbd_outcome);
  /* The normal request was not touched. */
  snprintf(needle, sizeof needle, "thread=%s via=web", g_th_norm);
  assert_false(audit_has(needle));
  fprintf(stderr, "browser artefacts (screenshots, axe results): %s\n", g_out);
}

/* Whether the browser's parts are here; prints what is missing. */
static int parts_present(void) {
  char dir[900];
  int ok = 1;
  if (access(chromium(), X_OK) != 0) {
    fprintf(stderr, "browser_test: no Chromium at %s (apt-get install chromium)\n",
            chromium());
    ok = 0;
  }
  char pkg[1000];
  browser_dir(dir, sizeof dir);
  snprintf(pkg, sizeof pkg, "%s/%s", dir, "node_modules/puppeteer-core/package.json");
  if (access(pkg, R_OK) != 0) {
    fprintf(stderr, "browser_test: no puppeteer-core (run `npm ci` in tests/browser)\n");
    ok = 0;
  }
  return ok;
}

int main(void) {
  const char *skip = getenv("RP_SKIP_BROWSER_TEST");
  const char *ci = getenv("CI");
  int in_ci = ci != NULL && ci[0] != 0 && strcmp(ci, "false") != 0;
  if (skip != NULL && strcmp(skip, "1") == 0) {
    if (!in_ci) {
      printf("SKIPPED: the browser test (RP_SKIP_BROWSER_TEST=1)\n");
      return SKIP_CODE;
    }
    fprintf(stderr, "browser_test: RP_SKIP_BROWSER_TEST is ignored under CI\n");
  }
  if (!parts_present()) {
    fprintf(stderr, "browser_test: FAILED: the browser's parts are missing (set "
                    "RP_SKIP_BROWSER_TEST=1 to skip this test outside CI)\n");
    return 1;
  }
  /* The artefacts stay after the run, beside the build. */
  snprintf(g_out, sizeof g_out, "%s/browser-artefacts", bdir());
  tu_rmtree(g_out);
  if (mkdir(g_out, 0755) != 0) {
    perror(g_out);
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_browser_flow),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
