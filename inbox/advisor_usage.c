/* SPDX-License-Identifier: MIT */
/* The advisor commands' usage texts: one table, printed whole for `rejsepost advisor
 * --help` and one entry for `rejsepost advisor <command> --help`. */
#include <stdio.h>
#include <string.h>

#include "advisor_cli.h"
#include "advisor_int.h"
#include "rejsepost_errors.h"

typedef struct adv_usage {
  const char *name;     /* as typed */
  const char *synopsis; /* the arguments after the name */
  const char *summary;  /* one line for the overview */
  const char *detail;   /* what --help of the command adds */
} adv_usage;

static const adv_usage k_cmds[] = {
    {"list", "[--state S] [--municipality NNN] [--category C] [--all] [--json]",
     "threads, akut first, then by deadline; '!!' marks akut, OVERDUE a missed deadline",
     "Lists the inbox's threads: akut first, then by deadline. Closed threads only with\n"
     "--all or --state closed. Short ids name the threads (any unique prefix works).\n"
     "  --state S            new, opened, claimed, answered, waiting or closed\n"
     "  --municipality NNN   one municipality's threads\n"
     "  --category C         one request category (e.g. trusler, tvangsaegteskab)\n"
     "  --json               JSON on stdout; a note (a cap reached) goes to stderr\n"},
    {"show", "THREAD [--json]", "the thread; the first opening sends the 'opened' receipt",
     "Shows the thread and every message in it, decrypted. The first opening sends the\n"
     "municipality the 'opened' receipt and stops an akut request's clock.\n"},
    {"claim", "THREAD [--takeover]", "take the thread (--takeover: from another advisor)",
     "Makes you the thread's holder; the municipality is told who handles it (tildeling).\n"
     "A thread another advisor holds is refused, naming them; --takeover takes it over\n"
     "(the audit log records action=takeover).\n"},
    {"assign", "THREAD --to USER", "give the thread you hold to a colleague",
     "Makes USER (a Unix user listed in [advisors]) the thread's holder; the municipality\n"
     "is told (tildeling) and the audit log records it. You may assign a thread you hold\n"
     "or one nobody holds.\n"},
    {"reply", "THREAD [--file F | --stdin] [--attach FILE[:kind]]...",
     "send advice (default: edit it in $EDITOR)",
     "Sends advice (svar) to the municipality. Only the thread's holder may reply to a\n"
     "claimed thread. The text comes from --file, --stdin, or $VISUAL / $EDITOR on a\n"
     "temporary file (mode 0600, in $TMPDIR, removed afterwards).\n"
     "  --attach FILE[:kind]  a document to send along (repeatable, at most 16); kind is\n"
     "                        beredskabsplan_udkast, handlingsplan, risikovurdering or\n"
     "                        andet (default). The file is opened by this command, as "
     "you,\n"
     "                        and handed to the daemon open; it must be a regular file.\n"},
    {"ask", "THREAD [--file F | --stdin]", "ask the municipality for more information",
     "Sends a request for more information; text as for reply. Only the thread's holder\n"
     "may ask on a claimed thread.\n"},
    {"close", "THREAD --outcome O", "close with an anonymous outcome code",
     "Closes the thread and tells the municipality. O is one of raadgivning_givet,\n"
     "henvist_specialtilbud, exit_ivaerksat, plan_udarbejdet, besoeg_gennemfoert,\n"
     "samtykke_tilbagekaldt, ingen_yderligere_kontakt, andet.\n"},
    {"announce",
     "--network oest|vest --date YYYY-MM-DD --host NNN --title T --deadline YYYY-MM-DD "
     "[--file F | --stdin]",
     "programme to every member of a network",
     "Sends a network announcement (netvaerksindkaldelse) to every active municipality of\n"
     "the network in the roster; the programme text as for reply.\n"},
    {"registrations", "[--json]", "registrations received for announcements",
     "Lists the registrations (tilmeldinger) that came back for announcements.\n"},
    {"save", "THREAD N PATH", "write attachment N of the thread (show lists them) to PATH",
     "Writes attachment N (the number show gives it) to a new file PATH, mode 0600, made\n"
     "by this command as you; an existing PATH is refused. The size and sha256 are\n"
     "checked; a save that fails leaves no file. The audit log records it.\n"},
    {"export", "THREAD --out PREFIX", "write PREFIX.json and PREFIX.txt (mode 0600)",
     "Writes the thread, decrypted, to PREFIX.json and PREFIX.txt (mode 0600).\n"},
    {"audit-verify", "", "check the audit log's hash chain",
     "Verifies the audit log's hash chain and its head kept in the store; names the first\n"
     "bad line.\n"},
};
#define NCMDS (sizeof k_cmds / sizeof k_cmds[0])

static const char k_tail[] =
    "\n"
    "THREAD is a thread's id or a unique prefix of it (at least 4 hex digits), as the\n"
    "listing shows it. Global option, before the command: --socket PATH "
    "(default\n" RP_ADVISOR_SOCKET_DEFAULT ", or $RP_ADVISOR_SOCKET).\n"
    "Exit status: 0 done, 1 refused or failed, 2 usage error, 3 the daemon cannot be\n"
    "reached.\n";

void rp__adv_usage_all(FILE *out) {
  fputs(
      "Usage: rejsepost advisor [--socket PATH] <command> [options]\n"
      "\n"
      "The team's advisor commands; they talk to rejsepost-inboxd over its local socket.\n"
      "'rejsepost advisor <command> --help' explains one command.\n\n",
      out);
  for (size_t i = 0; i < NCMDS; i++)
    fprintf(out, "  %s %s\n      %s\n", k_cmds[i].name, k_cmds[i].synopsis,
            k_cmds[i].summary);
  fputs(k_tail, out);
}

int rp__adv_usage_cmd(const char *name, FILE *out) {
  for (size_t i = 0; i < NCMDS; i++)
    if (strcmp(k_cmds[i].name, name) == 0) {
      fprintf(out, "Usage: rejsepost advisor %s %s\n\n%s", name, k_cmds[i].synopsis,
              k_cmds[i].detail);
      fputs(k_tail, out);
      return 0;
    }
  return RP_ENOTFOUND;
}
