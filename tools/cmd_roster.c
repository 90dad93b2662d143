/* SPDX-License-Identifier: MIT */
/*
 * rejsepost roster new | add | revoke | sign | show. Every change verifies the roster
 * against the administrator's key first, so a roster that was tampered with on disk is
 * never signed again by mistake.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "fingerprint.h"
#include "rejsepost_errors.h"

/* The options every command that signs takes. */
#define TL_ADMIN_OPTS                                                                      \
  "  --admin-key FILE      the administrator's secret key file\n"                          \
  "  --passphrase-file F   its passphrase (first line of F; - is standard input)\n"

typedef struct {
  const char *roster; /* positional, or --out for new */
  const char *admin_key, *pass_file, *admin_pub;
  const char *member, *kind, *name, *code, *network, *id;
} roster_args;

enum {
  O_ADMIN_KEY = 1,
  O_PASS,
  O_ADMIN_PUB,
  O_MEMBER,
  O_KIND,
  O_NAME,
  O_CODE,
  O_NET,
  O_ID,
  O_OUT
};

static int roster_parse(int argc, char **argv, roster_args *a, int positional) {
  static const struct option opts[] = {{"admin-key", required_argument, NULL, O_ADMIN_KEY},
                                       {"passphrase-file", required_argument, NULL, O_PASS},
                                       {"admin-pub", required_argument, NULL, O_ADMIN_PUB},
                                       {"member", required_argument, NULL, O_MEMBER},
                                       {"kind", required_argument, NULL, O_KIND},
                                       {"name", required_argument, NULL, O_NAME},
                                       {"municipality", required_argument, NULL, O_CODE},
                                       {"network", required_argument, NULL, O_NET},
                                       {"id", required_argument, NULL, O_ID},
                                       {"out", required_argument, NULL, O_OUT},
                                       {NULL, 0, NULL, 0}};
  const char **slot[] = {NULL,        &a->admin_key, &a->pass_file, &a->admin_pub,
                         &a->member,  &a->kind,      &a->name,      &a->code,
                         &a->network, &a->id,        &a->roster};
  int c;
  memset(a, 0, sizeof *a);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c < O_ADMIN_KEY || c > O_OUT)
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    *slot[c] = optarg;
  }
  if (positional) {
    if (optind >= argc) return tl_usage(argv[0], "give the roster file");
    a->roster = argv[optind++];
  }
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  return TL_OK;
}

/* Loads the administrator's key and the roster it signed. */
static int open_admin(const char *cmd, const roster_args *a, rp__identity **admin,
                      rp__roster **r) {
  *admin = NULL;
  *r = NULL;
  if (a->admin_key == NULL) return tl_usage(cmd, "--admin-key is required");
  if (tl_load_secret(a->admin_key, a->pass_file, admin) != TL_OK) return TL_FAIL;
  if (tl_roster_load(a->roster, (*admin)->pub.identity_pk, r) != TL_OK) {
    rp__identity_free(*admin);
    *admin = NULL;
    return TL_FAIL;
  }
  return TL_OK;
}

/* Bumps, signs and writes; prints the new version. */
static int commit(const char *path, rp__roster *r, const rp__identity *admin) {
  int rc;
  if ((rc = rp__roster_bump(r, rp__clock_wall_ms())) != 0 ||
      (rc = tl_roster_save(path, r, admin)) != 0)
    return tl_fail("cannot write roster %s: %s", path, rp_strerror(rc));
  printf("roster %s: version %llu, signed\n", path,
         (unsigned long long)rp__roster_version(r));
  return TL_OK;
}

const char tl_usage_roster_new[] =
    "Usage: rejsepost roster new --admin-key FILE [--passphrase-file F] --out ROSTER\n"
    "\n"
    "Creates a roster, version 1, whose only member is the administrator, signed with\n"
    "the administrator's key. Relay and clients pin that key (its .pub file).\n"
    "\n" TL_ADMIN_OPTS "  --out ROSTER          file to create (never overwritten)\n";

