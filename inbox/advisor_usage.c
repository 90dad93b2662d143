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
    {"list",
     "[--state S] [--urgency U] [--municipality NNN] [--network N] [--category C] [--all] "
     "[--json]",
     "threads, akut first, then by deadline; '!!' marks akut, OVERDUE a missed deadline",
     "Lists the inbox's threads: akut first, then by deadline. Closed threads only with\n"
     "--all or --state closed. Short ids name the threads (any unique prefix works).\n"
     "  --state S            new, opened, claimed, answered, waiting or closed\n"
     "  --urgency U          akut, haster, normal or plan\n"
     "  --municipality NNN   one municipality's threads\n"
     "  --network N          oest or vest: threads of that network's municipalities\n"
     "                       (their membership in the roster now)\n"
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
    {"reply",
     "THREAD --reporting-duty yes|no [--recommend A[,A]]... [--referral "
     "KIND[:NAME[:NOTE]]]... "
     "[--risk-view V] [--needs-more-info] [--follow-up YYYY-MM-DD] [--meeting-offer] "
     "[--file F | --stdin] [--attach FILE[:kind]]...",
     "send advice with its coded fields (default: edit it in $EDITOR)",
     "Sends advice (svar) to the municipality. Only the thread's holder may reply to a\n"
     "claimed thread. The text comes from --file, --stdin, or $VISUAL / $EDITOR on a\n"
     "temporary file (mode 0600, in $TMPDIR, removed afterwards).\n"
     "  --reporting-duty yes|no  required: does the advice say the municipality must\n"
     "                        report (underretningspligt)? You decide; no default.\n"
     "  --recommend A         recommended actions (repeatable or comma-separated):\n"
     "                        ikke_inddrage_familien, risikovurdering, sikkerhedsplan,\n"
     "                        kontakt_politi, adressebeskyttelse, underretning,\n"
     "                        henvis_specialtilbud\n"
     "  --referral KIND[:NAME[:NOTE]]  a referral (repeatable, at most 16); KIND is\n"
     "                        specialtilbud, krisecenter, sikker_bolig, politi,\n"
     "                        exit_tilbud, juridisk_raadgivning or andet\n"
     "  --risk-view V         your view of the risk: lav, middel, hoej or ukendt\n"
     "  --needs-more-info     the advice needs more information from the municipality\n"
     "  --follow-up DATE      a follow-up date (YYYY-MM-DD, Copenhagen)\n"
     "  --meeting-offer       offer a meeting\n"
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
    {"recall", "THREAD MSG [--reason R]", "recall a message the team sent in the thread",
     "Sends a recall (tilbagekaldelse) of message MSG (its id or a unique prefix; show\n"
     "lists them), which the team sent. Its content is hidden from show, export and save\n"
     "from then on (marked tilbagekaldt, with the time). R is forkert_modtager,\n"
     "forkert_indhold, dublet or andet (default).\n"},
    {"meeting-propose",
     "THREAD --slot YYYY-MM-DDTHH:MM/MIN [--slot ...] --mode online|fysisk [--place P] "
     "[--about MSG]",
     "propose meeting times",
     "Sends a meeting proposal (1..8 slots, Copenhagen time, length in minutes). The\n"
     "meeting is the one MSG belongs to (--about), else the thread's latest meeting\n"
     "message, else the request. P (with fysisk): hos_kommunen, hos_rejseholdet or\n"
     "andet_sted. show --json lists the thread's meeting messages under \"meetings\".\n"},
    {"meeting-confirm",
     "THREAD --slot YYYY-MM-DDTHH:MM/MIN --mode online|fysisk [--place P] [--about MSG]",
     "confirm the chosen meeting time",
     "Sends a meeting confirmation with the one slot chosen; the meeting as for\n"
     "meeting-propose.\n"},
    {"meeting-cancel", "THREAD [--reason R] [--about MSG]", "cancel a meeting",
     "Sends a meeting cancellation. R is aflyst_af_kommunen, aflyst_af_rejseholdet,\n"
     "ny_tid_oenskes or andet; the meeting as for meeting-propose.\n"},
    {"stats", "[--from YYYY-MM-DD] [--until YYYY-MM-DD] [--json]",
     "counts for the team lead: quarters, urgency, category, region, service clock",
     "Counts of threads and requests per quarter of arrival, urgency, category and region\n"
     "(the network of the municipality in the roster), the outcomes, and the service\n"
     "clock per urgency (share opened in time; share whose clock stopped in time). Only\n"
     "counts: no ids, names or text. --from/--until limit by arrival day (inclusive).\n"},
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
