/* SPDX-License-Identifier: MIT */
/* rejsepost-webd: the advisors' web workspace. docs/WEB.md is its manual. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "rejsepost.h"
#include "rejsepost_errors.h"
#include "web_int.h"

int rp__web_admin(rp__webd *w, int argc, char **argv);

static const char k_help[] =
    "Usage: rejsepost-webd --config FILE [--check]\n"
    "       rejsepost-webd --config FILE account add NAME\n"
    "       rejsepost-webd --config FILE account reset NAME\n"
    "       rejsepost-webd --config FILE account unlock NAME\n"
    "       rejsepost-webd --config FILE account delete NAME\n"
    "       rejsepost-webd --config FILE account list\n"
    "\n"
    "The advisors' web workspace: serves the team's inbox in a browser, as a front end\n"
    "of rejsepost-inboxd's advisor socket. It never holds the team key and never opens\n"
    "the inbox store.\n"
    "\n"
    "  --config FILE   the INI configuration (docs/WEB.md lists every setting)\n"
    "  --check         load the configuration, certificate and accounts, then exit\n"
    "  account add NAME     a new account with a one-time password (printed); NAME is\n"
    "                       the advisor's name in the inbox daemon's [advisors]\n"
    "  account reset NAME   a new one-time password; the second factor is enrolled anew\n"
    "  account unlock NAME  ends a lockout after failed logins\n"
    "  account delete NAME  removes the account\n"
    "  account list         names, states and locks\n"
    "  --help, --version\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop (sessions are kept in memory only and end).\n"
    "Exit status: 0 done, 1 failure, 2 usage or configuration error.\n";

static int read_pem(const char *path, char **out) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int r = rp__file_read(path, 1u << 20, &buf, &len);
  *out = NULL;
  if (r != 0) return r;
  char *s = malloc(len + 1);
  if (s == NULL) {
    free(buf);
    return RP_ENOMEM;
  }
  memcpy(s, buf, len);
  s[len] = 0;
  sodium_memzero(buf, len);
  free(buf);
  *out = s;
  return 0;
}

static void free_pem(char *s) {
  if (s != NULL) {
    sodium_memzero(s, strlen(s));
    free(s);
  }
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                       {"check", no_argument, NULL, 'k'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"version", no_argument, NULL, 'v'},
                                       {NULL, 0, NULL, 0}};
  const char *config = NULL;
  int check = 0, c, r, ret = 1;
  char err[512];
  static rp__webd w; /* large (sessions, rate table): not on the stack */
  rp__log_set_journal(rp__log_journal_detect(2));
  while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      config = optarg;
      break;
    case 'k':
      check = 1;
      break;
    case 'h':
      fputs(k_help, stdout);
      return 0;
    case 'v':
      printf("rejsepost-webd %s\n", rp_version_string());
      return 0;
    default:
      fputs(k_help, stderr);
      return 2;
    }
  }
  int admin = optind < argc && strcmp(argv[optind], "account") == 0;
  if (config == NULL || (optind != argc && !admin)) {
    fputs(k_help, stderr);
    return 2;
  }
  if (sodium_init() < 0) return 1;
  umask(077);
  rp__web_config_defaults(&w.cfg);
  if ((r = rp__web_config_load(config, &w.cfg, err, sizeof err)) != 0) {
    fprintf(stderr, "rejsepost-webd: %s\n", err);
    return 2;
  }
  /* Uploads wait in webd's own folder, unlinked at once (web_http.c). */
  snprintf(w.tmpdir, sizeof w.tmpdir, "%s", w.cfg.accounts);
  char *slash = strrchr(w.tmpdir, '/');
  if (slash == NULL)
    snprintf(w.tmpdir, sizeof w.tmpdir, ".");
  else if (slash == w.tmpdir)
    slash[1] = 0;
  else
    *slash = 0;
  if ((r = rp__web_accts_open(w.cfg.accounts, &w.accts)) != 0) {
    fprintf(stderr, "rejsepost-webd: cannot open the accounts store %s: %s\n",
            w.cfg.accounts, rp_strerror(r));
    return 1;
  }
  if (admin) {
    ret = rp__web_admin(&w, argc - optind - 1, argv + optind + 1);
    rp__web_accts_close(w.accts);
    return ret;
  }
  if (w.cfg.tls_cert[0] != 0 && ((r = read_pem(w.cfg.tls_cert, &w.cert_pem)) != 0 ||
                                 (r = read_pem(w.cfg.tls_key, &w.key_pem)) != 0)) {
    fprintf(stderr, "rejsepost-webd: cannot read the TLS certificate or key: %s\n",
            rp_strerror(r));
    ret = 2;
  } else if (rp__web_pw_hash("not a password of anyone", w.dummy_hash) != 0) {
    ret = 1;
  } else if (check) {
    printf("rejsepost-webd: configuration, certificate and accounts are fine\n");
    ret = 0;
  } else {
    /* It needs no privilege: the systemd unit runs it as its own user. */
    if (geteuid() == 0)
      rp__log_warn("event=running_as_root (run rejsepost-webd as a user of its own)");
    rp__web_sess_init(&w.sess, w.cfg.idle_s, w.cfg.absolute_s);
    ret = rp__webd_serve(&w) == 0 ? 0 : 1;
  }
  free_pem(w.cert_pem);
  free_pem(w.key_pem);
  rp__web_accts_close(w.accts);
  return ret;
}