int tl_cmd_roster_new(int argc, char **argv) {
  roster_args a;
  rp__identity *admin = NULL;
  rp__roster *r = NULL;
  struct stat st;
  int rc, status = TL_FAIL;

  if ((rc = roster_parse(argc, argv, &a, 0)) != TL_OK) return rc;
  if (a.admin_key == NULL || a.roster == NULL)
    return tl_usage(argv[0], "--admin-key and --out are required");
  if (stat(a.roster, &st) == 0)
    return tl_fail("%s already exists: a roster is never overwritten by 'roster new'; "
                   "change it with 'roster add' or 'roster revoke'",
                   a.roster);
  if (tl_load_secret(a.admin_key, a.pass_file, &admin) != TL_OK) return TL_FAIL;
  if ((rc = rp__roster_create(1, rp__clock_wall_ms(), &r)) != 0 ||
      (rc = tl_roster_add_member(r, &admin->pub, RP_MEMBER_ADMIN, "Administrator", NULL,
                                 0)) != 0 ||
      (rc = tl_roster_save(a.roster, r, admin)) != 0) {
    tl_fail("cannot create roster %s: %s", a.roster, rp_strerror(rc));
    goto out;
  }
  printf("roster %s: version 1, signed by %s\n", a.roster, admin->pub.id);
  status = TL_OK;
out:
  rp__roster_free(r);
  rp__identity_free(admin);
  return status;
}

/* Checks the enrolment fields; returns the networks bits or a negative TL code. */
const char tl_usage_roster_add[] =
    "Usage: rejsepost roster add ROSTER --admin-key FILE [--passphrase-file F]\n"
    "           --member KEY.pub --kind KIND [--name NAME] [--municipality CODE]\n"
    "           [--network east|west|east,west]\n"
    "\n"
    "Enrols a member from its public export (made by 'rejsepost keys new'). Compare the\n"
    "fingerprint printed here with the one the member reads to you before you hand the\n"
    "roster out. The roster's version goes up by one and it is signed again.\n"
    "\n" TL_ADMIN_OPTS "  --member KEY.pub      the member's public key file\n"
    "  --kind KIND           team, municipality, admin or relay\n"
    "  --name NAME           display name, e.g. 'Aarhus Kommune'\n"
    "  --municipality CODE   3-digit municipality code (municipalities only)\n"
    "  --network NET         east, west or east,west (municipalities)\n";

static int add_fields(const char *cmd, const roster_args *a, int *kind) {
  int nets = 0;
  if (a->member == NULL || a->kind == NULL)
    return -tl_usage(cmd, "--member and --kind are required");
  if ((*kind = rp__roster_kind_from_name(a->kind)) == 0)
    return -tl_usage(cmd, "--kind must be team, municipality, admin or relay");
  if (a->network != NULL && (nets = tl_networks_parse(a->network)) < 0)
    return -tl_usage(cmd, "--network must be east, west or east,west");
  if (*kind == RP_MEMBER_MUNICIPALITY &&
      (a->code == NULL || strlen(a->code) != 3 || strspn(a->code, "0123456789") != 3))
    return -tl_usage(cmd, "a municipality needs --municipality CODE (3 digits, e.g. 101)");
  if (*kind != RP_MEMBER_MUNICIPALITY && a->code != NULL)
    return -tl_usage(cmd, "--municipality is only for --kind municipality");
  return nets;
}

int tl_cmd_roster_add(int argc, char **argv) {
  roster_args a;
  rp__identity *admin = NULL;
  rp__identity_public pub;
  rp__roster *r = NULL;
  char fp[RP_FINGERPRINT_STRBYTES];
  int rc, kind = 0, nets, status = TL_FAIL;

  if ((rc = roster_parse(argc, argv, &a, 1)) != TL_OK) return rc;
  if ((nets = add_fields(argv[0], &a, &kind)) < 0) return -nets;
  if (tl_load_public(a.member, &pub) != TL_OK) return TL_FAIL;
  if ((rc = open_admin(argv[0], &a, &admin, &r)) != TL_OK) return rc;
  rc = tl_roster_add_member(r, &pub, kind, a.name, a.code, (unsigned)nets);
  if (rc == RP_EEXIST) {
    tl_fail("member %s or one of its keys is already in the roster: revoke the old entry "
            "and enrol the new keys under a new id",
            pub.id);
    goto out;
  }
  if (rc != 0) {
    tl_fail("cannot add %s: %s (check --name: no control characters, at most %u bytes)",
            pub.id, rp_strerror(rc), RP_TEXT_SHORT_MAX);
    goto out;
  }
  rp__fingerprint(pub.identity_pk, fp);
  printf("added %s (%s)\nfingerprint %s\n", pub.id, tl_kind_name(kind), fp);
  printf("compare it with the fingerprint the member reads to you.\n");
  status = commit(a.roster, r, admin);
out:
  rp__roster_free(r);
  rp__identity_free(admin);
  return status;
}

