/* SPDX-License-Identifier: MIT */
/* The help texts of every subcommand, kept together so they read as one manual. */
#ifndef RP_TOOLS_USAGE_H
#define RP_TOOLS_USAGE_H

#define TL_USAGE_MAIN_TAIL                                                               \
  "\n"                                                                                   \
  "Every command takes --help. Exit status: 0 done, 1 failed, 2 usage error.\n"         \
  "\n"                                                                                   \
  "Setting up (administrator):\n"                                                        \
  "  rejsepost keys new --id admin --kind admin --out admin.key --passphrase-file P\n"   \
  "  rejsepost roster new --admin-key admin.key --passphrase-file P --out roster.rp\n"   \
  "  rejsepost relay init relay/ --admin-pub admin.key.pub --listen 0.0.0.0:7443\n"     \
  "  rejsepost roster add roster.rp --admin-key admin.key --passphrase-file P \\\n"      \
  "      --member kbh.key.pub --kind municipality --name 'København' \\\n"             \
  "      --municipality 101 --network east\n"                                            \
  "\n"                                                                                   \
  "A municipality's state folder (send, status, inbox, read, mark):\n"                   \
  "  These commands take --state DIR (or $REJSEPOST_STATE). DIR holds the local outbox\n" \
  "  and inbox (SQLite) and the file DIR/rejsepost.conf, written once by\n"              \
  "  'rejsepost setup': lines 'name = value' with key_file, passphrase_file (optional),\n" \
  "  relay (HOST:PORT), relay_key (hex), admin_key (hex) and team (the team's id).\n"

#define TL_USAGE_KEYS_NEW                                                                \
  "Usage: rejsepost keys new --id ID --kind KIND --out FILE\n"                           \
  "                          (--passphrase-file F | --plain) [--kdf interactive|moderate]\n" \
  "\n"                                                                                   \
  "Creates a member's keys: an Ed25519 identity key and two X25519 keys (transport and\n" \
  "message) signed by it. Writes the secret key file FILE and the public export\n"      \
  "FILE.pub, which goes to the administrator for 'rejsepost roster add', and prints\n"  \
  "the fingerprint to compare over the phone.\n"                                         \
  "\n"                                                                                   \
  "  --id ID               member id (no spaces), e.g. kbh-101\n"                        \
  "  --kind KIND           team, municipality, admin or relay\n"                         \
  "  --out FILE            secret key file to create (never overwritten)\n"              \
  "  --passphrase-file F   encrypt FILE with the first line of F (Argon2id);\n"          \
  "                        F = - reads standard input\n"                                 \
  "  --plain               store the secret in clear, mode 0600 (daemons only)\n"        \
  "  --kdf LEVEL           Argon2id cost: moderate (default, ~1 s, 256 MiB) or\n"        \
  "                        interactive (64 MiB; for tests)\n"

#define TL_USAGE_KEYS_SHOW                                                               \
  "Usage: rejsepost keys show FILE\n"                                                    \
  "\n"                                                                                   \
  "Prints a key file's member id, its three public keys and the fingerprint. FILE may\n" \
  "be a secret key file or a public export (.pub); no passphrase is needed.\n"           \
  "A plain secret key file readable by others is refused.\n"

#define TL_USAGE_KEYS_VERIFY                                                             \
  "Usage: rejsepost keys verify-fingerprint FILE DIGITS...\n"                            \
  "\n"                                                                                   \
  "Compares the fingerprint a person read out (60 digits; spaces and dashes ignored,\n" \
  "so it may be given as several arguments) with FILE's identity key.\n"                \
  "Exit status 0 if they match, 1 if they do not.\n"

#define TL_ADMIN_OPTS                                                                    \
  "  --admin-key FILE      the administrator's secret key file\n"                        \
  "  --passphrase-file F   its passphrase (first line of F; - is standard input)\n"

#define TL_USAGE_ROSTER_NEW                                                              \
  "Usage: rejsepost roster new --admin-key FILE [--passphrase-file F] --out ROSTER\n"   \
  "\n"                                                                                   \
  "Creates a roster, version 1, whose only member is the administrator, signed with\n"  \
  "the administrator's key. Relay and clients pin that key (its .pub file).\n"           \
  "\n" TL_ADMIN_OPTS "  --out ROSTER          file to create (never overwritten)\n"

