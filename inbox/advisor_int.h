/* SPDX-License-Identifier: MIT */
/* Shared by the advisor command files. */
#ifndef RP_ADVISOR_INT_H
#define RP_ADVISOR_INT_H

#include <stddef.h>
#include <stdio.h>

#include "ibx_areq.h"

typedef struct rp__adv_opts {
  const char *socket;
  const char *file;      /* --file */
  int use_stdin;         /* --stdin */
  int json;              /* --json */
  const char *out;       /* export --out PREFIX */
  const char *save_path; /* save THREAD N PATH */
  /* reply --attach FILE[:kind]: the files, and the request's "attach" text built from
   * them (advisor_attach.c) */
  const char *attach[16];
  unsigned nattach;
  char *attach_spec;
  int attach_fds[16];
} rp__adv_opts;

/* advisor_attach.c: opens the --attach files (as the user running the command) into
 * o->attach_fds and builds o->attach_spec; 0 or 2 (printed). */
int rp__adv_attach_open(rp__adv_opts *o);
void rp__adv_attach_close(rp__adv_opts *o);

/* advisor_attach.c: save's file: created O_EXCL, 0600, filled from the daemon's frames,
 * checked against rs's size and sha256, removed on any failure. Exit status. */
struct rp__ibx_resp;
int rp__adv_save_receive(int fd, const char *path, int out, const struct rp__ibx_resp *rs);
/* Sends one request frame with n open files passed along (SCM_RIGHTS). */
int rp__adv_send_with_fds(int fd, const uint8_t *body, size_t len, const int *fds,
                          unsigned n);

/* Parses the options of subcommand argv[0] into req and o. 0 or 2 (usage, printed). */
int rp__adv_parse(int argc, char **argv, rp__ibx_req *req, rp__adv_opts *o, char **textbuf);

/* Reads the text of a reply, question or programme from --file, --stdin or $EDITOR
 * into a malloc'd NUL-terminated buffer. 0 or 2 (printed). */
int rp__adv_read_text(const rp__adv_opts *o, const char *what, char **out);

/* advisor_usage.c: the overview, and one command's usage (RP_ENOTFOUND if name is
 * unknown). */
void rp__adv_usage_all(FILE *out);
int rp__adv_usage_cmd(const char *name, FILE *out);

#endif
