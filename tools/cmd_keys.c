/* SPDX-License-Identifier: MIT */
/* rejsepost keys new | show | verify-fingerprint */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli.h"
#include "cmd.h"
#include "fingerprint.h"
#include "rejsepost_errors.h"

const char tl_usage_keys_new[] =
    "Usage: rejsepost keys new --id ID --kind KIND --out FILE\n"
    "                          (--passphrase-file F | --plain) [--kdf "
    "interactive|moderate]\n"
    "\n"
    "Creates a member's keys: an Ed25519 identity key and two X25519 keys (transport and\n"
    "message) signed by it. Writes the secret key file FILE and the public export\n"
    "FILE.pub, which goes to the administrator for 'rejsepost roster add', and prints\n"
    "the fingerprint to compare over the phone.\n"
    "\n"
    "  --id ID               member id (no spaces), e.g. kbh-101\n"
    "  --kind KIND           team, municipality, admin or relay\n"
    "  --out FILE            secret key file to create (never overwritten)\n"
    "  --passphrase-file F   encrypt FILE with the first line of F (Argon2id);\n"
    "                        F = - reads standard input\n"
    "  --plain               store the secret in clear, mode 0600 (daemons only)\n"
    "  --kdf LEVEL           Argon2id cost: moderate (default, ~1 s, 256 MiB) or\n"
    "                        interactive (64 MiB; for tests)\n";

typedef struct {
  const char *id, *kind, *out, *pass_file, *kdf;
  int plain;
} keys_new_args;

static int keys_new_parse(int argc, char **argv, keys_new_args *a) {
  static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
                                       {"kind", required_argument, NULL, 'k'},
                                       {"out", required_argument, NULL, 'o'},
                                       {"passphrase-file", required_argument, NULL, 'p'},
                                       {"plain", no_argument, NULL, 'P'},
                                       {"kdf", required_argument, NULL, 'K'},
                                       {NULL, 0, NULL, 0}};
  int c;
  memset(a, 0, sizeof *a);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'i':
      a->id = optarg;
      break;
    case 'k':
      a->kind = optarg;
      break;
    case 'o':
      a->out = optarg;
      break;
    case 'p':
      a->pass_file = optarg;
      break;
    case 'P':
      a->plain = 1;
      break;
    case 'K':
      a->kdf = optarg;
      break;
    default:
      return tl_usage(argv[0], "unknown option or missing value: %s", argv[optind - 1]);
    }
  }
  if (optind < argc) return tl_usage(argv[0], "unexpected argument '%s'", argv[optind]);
  if (a->id == NULL || a->kind == NULL || a->out == NULL)
    return tl_usage(argv[0], "--id, --kind and --out are required");
  if (rp__roster_kind_from_name(a->kind) == 0)
    return tl_usage(argv[0], "--kind must be team, municipality, admin or relay, not '%s'",
                    a->kind);
  if ((a->pass_file == NULL) == (a->plain == 0))
    return tl_usage(argv[0], "give exactly one of --passphrase-file F (encrypted key "
                             "file) and --plain (daemons: clear, mode 0600)");
  if (a->kdf != NULL && strcmp(a->kdf, "moderate") != 0 &&
      strcmp(a->kdf, "interactive") != 0)
    return tl_usage(argv[0], "--kdf must be moderate or interactive");
  if (rp__identity_id_check(a->id, strlen(a->id)) != 0)
    return tl_usage(argv[0],
                    "--id must be 1 to %u bytes of UTF-8 without spaces or "
                    "control characters",
                    RP_MEMBER_ID_MAX);
  return TL_OK;
}

int tl_cmd_keys_new(int argc, char **argv) {
  keys_new_args a;
  tl_pass pass = {NULL, 0};
  rp__keyfile_kdf kdf = {RP_KEYFILE_OPSLIMIT_DEFAULT, RP_KEYFILE_MEMLIMIT_DEFAULT};
  rp__identity *ident = NULL;
  char fp[RP_FINGERPRINT_STRBYTES];
  int rc;

  if ((rc = keys_new_parse(argc, argv, &a)) != TL_OK) return rc;
  if (a.kdf != NULL && strcmp(a.kdf, "interactive") == 0) {
    kdf.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    kdf.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  }
  if (a.pass_file != NULL && tl_pass_read(a.pass_file, &pass) != TL_OK) return TL_FAIL;
  rc = tl_key_create(a.out, a.id, a.plain ? NULL : &pass, &kdf, &ident);
  tl_pass_free(&pass);
  if (rc != 0) return tl_key_fail(a.out, rc);
  rp__fingerprint(ident->pub.identity_pk, fp);
  printf("id:          %s\n", ident->pub.id);
  printf("kind:        %s\n", a.kind);
  printf("secret key:  %s (%s)\n", a.out,
         a.plain ? "plain, mode 0600" : "encrypted with the passphrase");
  printf("public key:  %s.pub\n", a.out);
  printf("fingerprint: %s\n", fp);
  printf("\nGive %s.pub to the administrator and read the fingerprint to them.\n", a.out);
  rp__identity_free(ident);
  return TL_OK;
}