#define TL_USAGE_ROSTER_ADD                                                              \
  "Usage: rejsepost roster add ROSTER --admin-key FILE [--passphrase-file F]\n"         \
  "           --member KEY.pub --kind KIND [--name NAME] [--municipality CODE]\n"       \
  "           [--network east|west|east,west]\n"                                         \
  "\n"                                                                                   \
  "Enrols a member from its public export (made by 'rejsepost keys new'). Compare the\n" \
  "fingerprint printed here with the one the member reads to you before you hand the\n" \
  "roster out. The roster's version goes up by one and it is signed again.\n"           \
  "\n" TL_ADMIN_OPTS                                                                     \
  "  --member KEY.pub      the member's public key file\n"                               \
  "  --kind KIND           team, municipality, admin or relay\n"                         \
  "  --name NAME           display name, e.g. 'Aarhus Kommune'\n"                        \
  "  --municipality CODE   3-digit municipality code (municipalities only)\n"           \
  "  --network NET         east, west or east,west (municipalities)\n"

#define TL_USAGE_ROSTER_REVOKE                                                           \
  "Usage: rejsepost roster revoke ROSTER --admin-key FILE [--passphrase-file F] --id ID\n" \
  "\n"                                                                                   \
  "Marks member ID revoked, bumps the version and signs. The relay refuses the member\n" \
  "once it has loaded the new roster (SIGHUP), and clients stop trusting its keys.\n"   \
  "\n" TL_ADMIN_OPTS "  --id ID               the member to revoke\n"

#define TL_USAGE_ROSTER_SIGN                                                             \
  "Usage: rejsepost roster sign ROSTER --admin-key FILE [--passphrase-file F]\n"        \
  "\n"                                                                                   \
  "Verifies ROSTER, bumps its version, sets the issue time to now and signs it again,\n" \
  "so that it supersedes every copy handed out before.\n"                               \
  "\n" TL_ADMIN_OPTS

#define TL_USAGE_ROSTER_SHOW                                                             \
  "Usage: rejsepost roster show ROSTER (--admin-pub ADMIN.pub | --admin-key FILE)\n"    \
  "\n"                                                                                   \
  "Verifies ROSTER's signature against the administrator's key and prints its\n"        \
  "version and members with their fingerprints. A roster that was changed after\n"      \
  "signing, or signed by another key, is refused (exit status 1).\n"                    \
  "\n"                                                                                   \
  "  --admin-pub FILE      the administrator's public key file (or any key file)\n"     \
  "  --admin-key FILE      same; only the public part is read\n"

#define TL_USAGE_RELAY_INIT                                                              \
  "Usage: rejsepost relay init DIR --admin-pub ADMIN.pub [--id ID] [--listen ADDR]\n"   \
  "\n"                                                                                   \
  "Creates DIR (mode 0700) with the relay's plain key file relay.key (mode 0600), its\n" \
  "public export relay.key.pub and a config file relay.ini for rejsepost-relayd. Prints\n" \
  "the relay's transport key, which clients are configured with, and the next steps:\n" \
  "enrol relay.key.pub in the roster (--kind relay) and copy the roster to\n"            \
  "DIR/roster.msgpack.\n"                                                                \
  "\n"                                                                                   \
  "  --admin-pub FILE      the administrator's public key file (pinned in relay.ini)\n" \
  "  --id ID               the relay's member id (default relay)\n"                      \
  "  --listen ADDR         address to listen on (default 127.0.0.1:7443)\n"

#define TL_STATE_OPT                                                                     \
  "  --state DIR           the state folder (default $REJSEPOST_STATE); see\n"           \
  "                        'rejsepost help'\n"

#define TL_USAGE_SETUP                                                                   \
  "Usage: rejsepost setup --state DIR --key FILE --relay HOST:PORT --relay-key HEX\n"   \
  "           --admin-pub ADMIN.pub --roster ROSTER [--passphrase-file F]\n"             \
  "\n"                                                                                   \
  "Creates the state folder DIR (mode 0700) and writes DIR/rejsepost.conf for the\n"    \
  "commands send, status, inbox, read and mark.\n"                                       \
  "\n"                                                                                   \
  "  --key FILE            this member's secret key file\n"                              \
  "  --passphrase-file F   file holding its passphrase (for an encrypted key file)\n"    \
  "  --relay HOST:PORT     the relay's address\n"                                        \
  "  --relay-key HEX       the relay's transport key (printed by 'relay init')\n"       \
  "  --admin-pub FILE      the administrator's public key file (pins the roster)\n"     \
  "  --roster ROSTER       the signed roster to start from (then kept up to date)\n"

