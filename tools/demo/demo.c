/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-demo: the whole flow on loopback in a fresh temporary folder, with the real
 * relay, inbox daemon and command line, printing a timeline. Every step is checked and
 * has a deadline, so the exit status says whether it all worked and the demo never
 * hangs. A program of its own, run by scripts/demo.sh and never installed: the shipped
 * rejsepost carries no demo.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "demo.h"
#include "rejsepost_errors.h"

#define DM_TIMEOUT_DEFAULT_S 10

const char tl_prog[] = "rejsepost-demo";

static const char usage[] =
    "Usage: rejsepost-demo [--keep] [--serve] [--relayd PATH] [--inboxd PATH]\n"
    "                      [--rejsepost PATH] [--webd PATH] [--timeout SECONDS] [--quiet]\n"
    "\n"
    "Runs the whole flow on loopback in a fresh temporary folder: an administrator, a\n"
    "relay, the team and three municipalities (101 København and 265 Roskilde in the\n"
    "east network, 751 Aarhus in the west) with a signed roster; starts\n"
    "rejsepost-relayd and the team's rejsepost-inboxd (office hours all day, so no\n"
    "out-of-hours reply); the municipalities send fictitious requests (akut, haster,\n"
    "plan); an advisor, with 'rejsepost advisor', lists them (akut first), claims,\n"
    "opens and answers each, and announces an east-network meeting; the municipalities\n"
    "receive the replies and the announcement, and the statuses show relayed,\n"
    "delivered, opened, answered. Then 751 Aarhus sends a plan review carrying a draft\n"
    "beredskabsplan as a PDF (a tiny generated demo fixture); the advisor sees it in\n"
    "'show', saves it ('advisor save', sha256 compared) and replies with an annotated\n"
    "copy ('reply --attach'), which the municipality saves and compares too. Both\n"
    "Then the web workspace: a self-signed certificate (openssl), rejsepost-webd over\n"
    "HTTPS on loopback as a front end of the inbox, and an account for you with a\n"
    "one-time password; the URL and the one-time login are printed. Without --serve\n"
    "the demo logs in with it itself (libcurl), enrols with a TOTP code and fetches the\n"
    "inbox. All daemons stop on SIGTERM with exit status 0.\n"
    "Prints a timeline; exit status 0 only if every step worked, 2 for a usage error.\n"
    "This program is built beside the others (build/release/tools/demo/) and never\n"
    "installed; scripts/demo.sh builds and runs it.\n"
    "\n"
    "  --keep                keep the temporary folder (its path is printed)\n"
    "  --serve               after the flow, keep the relay, the inbox daemon and webd\n"
    "                        running until Ctrl-C, to try the web workspace in a browser\n"
    "  --relayd PATH         the relay program (default: $REJSEPOST_RELAYD, else the\n"
    "                        build tree's, e.g. build/release/server/rejsepost-relayd)\n"
    "  --inboxd PATH         the team's inbox daemon (default: $REJSEPOST_INBOXD, else\n"
    "                        the build tree's, build/release/inbox/rejsepost-inboxd)\n"
    "  --rejsepost PATH      the command line the advisor runs (default: $REJSEPOST_CLI,\n"
    "                        else the build tree's, build/release/tools/rejsepost)\n"
    "  --webd PATH           the web workspace (default: $REJSEPOST_WEBD, else the build\n"
    "                        tree's, build/release/web/rejsepost-webd)\n"
    "  --timeout SECONDS     give up on any one step after this long (default 10)\n"
    "  --quiet               print only the result line\n";

/* The programs named on the command line (NULL: found as daemon.h says). */
typedef struct programs {
  const char *relayd, *inboxd, *rejsepost, *webd;
} programs;

static void line(dm_demo *d, const char *who, const char *msg_id, const char *what) {
  char hex[9] = "";
  if (d->quiet) return;
  if (msg_id != NULL) snprintf(hex, sizeof hex, "%.8s", msg_id);
  printf("%7llu ms  %-13s %-8s  %s\n", (unsigned long long)(rp__clock_mono_ms() - d->t0),
         who, hex, what);
  fflush(stdout);
}

void dm_event(dm_demo *d, const char *who, const char *msg_id, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  line(d, who, msg_id, what);
}

