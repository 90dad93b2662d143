/* SPDX-License-Identifier: MIT */
/*
 * rejsepost advisor: the team's advisor commands, which talk to rejsepost-inboxd over
 * its socket. They are the inbox's code (inbox/advisor_cli.c, also built as
 * rejsepost-advisor), with their own usage texts: every `rejsepost advisor CMD --help`
 * is answered there, so this command has none in the table.
 */
#include "advisor_cli.h"
#include "cmd.h"

int tl_cmd_advisor(int argc, char **argv) {
  return rp__advisor_main(argc, argv);
}
