/* SPDX-License-Identifier: MIT */
/*
 * rejsepost-demo, the end-to-end demo (a program of its own, never installed): the world
 * it builds (world.c), the team's inbox daemon (inboxd.c), the programs it runs
 * (daemon.c), the timeline it prints (demo.c), and the message flow: municipalities on
 * the client library (flow.c), the advisor through `rejsepost advisor` (team.c,
 * advisor.c), and the plan review's documents (review.c, with the PDF fixture of
 * pdf.c).
 */
#ifndef RP_TOOLS_DEMO_H
#define RP_TOOLS_DEMO_H

#include <limits.h>
#include <stdint.h>

#include "identity.h"
#include "daemon.h"

#define DM_MUNIS 3

/* One member of the demo's roster, with its key files in the demo folder. */
typedef struct dm_member {
  const char *id;
  const char *name;
  const char *code;     /* municipality code, NULL for the team */
  unsigned networks;    /* RP_NETWORK_* bits */
  char key[PATH_MAX];   /* secret key file (plain, 0600) */
  char state[PATH_MAX]; /* the client library's state folder */
} dm_member;

typedef struct dm_demo {
  char dir[1024];           /* the temporary folder (short: paths are built in it) */
  char relay_dir[PATH_MAX]; /* relay.key, relay.ini, roster.msgpack, spool */
  char relayd_exe[PATH_MAX];
  char listen[64];
  uint16_t port;
  uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES];
  uint8_t relay_pk[RP_X25519_PUBLICKEYBYTES]; /* the relay's transport key */
  dm_member team;
  dm_member munis[DM_MUNIS];
  dm_daemon relayd;
  char inbox_dir[1040]; /* inboxd.ini, inbox.db, inbox.datakey, audit.log, socket */
  char inboxd_exe[PATH_MAX];
  char inboxd_conf[1100];
  char sock[108];               /* the advisors' socket (sun_path is 108 bytes) */
  char rejsepost_exe[PATH_MAX]; /* the command line: the advisor runs `rejsepost advisor` */
  dm_daemon inboxd;
  /* the web workspace (web.c) */
  char webd_exe[PATH_MAX];
  char web_dir[1040]; /* webd.ini, cert.pem, key.pem, accounts.db, webd.log */
  char web_conf[1100], web_cert[1100], web_key[1100];
  char web_user[40], web_otp[32], web_url[64], web_fpr[100];
  uint16_t web_port;
  dm_daemon webd;
  int serve;      /* --serve: keep running until Ctrl-C */
  uint64_t t0;    /* monotonic ms at the start */
  int timeout_ms; /* per step */
  int quiet;
  int failures; /* steps that failed */
} dm_demo;

/* Prints one timeline line: "1234 ms  who  1a2b3c4d  what". msg_id (hex text, its first
 * 8 characters are shown) may be NULL. */
void dm_event(dm_demo *d, const char *who, const char *msg_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records a failed step (printed as FAIL on the timeline) and returns -1. */
int dm_fail(dm_demo *d, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Creates the administrator, relay, team and municipalities (key files), the signed
 * roster and the relay's config in d->dir. 0 or -1 (dm_fail called). */
int dm_world_create(dm_demo *d);

/* Writes the team's rejsepost-inboxd settings in d->inbox_dir (team key, data key file,
 * socket, office hours all day every day). 0 or -1 (dm_fail called). */
int dm_inboxd_configure(dm_demo *d);

/* Starts rejsepost-inboxd and waits for its "started" log line; 0 or -1. */
int dm_inboxd_start(dm_demo *d);

/* SIGTERM to the inbox daemon; checks exit status 0. 0 or -1. */
int dm_inboxd_stop(dm_demo *d);

/* The message flow, with the relay and the inbox daemon running: the municipalities'
 * requests, the advisor's list, claim, show and reply through `rejsepost advisor`, the
 * announcement, statuses. 0 if every step worked, else -1. */
int dm_flow_run(dm_demo *d);

/* Runs `rejsepost advisor --socket d->sock ARGS...` (a child process) with
 * `input` (may be NULL) on its stdin, at most d->timeout_ms. *out and *err get its
 * stdout and stderr (malloc'd, never NULL). Returns its exit status, or -1 if it could
 * not run or was killed at the deadline. */
int dm_advisor(dm_demo *d, const char *input, const char *const *args, char **out,
               char **err);

/* The web workspace (web.c), with the inbox daemon running: a self-signed certificate
 * (openssl), rejsepost-webd over HTTPS on loopback, an account for the demo's user with
 * a one-time password. 0 or -1 (dm_fail called). */
int dm_web_start(dm_demo *d);
/* One browser's visit with libcurl: the one-time login, enrolment, the inbox. 0 or -1. */
int dm_web_check(dm_demo *d);
/* Prints the URL and the one-time login. */
void dm_web_print_login(dm_demo *d);
/* Waits for Ctrl-C (SIGINT or SIGTERM), or for webd to exit. */
void dm_web_serve(dm_demo *d);
/* SIGTERM to webd; checks exit status 0. 0 or -1. */
int dm_web_stop(dm_demo *d);

#endif /* RP_TOOLS_DEMO_H */