#define TL_USAGE_CHECK                                                                   \
  "Usage: rejsepost check FILE [--out FILE.msgpack]\n"                                    \
  "\n"                                                                                   \
  "Validates a payload file as 'send' would, without sending: every rule of its kind\n" \
  "and the CPR guard. FILE is JSON (an object whose keys are the payload's field\n"      \
  "names; \"kind\" defaults to \"request\") or an encoded msgpack payload. Prints the\n" \
  "payload as JSON; --out writes the msgpack encoding.\n"                                 \
  "\n"                                                                                   \
  "Example request (fictitious):\n"                                                      \
  "  {\"sender_org\": \"101\", \"sender_role\": \"myndighedsraadgiver\",\n"              \
  "   \"sender_ref\": \"cw-17\", \"request_type\": \"konkret_sag\", \"urgency\": \"haster\",\n" \
  "   \"categories\": [\"negativ_social_kontrol\"],\n"                                   \
  "   \"risk\": {\"level\": \"middel\", \"acute\": false, \"tool\": \"ingen\"},\n"           \
  "   \"citizen\": {\"age_band\": \"15_17\", \"under_18\": true},\n"                     \
  "   \"risk_assessed_before_family\": \"ja\",\n"                                        \
  "   \"identifiability\": {\"mode\": \"anonym\", \"consent\": \"ingen\"},\n"              \
  "   \"measures_taken\": [], \"question\": \"...\"}\n"

#define TL_USAGE_SEND                                                                    \
  "Usage: rejsepost send --state DIR (--file REQUEST.json|.msgpack | FLAGS)\n"          \
  "\n"                                                                                   \
  "Sends an advisory request (henvendelse) to the team. Returns once the request is\n"  \
  "stored in the local outbox, and prints its msg_id; delivery happens in the\n"        \
  "background (see 'rejsepost status'). A question holding a CPR number is refused.\n"  \
  "\n" TL_STATE_OPT                                                                      \
  "  --file F              the request as JSON (see docs) or msgpack\n"                  \
  "  --urgency U           akut, haster, normal or plan (default normal)\n"             \
  "  --type T              konkret_sag, anonym_sparring, beredskabsplan, ... \n"         \
  "  --category C          negativ_social_kontrol, trusler, vold, ... (repeatable)\n"   \
  "  --role R              myndighedsraadgiver, leder, ssp, jobcenter, skole, andet\n"   \
  "  --ref REF             your opaque caseworker id (required)\n"                       \
  "  --case REF            local case number (optional)\n"                               \
  "  --age-band B          0_11, 12_14, 15_17, 18_22, 23_29, 30_plus (required)\n"                   \
  "  --question TEXT       the question (or --question-file F)\n"                       \
  "  --risk-assessed ja|nej  risk assessed before the family was involved (under 18)\n" \
  "  --org NNN             your municipality code; must match the roster (optional:\n"  \
  "                        sender_org always comes from the signed roster)\n"           \
  "  --wait SECONDS        after storing, give delivery this long (default 5; 0: none)\n"

#define TL_USAGE_STATUS                                                                  \
  "Usage: rejsepost status --state DIR [MSGID]\n"                                        \
  "\n"                                                                                   \
  "Lists sent messages with their state (queued, relayed, delivered, opened, answered,\n" \
  "expired, failed) and the time of each step; with MSGID (or a unique prefix) one.\n"  \
  "\n" TL_STATE_OPT

#define TL_USAGE_INBOX                                                                   \
  "Usage: rejsepost inbox --state DIR [--wait SECONDS]\n"                                \
  "\n"                                                                                   \
  "Connects (up to --wait seconds, default 3), fetches what the relay holds, and lists\n" \
  "received messages not yet marked handled.\n"                                          \
  "\n" TL_STATE_OPT

#define TL_USAGE_READ                                                                    \
  "Usage: rejsepost read --state DIR MSGID\n"                                            \
  "\n"                                                                                   \
  "Shows one received message (MSGID or a unique prefix), with the request it answers.\n" \
  "\n" TL_STATE_OPT

#define TL_USAGE_MARK                                                                    \
  "Usage: rejsepost mark --state DIR MSGID\n"                                            \
  "\n"                                                                                   \
  "Marks a received message handled; it no longer shows in 'rejsepost inbox'.\n"        \
  "\n" TL_STATE_OPT

#endif /* RP_TOOLS_USAGE_H */