int dm_fail(dm_demo *d, const char *who, const char *fmt, ...) {
  char what[512];
  va_list ap;
  memcpy(what, "FAIL: ", 6);
  va_start(ap, fmt);
  vsnprintf(what + 6, sizeof what - 6, fmt, ap);
  va_end(ap);
  d->failures++;
  if (d->quiet) fprintf(stderr, "%s: %s\n", who, what);
  line(d, who, NULL, what);
  return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", tl_prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s --help'.\n", tl_prog);
  return TL_USAGE;
}

/* TL_OK, TL_USAGE, or -1 after printing the help (the caller exits 0). */
static int parse(int argc, char **argv, dm_demo *d, int *keep, programs *p) {
  static const struct option opts[] = {{"keep", no_argument, NULL, 'k'},
                                       {"relayd", required_argument, NULL, 'r'},
                                       {"inboxd", required_argument, NULL, 'i'},
                                       {"rejsepost", required_argument, NULL, 'c'},
                                       {"webd", required_argument, NULL, 'w'},
                                       {"serve", no_argument, NULL, 's'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  char *end;
  long secs;
  int c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'k':
      *keep = 1;
      break;
    case 'r':
      p->relayd = optarg;
      break;
    case 'i':
      p->inboxd = optarg;
      break;
    case 'c':
      p->rejsepost = optarg;
      break;
    case 'w':
      p->webd = optarg;
      break;
    case 's':
      d->serve = 1;
      break;
    case 'q':
      d->quiet = 1;
      break;
    case 'h':
      fputs(usage, stdout);
      return -1;
    case 't':
      secs = strtol(optarg, &end, 10);
      if (*end != '\0' || secs < 1 || secs > 600)
        return usage_error("--timeout must be 1 to 600 seconds");
      d->timeout_ms = (int)secs * 1000;
      break;
    default:
      return usage_error("unknown option or missing value: %s", argv[optind - 1]);
    }
  }
  if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);
  return TL_OK;
}

/* With the inbox daemon running: webd, the one-time login, and either the check
 * through it or (--serve) waiting for Ctrl-C; then webd's clean stop. */
static void run_web(dm_demo *d) {
  if (dm_web_start(d) == 0) {
    dm_web_print_login(d);
    if (d->serve)
      dm_web_serve(d);
    else
      dm_web_check(d);
  }
  dm_web_stop(d);
}

/* With the relay running: the inbox daemon, the flow, the web workspace, and the
 * daemons' clean stop. */
static void run_team(dm_demo *d) {
  if (dm_inboxd_configure(d) != 0 || dm_inboxd_start(d) != 0) {
    dm_inboxd_stop(d);
    return;
  }
  dm_flow_run(d);
  run_web(d);
  dm_inboxd_stop(d);
}

/* Starts the relay, runs the team side and the flow, stops the relay and checks its exit
 * status. */
static void run(dm_demo *d) {
  char conf[PATH_MAX + 16], log[PATH_MAX + 16];
  int rc;
  snprintf(conf, sizeof conf, "%s/relay.ini", d->relay_dir);
  snprintf(log, sizeof log, "%s/relay.log", d->relay_dir);
  if ((rc = dm_relayd_start(&d->relayd, d->relayd_exe, conf, log, d->timeout_ms)) != 0) {
    dm_fail(d, "relay", "rejsepost-relayd did not start (%s); see %s", rp_strerror(rc),
            log);
    if (d->relayd.pid > 0) dm_daemon_stop(&d->relayd, 2000);
    return;
  }
  dm_event(d, "relay", NULL, "rejsepost-relayd pid %ld listening on %s",
           (long)d->relayd.pid, d->listen);
  run_team(d);
  rc = dm_daemon_stop(&d->relayd, d->timeout_ms);
  if (rc == 0)
    dm_event(d, "relay", NULL, "stopped by SIGTERM, exit status 0");
  else
    dm_fail(d, "relay", "stopped with status %d (%s)", rc,
            rc < 0 ? rp_strerror(rc) : "expected 0");
}

/* The programs the demo runs: the relay, the inbox daemon, and the command line (the
 * advisor's). */