const char tl_usage_keys_show[] =
    "Usage: rejsepost keys show FILE\n"
    "\n"
    "Prints a key file's member id, its three public keys and the fingerprint. FILE may\n"
    "be a secret key file or a public export (.pub); no passphrase is needed.\n"
    "A plain secret key file readable by others is refused.\n";

static const char *file_kind_text(unsigned kind) {
  switch (kind) {
  case RP_KEYFILE_KIND_ENCRYPTED:
    return "secret key, encrypted (Argon2id)";
  case RP_KEYFILE_KIND_PLAIN:
    return "secret key, plain";
  default:
    return "public key export";
  }
}

/* A plain secret file must be private: say so before printing anything about it. */
static int check_plain_mode(const char *path) {
  struct stat st;
  if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) return tl_key_fail(path, RP_EPERM);
  return TL_OK;
}

int tl_cmd_keys_show(int argc, char **argv) {
  rp__keyfile_info info;
  uint8_t *buf = NULL;
  size_t len = 0;
  char fp[RP_FINGERPRINT_STRBYTES], hex[2 * 32 + 1];
  int rc;

  if (argc != 2) return tl_usage(argv[0], "give exactly one key file");
  if (argv[1][0] == '-') return tl_usage(argv[0], "unknown option '%s'", argv[1]);
  if ((rc = rp__file_read(argv[1], RP_KEYFILE_MAX, &buf, &len)) != 0)
    return tl_key_fail(argv[1], rc == RP_ETOOBIG ? RP_EMALFORMED : rc);
  rc = rp__keyfile_peek(buf, len, &info);
  free(buf);
  if (rc != 0) return tl_key_fail(argv[1], rc);
  if (info.kind == RP_KEYFILE_KIND_PLAIN && check_plain_mode(argv[1]) != TL_OK)
    return TL_FAIL;
  rp__fingerprint(info.pub.identity_pk, fp);
  printf("file:          %s (%s)\n", argv[1], file_kind_text(info.kind));
  printf("id:            %s\n", info.pub.id);
  sodium_bin2hex(hex, sizeof hex, info.pub.identity_pk, 32);
  printf("identity key:  %s\n", hex);
  sodium_bin2hex(hex, sizeof hex, info.pub.transport_pk, 32);
  printf("transport key: %s\n", hex);
  sodium_bin2hex(hex, sizeof hex, info.pub.message_pk, 32);
  printf("message key:   %s\n", hex);
  printf("fingerprint:   %s\n", fp);
  return TL_OK;
}

const char tl_usage_keys_verify[] =
    "Usage: rejsepost keys verify-fingerprint FILE DIGITS...\n"
    "\n"
    "Compares the fingerprint a person read out (60 digits; spaces and dashes ignored,\n"
    "so it may be given as several arguments) with FILE's identity key.\n"
    "Exit status 0 if they match, 1 if they do not.\n";

int tl_cmd_keys_verify(int argc, char **argv) {
  rp__identity_public pub;
  char text[512];
  size_t n = 0;
  int rc;

  if (argc < 3) return tl_usage(argv[0], "give a key file and the fingerprint's digits");
  for (int i = 2; i < argc; i++) {
    size_t l = strlen(argv[i]);
    if (n + l + 2 > sizeof text) return tl_usage(argv[0], "the fingerprint is too long");
    memcpy(text + n, argv[i], l);
    n += l;
    text[n++] = ' ';
  }
  text[--n] = '\0';
  if (tl_load_public(argv[1], &pub) != TL_OK) return TL_FAIL;
  rc = rp__fingerprint_match(pub.identity_pk, text, n);
  if (rc == RP_EINVAL)
    return tl_usage(argv[0], "a fingerprint is 60 digits (12 groups of 5); spaces and "
                             "dashes between them are fine");
  if (rc != 0) {
    fprintf(stderr,
            "%s: MISMATCH: the fingerprint does not belong to %s (member %s). Do "
            "not enrol or trust this key; ask the member to read it again.\n",
            tl_prog, argv[1], pub.id);
    return TL_FAIL;
  }
  printf("match: the fingerprint belongs to %s (member %s)\n", argv[1], pub.id);
  return TL_OK;
}
