/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of rejsepost, as the WireGuard tools lay them out (src/wg.c): one file
 * per command or group of commands, tools/cmd_<name>.c, holding each command's function
 * and, beside it, its usage text; main.c holds only the table and the dispatch. A
 * command's function gets argv[0] = its name ("keys new") and its own arguments, and
 * returns the exit status: TL_OK, TL_FAIL or TL_USAGE (cli.h). main.c answers --help
 * and `help CMD` with the usage text without calling the function.
 */
#ifndef RP_TOOLS_CMD_H
#define RP_TOOLS_CMD_H

/* One subcommand. `name` may be two words ("keys new"). */
typedef struct tl_cmd {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary; /* one line for the command list */
  const char *usage;   /* the full help text; NULL: fn prints its own for --help */
} tl_cmd;

/* Declares command `name`'s function tl_cmd_<name> and usage text tl_usage_<name>. */
#define TL_CMD(name)                                                                       \
  int tl_cmd_##name(int argc, char **argv);                                                \
  extern const char tl_usage_##name[]

/* cmd_keys.c */
TL_CMD(keys_new);
TL_CMD(keys_show);
TL_CMD(keys_verify);
/* cmd_roster.c */
TL_CMD(roster_new);
TL_CMD(roster_add);
TL_CMD(roster_revoke);
TL_CMD(roster_sign);
TL_CMD(roster_show);
/* cmd_relay.c */
TL_CMD(relay_init);
/* cmd_setup.c */
TL_CMD(setup);
/* cmd_check.c */
TL_CMD(check);
/* cmd_send.c */
TL_CMD(send);
/* cmd_status.c */
TL_CMD(status);
/* cmd_inbox.c */
TL_CMD(inbox);
TL_CMD(read);
TL_CMD(mark);
/* cmd_save.c */
TL_CMD(save);
/* The municipality's workflow beyond the request (outgo.h): cmd_answer.c, cmd_consent.c,
 * cmd_recall.c, cmd_meeting.c, cmd_register.c, cmd_plan.c */
TL_CMD(answer);
TL_CMD(withdraw_consent);
TL_CMD(recall);
TL_CMD(meeting_confirm);
TL_CMD(meeting_cancel);
TL_CMD(register);
TL_CMD(plan_review);

/* cmd_advisor.c: the inbox's advisor commands, which print their own usage texts. */
int tl_cmd_advisor(int argc, char **argv);

#endif /* RP_TOOLS_CMD_H */