static int find_programs(dm_demo *d, const programs *p) {
  if (dm_find_relayd(p->relayd, d->relayd_exe, sizeof d->relayd_exe) != 0)
    return tl_fail("cannot find rejsepost-relayd%s%s: build it (scripts/build.sh) or name "
                   "it with --relayd PATH or REJSEPOST_RELAYD",
                   p->relayd != NULL ? " at " : "", p->relayd != NULL ? p->relayd : "");
  if (dm_find_inboxd(p->inboxd, d->inboxd_exe, sizeof d->inboxd_exe) != 0)
    return tl_fail("cannot find rejsepost-inboxd%s%s: build it (scripts/build.sh) or name "
                   "it with --inboxd PATH or REJSEPOST_INBOXD",
                   p->inboxd != NULL ? " at " : "", p->inboxd != NULL ? p->inboxd : "");
  if (dm_find_rejsepost(p->rejsepost, d->rejsepost_exe, sizeof d->rejsepost_exe) != 0)
    return tl_fail("cannot find rejsepost%s%s: build it (scripts/build.sh) or name it with "
                   "--rejsepost PATH or REJSEPOST_CLI",
                   p->rejsepost != NULL ? " at " : "",
                   p->rejsepost != NULL ? p->rejsepost : "");
  if (dm_find_webd(p->webd, d->webd_exe, sizeof d->webd_exe) != 0)
    return tl_fail("cannot find rejsepost-webd%s%s: build it (scripts/build.sh) or name it "
                   "with --webd PATH or REJSEPOST_WEBD",
                   p->webd != NULL ? " at " : "", p->webd != NULL ? p->webd : "");
  return TL_OK;
}

/* A fresh private folder, absolute: the inbox daemon's settings name files in it. */
static int make_dir(dm_demo *d) {
  const char *tmp = getenv("TMPDIR");
  char real[PATH_MAX];
  snprintf(d->dir, sizeof d->dir, "%s/rejsepost-demo-XXXXXX",
           tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
  if (mkdtemp(d->dir) == NULL)
    return tl_fail("cannot create a temporary folder in %s: %s (set TMPDIR)",
                   tmp != NULL ? tmp : "/tmp", strerror(errno));
  if (realpath(d->dir, real) != NULL && strlen(real) < sizeof d->dir)
    snprintf(d->dir, sizeof d->dir, "%s", real);
  return TL_OK;
}

int main(int argc, char **argv) {
  static dm_demo d; /* large (paths): off the stack */
  programs p = {NULL, NULL, NULL, NULL};
  int keep = 0, rc;

  /* A closed pipe (rejsepost-demo | head) must end the write, not the process silently. */
  signal(SIGPIPE, SIG_IGN);
  memset(&d, 0, sizeof d);
  d.timeout_ms = DM_TIMEOUT_DEFAULT_S * 1000;
  d.relayd.pid = d.inboxd.pid = d.webd.pid = -1;
  if ((rc = parse(argc, argv, &d, &keep, &p)) != TL_OK) return rc < 0 ? TL_OK : rc;
  if (sodium_init() < 0) return tl_fail("libsodium could not be initialised");
  if (find_programs(&d, &p) != TL_OK || make_dir(&d) != TL_OK) return TL_FAIL;
  d.t0 = rp__clock_mono_ms();
  if (!d.quiet) {
    printf("rejsepost-demo: everything below is fictitious; no real person or case.\n");
    printf("folder %s\nrelay  %s\ninbox  %s\ncli    %s\nwebd   %s\n\n", d.dir, d.relayd_exe,
           d.inboxd_exe, d.rejsepost_exe, d.webd_exe);
    printf("%7s     %-13s %-8s  %s\n", "time", "who", "msg", "what");
  }
  if (dm_world_create(&d) == 0) run(&d);
  if (keep)
    printf("\nkept %s\n", d.dir);
  else if (nftw(d.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fprintf(stderr, "%s: warning: could not remove %s completely\n", tl_prog, d.dir);
  if (d.failures > 0) {
    printf("\ndemo FAILED: %d step%s did not work (exit status 1)\n", d.failures,
           d.failures == 1 ? "" : "s");
    return TL_FAIL;
  }
  printf("\ndemo OK: every step worked in %llu ms\n",
         (unsigned long long)(rp__clock_mono_ms() - d.t0));
  return TL_OK;
}
