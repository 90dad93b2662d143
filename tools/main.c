/* SPDX-License-Identifier: MIT */
/*
 * rejsepost: one command line with subcommands, dispatched from the table below (the
 * WireGuard tools' layout). Every subcommand takes --help; `rejsepost help CMD` prints
 * the same text. Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "cmd.h"

const char tl_prog[] = "rejsepost";

#ifndef RP_VERSION
#define RP_VERSION "unknown"
#endif

/* After the command list in `rejsepost help`. */
static const char main_tail[] =
    "\n"
    "Every command takes --help. Exit status: 0 done, 1 failed, 2 usage error.\n"
    "\n"
    "Setting up (administrator):\n"
    "  rejsepost keys new --id admin --kind admin --out admin.key --passphrase-file P\n"
    "  rejsepost roster new --admin-key admin.key --passphrase-file P --out roster.rp\n"
    "  rejsepost relay init relay/ --admin-pub admin.key.pub --listen 0.0.0.0:7443\n"
    "  rejsepost roster add roster.rp --admin-key admin.key --passphrase-file P \\\n"
    "      --member kbh.key.pub --kind municipality --name 'København' \\\n"
    "      --municipality 101 --network east\n"
    "\n"
    "A municipality's state folder (send, status, inbox, read, mark, save and the\n"
    "workflow commands answer ... withdraw-consent):\n"
    "  These commands take --state DIR (or $REJSEPOST_STATE). DIR holds the local outbox\n"
    "  and inbox (SQLite) and the file DIR/rejsepost.conf, written once by\n"
    "  'rejsepost setup': lines 'name = value' with key_file, passphrase_file (optional),\n"
    "  relay (HOST:PORT, or several addresses of the same relay separated by commas,\n"
    "  tried in order), relay_key and admin_key (hex or a key file) and roster_file\n"
    "  (the signed roster to start from).\n";

static const tl_cmd tl_commands[] = {
    {"keys new", tl_cmd_keys_new, "create a member's keys and print the fingerprint",
     tl_usage_keys_new},
    {"keys show", tl_cmd_keys_show, "print a key file's id, public keys and fingerprint",
     tl_usage_keys_show},
    {"keys verify-fingerprint", tl_cmd_keys_verify,
     "compare a fingerprint read aloud with a key file", tl_usage_keys_verify},
    {"roster new", tl_cmd_roster_new, "start a signed roster (administrator)",
     tl_usage_roster_new},
    {"roster add", tl_cmd_roster_add, "enrol a member in the roster (administrator)",
     tl_usage_roster_add},
    {"roster revoke", tl_cmd_roster_revoke, "revoke a member (administrator)",
     tl_usage_roster_revoke},
    {"roster sign", tl_cmd_roster_sign, "bump the version and sign again (administrator)",
     tl_usage_roster_sign},
    {"roster show", tl_cmd_roster_show, "verify a roster and list its members",
     tl_usage_roster_show},
    {"relay init", tl_cmd_relay_init, "create a relay's key and config in a folder",
     tl_usage_relay_init},
    {"setup", tl_cmd_setup, "write a municipality's state folder config", tl_usage_setup},
    {"check", tl_cmd_check, "validate a request file (JSON or msgpack) offline",
     tl_usage_check},
    {"send", tl_cmd_send, "send a request (from flags or a JSON/msgpack file)",
     tl_usage_send},
    {"status", tl_cmd_status, "show the state of sent messages", tl_usage_status},
    {"inbox", tl_cmd_inbox, "list received messages", tl_usage_inbox},
    {"read", tl_cmd_read, "show one received message", tl_usage_read},
    {"mark", tl_cmd_mark, "mark a received message handled", tl_usage_mark},
    {"save", tl_cmd_save, "save a received message's attachment to a new file",
     tl_usage_save},
    {"answer", tl_cmd_answer, "answer the team's request for more information",
     tl_usage_answer},
    {"plan-review", tl_cmd_plan_review, "send a draft plan for review, attached",
     tl_usage_plan_review},
    {"meeting confirm", tl_cmd_meeting_confirm, "confirm a slot of a meeting proposal",
     tl_usage_meeting_confirm},
    {"meeting cancel", tl_cmd_meeting_cancel, "cancel a meeting", tl_usage_meeting_cancel},
    {"register", tl_cmd_register, "register for a network meeting (or decline)",
     tl_usage_register},
    {"recall", tl_cmd_recall, "recall a message sent by mistake", tl_usage_recall},
    {"withdraw-consent", tl_cmd_withdraw_consent,
     "tell the team the consent was withdrawn: processing stops",
     tl_usage_withdraw_consent},
    /* No usage text here: the inbox's advisor code prints its own (one text, one place). */
    {"advisor", tl_cmd_advisor, "the team's advisor commands (talk to rejsepost-inboxd)",
     NULL},
};
static const size_t tl_ncommands = sizeof tl_commands / sizeof tl_commands[0];

