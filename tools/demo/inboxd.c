/* SPDX-License-Identifier: MIT */
/*
 * The demo's team side: the real rejsepost-inboxd, configured in the demo folder the way
 * docs/INBOX.md tells a team to do it (plain team key and data key files, mode 0600; a
 * socket only the daemon's user and group can open), and run as a child process.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "demo.h"
#include "rejsepost_errors.h"

/* Office hours all day, every day, holidays and half days too: the demo's requests
 * arrive inside office hours whenever it runs, so its timeline is the same at 03:00 on a
 * Sunday or on Christmas Day. (An akut request
 * out of hours would get the automatic reply with the emergency numbers; the inbox's
 * own tests show that one.) */
#define DM_OFFICE_HOURS "00:00-24:00"
#define DM_OFFICE_DAYS "mon-sun"
/* The advisor's pseudonym on replies: advisors hide their surnames. */
#define DM_ADVISOR_ROLE_ID "raadgiver:Rådgiver R7"

/* "[advisors]\nUSER = role:pseudonym\n" for the user running the demo (the daemon learns
 * who asks from the kernel, so the mapping is by Unix user name). The same user runs
 * the demo's rejsepost-webd, so it is the front end too (in a real installation webd has
 * a user of its own: docs/WEB.md). */
static void advisors_section(char *out, size_t cap) {
  struct passwd *pw = getpwuid(geteuid());
  out[0] = '\0';
  if (pw != NULL && pw->pw_name != NULL && strpbrk(pw->pw_name, "=;#[] \t") == NULL)
    snprintf(out, cap, "[advisors]\n%s = %s\n[socket]\nfrontends = %s\n", pw->pw_name,
             DM_ADVISOR_ROLE_ID, pw->pw_name);
}

int dm_inboxd_configure(dm_demo *d) {
  char relay_hex[65], admin_hex[65], advisors[300], text[8192];
  int n, rc;

  snprintf(d->inbox_dir, sizeof d->inbox_dir, "%s/inbox", d->dir);
  snprintf(d->inboxd_conf, sizeof d->inboxd_conf, "%s/inboxd.ini", d->inbox_dir);
  n = snprintf(d->sock, sizeof d->sock, "%s/advisor.sock", d->inbox_dir);
  if (n < 0 || (size_t)n >= sizeof d->sock)
    return dm_fail(d, "inboxd",
                   "socket path too long for a Unix socket: set TMPDIR to a "
                   "shorter folder");
  if (mkdir(d->inbox_dir, 0700) != 0)
    return dm_fail(d, "inboxd", "cannot create %s: %s", d->inbox_dir, strerror(errno));
  sodium_bin2hex(relay_hex, sizeof relay_hex, d->relay_pk, 32);
  sodium_bin2hex(admin_hex, sizeof admin_hex, d->admin_pk, 32);
  advisors_section(advisors, sizeof advisors);
  n = snprintf(
      text, sizeof text,
      "# rejsepost-inboxd for the demo (docs/INBOX.md explains every setting)\n"
      "[client]\nstate_dir = %s\nidentity = %s\nrelay_host = 127.0.0.1\n"
      "relay_port = %u\nrelay_key = %s\nadmin_key = %s\nroster = %s/roster.msgpack\n"
      "[inbox]\ndatabase = inbox.db\ndata_key = inbox.datakey\n"
      "audit_log = audit.log\ncheck_interval_ms = 200\nlog_level = info\n"
      "[socket]\npath = advisor.sock\n"
      "[office]\nhours = " DM_OFFICE_HOURS "\ndays = " DM_OFFICE_DAYS "\n"
      "holidays = none\nhalf_days = none\n"
      "socialvagt = kommunens socialvagt\n%s",
      d->team.state, d->team.key, (unsigned)d->port, relay_hex, admin_hex, d->relay_dir,
      advisors);
  if (n < 0 || (size_t)n >= sizeof text) return dm_fail(d, "inboxd", "settings too long");
  if ((rc = rp__file_write(d->inboxd_conf, text, (size_t)n, 0600, 1)) != 0)
    return dm_fail(d, "inboxd", "cannot write %s: %s", d->inboxd_conf, rp_strerror(rc));
  dm_event(d, "inboxd", NULL,
           "configured: team key %s.key (0600), data key file inbox.datakey (0600), "
           "socket inbox/advisor.sock",
           d->team.id);
  dm_event(d, "inboxd", NULL,
           "office hours %s %s: the requests arrive in office hours (no automatic "
           "out-of-hours reply)",
           DM_OFFICE_HOURS, DM_OFFICE_DAYS);
  return 0;
}

/* The daemon creates the data key at first start; it must be the owner's alone. Only
 * the team's group may open the socket. */
static int check_datakey(dm_demo *d) {
  char path[PATH_MAX + 32];
  struct stat st;
  snprintf(path, sizeof path, "%s/inbox.datakey", d->inbox_dir);
  if (stat(path, &st) != 0)
    return dm_fail(d, "inboxd", "no data key file after start: %s", strerror(errno));
  if ((st.st_mode & 0777) != 0600)
    return dm_fail(d, "inboxd", "the data key file has mode %03o, expected 600",
                   (unsigned)(st.st_mode & 0777));
  if (stat(d->sock, &st) != 0 || (st.st_mode & 0777) != 0660)
    return dm_fail(d, "inboxd", "the advisor socket is missing or not mode 0660");
  return 0;
}

int dm_inboxd_start(dm_demo *d) {
  char log[PATH_MAX + 16];
  char *args[] = {(char *)"rejsepost-inboxd", (char *)"--config", d->inboxd_conf, NULL};
  int rc;
  snprintf(log, sizeof log, "%s/inboxd.log", d->inbox_dir);
  rc =
      dm_daemon_start(&d->inboxd, d->inboxd_exe, args, log, "event=started", d->timeout_ms);
  if (rc != 0) {
    dm_fail(d, "inboxd", "rejsepost-inboxd did not start (%s); see %s", rp_strerror(rc),
            log);
    if (d->inboxd.pid > 0) dm_daemon_stop(&d->inboxd, 2000);
    return -1;
  }
  dm_event(d, "inboxd", NULL,
           "rejsepost-inboxd pid %ld started: holds the team key, "
           "advisor socket mode 0660",
           (long)d->inboxd.pid);
  return check_datakey(d);
}

int dm_inboxd_stop(dm_demo *d) {
  int rc;
  if (d->inboxd.pid <= 0) return 0;
  rc = dm_daemon_stop(&d->inboxd, d->timeout_ms);
  if (rc != 0)
    return dm_fail(d, "inboxd", "stopped with status %d (%s)", rc,
                   rc < 0 ? rp_strerror(rc) : "expected 0");
  dm_event(d, "inboxd", NULL, "stopped by SIGTERM, exit status 0");
  return 0;
}