const char tl_usage_roster_revoke[] =
    "Usage: rejsepost roster revoke ROSTER --admin-key FILE [--passphrase-file F] --id ID\n"
    "\n"
    "Marks member ID revoked, bumps the version and signs. The relay refuses the member\n"
    "once it has loaded the new roster (SIGHUP), and clients stop trusting its keys.\n"
    "\n" TL_ADMIN_OPTS "  --id ID               the member to revoke\n";

int tl_cmd_roster_revoke(int argc, char **argv) {
  roster_args a;
  rp__identity *admin = NULL;
  rp__roster *r = NULL;
  int rc, status = TL_FAIL;

  if ((rc = roster_parse(argc, argv, &a, 1)) != TL_OK) return rc;
  if (a.id == NULL) return tl_usage(argv[0], "--id is required");
  if ((rc = open_admin(argv[0], &a, &admin, &r)) != TL_OK) return rc;
  if ((rc = rp__roster_revoke(r, a.id)) != 0) {
    tl_fail("no member '%s' in %s: 'rejsepost roster show' lists them", a.id, a.roster);
    goto out;
  }
  printf("revoked %s\n", a.id);
  status = commit(a.roster, r, admin);
out:
  rp__roster_free(r);
  rp__identity_free(admin);
  return status;
}

const char tl_usage_roster_sign[] =
    "Usage: rejsepost roster sign ROSTER --admin-key FILE [--passphrase-file F]\n"
    "\n"
    "Verifies ROSTER, bumps its version, sets the issue time to now and signs it again,\n"
    "so that it supersedes every copy handed out before.\n"
    "\n" TL_ADMIN_OPTS;

int tl_cmd_roster_sign(int argc, char **argv) {
  roster_args a;
  rp__identity *admin = NULL;
  rp__roster *r = NULL;
  int rc, status;

  if ((rc = roster_parse(argc, argv, &a, 1)) != TL_OK) return rc;
  if ((rc = open_admin(argv[0], &a, &admin, &r)) != TL_OK) return rc;
  status = commit(a.roster, r, admin);
  rp__roster_free(r);
  rp__identity_free(admin);
  return status;
}

const char tl_usage_roster_show[] =
    "Usage: rejsepost roster show ROSTER (--admin-pub ADMIN.pub | --admin-key FILE)\n"
    "\n"
    "Verifies ROSTER's signature against the administrator's key and prints its\n"
    "version and members with their fingerprints. A roster that was changed after\n"
    "signing, or signed by another key, is refused (exit status 1).\n"
    "\n"
    "  --admin-pub FILE      the administrator's public key file (or any key file)\n"
    "  --admin-key FILE      same; only the public part is read\n";

int tl_cmd_roster_show(int argc, char **argv) {
  roster_args a;
  rp__identity_public admin;
  rp__roster *r = NULL;
  const char *key;
  int rc;

  if ((rc = roster_parse(argc, argv, &a, 1)) != TL_OK) return rc;
  key = a.admin_pub != NULL ? a.admin_pub : a.admin_key;
  if (key == NULL)
    return tl_usage(argv[0], "--admin-pub ADMIN.pub is required: a roster is shown only "
                             "after its signature is checked");
  if (tl_load_public(key, &admin) != TL_OK) return TL_FAIL;
  if (tl_roster_load(a.roster, admin.identity_pk, &r) != TL_OK) return TL_FAIL;
  printf("signature: good (administrator %s)\n", admin.id);
  tl_roster_print(stdout, r);
  rp__roster_free(r);
  return TL_OK;
}