static size_t name_words(const char *name) {
  return strchr(name, ' ') != NULL ? 2 : 1;
}

/* The command named by args[0] (and args[1] for two-word names), or NULL. */
static const tl_cmd *find_cmd(int argc, char **args) {
  for (size_t i = 0; i < tl_ncommands; i++) {
    const char *name = tl_commands[i].name, *sp = strchr(name, ' ');
    if (sp == NULL) {
      if (argc >= 1 && strcmp(args[0], name) == 0) return &tl_commands[i];
    } else if (argc >= 2 && strncmp(args[0], name, (size_t)(sp - name)) == 0 &&
               args[0][sp - name] == '\0' && strcmp(args[1], sp + 1) == 0) {
      return &tl_commands[i];
    }
  }
  return NULL;
}

/* Is `word` the first word of some two-word command ("keys", "roster", "relay")? */
static int is_group(const char *word) {
  size_t n = strlen(word);
  for (size_t i = 0; i < tl_ncommands; i++) {
    const char *name = tl_commands[i].name;
    if (strncmp(name, word, n) == 0 && name[n] == ' ') return 1;
  }
  return 0;
}

static void list_commands(FILE *out, const char *group) {
  size_t n = group != NULL ? strlen(group) : 0;
  for (size_t i = 0; i < tl_ncommands; i++) {
    const char *name = tl_commands[i].name;
    if (group != NULL && (strncmp(name, group, n) != 0 || name[n] != ' ')) continue;
    fprintf(out, "  %-26s %s\n", name, tl_commands[i].summary);
  }
}

static void print_main_help(FILE *out) {
  fprintf(out, "Usage: %s COMMAND [ARGS]\n\nCommands:\n", tl_prog);
  list_commands(out, NULL);
  fprintf(out, "  %-26s %s\n", "help [COMMAND]", "print this text or a command's help");
  fputs(main_tail, out);
}

/* A command without a usage text in the table prints its own for --help. */
static int own_help(const tl_cmd *c) {
  char *args[] = {(char *)c->name, (char *)"--help", NULL};
  return c->fn(2, args);
}

static int cmd_help(int argc, char **argv) {
  const tl_cmd *c;
  if (argc == 0) {
    print_main_help(stdout);
    return TL_OK;
  }
  if ((c = find_cmd(argc, argv)) != NULL && argc == (int)name_words(c->name)) {
    if (c->usage == NULL) return own_help(c);
    fputs(c->usage, stdout);
    return TL_OK;
  }
  if (argc == 1 && is_group(argv[0])) {
    printf("Usage: %s %s SUBCOMMAND [ARGS]\n\n", tl_prog, argv[0]);
    list_commands(stdout, argv[0]);
    return TL_OK;
  }
  fprintf(stderr, "%s help: no command '%s'.\nTry '%s help' for the list.\n", tl_prog,
          argv[0], tl_prog);
  return TL_USAGE;
}

/* --help or -h anywhere before a "--" asks for the command's help. */
static int wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const tl_cmd *c;
  size_t words;

  /* A closed pipe (rejsepost ... | head) must end the write, not the process silently. */
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    print_main_help(stderr);
    return TL_USAGE;
  }
  if (strcmp(argv[1], "help") == 0) return cmd_help(argc - 2, argv + 2);
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    print_main_help(stdout);
    return TL_OK;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("%s %s\n", tl_prog, RP_VERSION);
    return TL_OK;
  }
  if ((c = find_cmd(argc - 1, argv + 1)) == NULL) {
    if (is_group(argv[1])) {
      fprintf(stderr, "%s %s: %s\n", tl_prog, argv[1],
              argc > 2 ? "unknown subcommand" : "a subcommand is needed");
      fprintf(stderr, "Subcommands:\n");
      list_commands(stderr, argv[1]);
      return TL_USAGE;
    }
    fprintf(stderr, "%s: unknown command '%s'.\nTry '%s help' for the list.\n", tl_prog,
            argv[1], tl_prog);
    return TL_USAGE;
  }
  words = name_words(c->name);
  /* The command sees itself as argv[0], then its own arguments. */
  argv[words] = (char *)c->name;
  if (c->usage != NULL && wants_help(argc - (int)words, argv + words)) {
    fputs(c->usage, stdout);
    return TL_OK;
  }
  if (sodium_init() < 0) return tl_fail("libsodium could not be initialised");
  return c->fn(argc - (int)words, argv + words);
}
