/* SPDX-License-Identifier: MIT */
/* Key files, passphrases, member kinds and the signed roster, as the commands use them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "fingerprint.h"
#include "rejsepost_errors.h"

int tl_pass_read(const char *path, tl_pass *out) {
  int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  size_t n = 0;
  int rc;

  out->p = NULL;
  out->n = 0;
  if (fd < 0) return tl_fail("cannot open passphrase file %s: %s", path, strerror(errno));
  if ((out->p = sodium_malloc(RP_PASSPHRASE_MAX + 1)) == NULL) {
    if (fd != STDIN_FILENO) close(fd);
    return tl_fail("out of memory");
  }
  /* The first line only, so that `echo secret > F` and an editor's newline both work. */
  rc = rp__file_read_line(fd, out->p, RP_PASSPHRASE_MAX, &n);
  if (fd != STDIN_FILENO) close(fd);
  if (rc != 0 || n == 0) {
    tl_pass_free(out);
    return tl_fail("passphrase in %s must be 1 to %u bytes on its first line", path,
                   RP_PASSPHRASE_MAX);
  }
  out->p[n] = '\0';
  out->n = n;
  return TL_OK;
}

void tl_pass_free(tl_pass *p) {
  if (p->p != NULL) sodium_free(p->p); /* sodium_free wipes */
  p->p = NULL;
  p->n = 0;
}

int tl_load_secret(const char *path, const char *pass_file, rp__identity **out) {
  tl_pass pass = {NULL, 0};
  rp__keyfile_info info;
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc;

  *out = NULL;
  /* Peek first, so an encrypted file without --passphrase-file gets a precise hint. */
  if ((rc = rp__file_read(path, RP_KEYFILE_MAX, &buf, &len)) != 0)
    return tl_key_fail(path, rc == RP_ETOOBIG ? RP_EMALFORMED : rc);
  rc = rp__keyfile_peek(buf, len, &info);
  free(buf);
  if (rc != 0) return tl_key_fail(path, rc);
  if (info.kind == RP_KEYFILE_KIND_PUBLIC) return tl_key_fail(path, RP_EINVAL);
  if (info.kind == RP_KEYFILE_KIND_ENCRYPTED && pass_file == NULL)
    return tl_fail("%s is encrypted: give its passphrase with --passphrase-file F", path);
  if (info.kind == RP_KEYFILE_KIND_ENCRYPTED && tl_pass_read(pass_file, &pass) != TL_OK)
    return TL_FAIL;
  rc = rp__keyfile_load(path, pass.p, pass.n, out);
  tl_pass_free(&pass);
  return rc == 0 ? TL_OK : tl_key_fail(path, rc);
}

int tl_load_public(const char *path, rp__identity_public *out) {
  rp__keyfile_info info;
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc;

  memset(out, 0, sizeof *out);
  if ((rc = rp__file_read(path, RP_KEYFILE_MAX, &buf, &len)) != 0)
    return tl_key_fail(path, rc == RP_ETOOBIG ? RP_EMALFORMED : rc);
  rc = rp__keyfile_peek(buf, len, &info);
  free(buf);
  if (rc != 0) return tl_key_fail(path, rc);
  *out = info.pub;
  return TL_OK;
}

int tl_key_create(const char *path, const char *id, const tl_pass *pass,
                  const rp__keyfile_kdf *kdf, rp__identity **out) {
  char pub_path[PATH_MAX];
  uint8_t *buf = NULL;
  size_t len = 0;
  rp__identity *ident = NULL;
  int rc = RP_ETOOBIG;

  if (out != NULL) *out = NULL;
  if (snprintf(pub_path, sizeof pub_path, "%s.pub", path) >= (int)sizeof pub_path) goto out;
  rc = RP_ENOMEM;
  if ((buf = sodium_malloc(RP_KEYFILE_MAX)) == NULL) goto out;
  if ((rc = rp__identity_generate(id, &ident)) != 0) goto out;
  rc = pass != NULL && pass->p != NULL
           ? rp__keyfile_encode_encrypted(ident, pass->p, pass->n, kdf, buf, RP_KEYFILE_MAX,
                                          &len)
           : rp__keyfile_encode_plain(ident, buf, RP_KEYFILE_MAX, &len);
  if (rc != 0 || (rc = rp__keyfile_write(path, buf, len, 0)) != 0) goto out;
  if ((rc = rp__keyfile_encode_public(ident, buf, RP_KEYFILE_MAX, &len)) != 0 ||
      (rc = rp__keyfile_write(pub_path, buf, len, 0)) != 0)
    goto out;
  if (out != NULL) {
    *out = ident;
    ident = NULL;
  }
out:
  if (buf != NULL) sodium_free(buf);
  rp__identity_free(ident);
  return rc;
}

const char *tl_kind_name(int kind) {
  const char *name = rp__roster_kind_name(kind);
  return name != NULL ? name : "unknown";
}

int tl_networks_parse(const char *s) {
  if (strcmp(s, "east") == 0 || strcmp(s, "oest") == 0) return RP_NETWORK_EAST;
  if (strcmp(s, "west") == 0 || strcmp(s, "vest") == 0) return RP_NETWORK_WEST;
  if (strcmp(s, "east,west") == 0 || strcmp(s, "west,east") == 0)
    return RP_NETWORK_EAST | RP_NETWORK_WEST;
  if (strcmp(s, "none") == 0) return 0;
  return -1;
}

const char *tl_networks_name(unsigned bits) {
  static const char *const names[] = {"-", "east", "west", "east,west"};
  return names[bits & 3u];
}

int tl_roster_load(const char *path, const uint8_t admin_pk[RP_IDENTITY_PUBLICKEYBYTES],
                   rp__roster **out) {
  uint8_t *doc = NULL;
  size_t len = 0;
  int rc;

  *out = NULL;
  if ((rc = rp__file_read(path, RP_ROSTER_MAX, &doc, &len)) != 0) {
    if (rc == RP_ENOTFOUND)
      return tl_fail("no roster %s: create one with 'rejsepost roster new'", path);
    return tl_fail("cannot read roster %s: %s", path, rp_strerror(rc));
  }
  rc = rp__roster_verify(doc, len, admin_pk, out);
  free(doc);
  if (rc == RP_ESIG)
    return tl_fail("roster %s is refused: its signature does not verify; it was changed "
                   "after signing or is signed by another administrator key. Get a fresh "
                   "copy from the administrator",
                   path);
  if (rc != 0)
    return tl_fail("roster %s is refused (%s): it is damaged; get a fresh copy from the "
                   "administrator",
                   path, rp_strerror(rc));
  return TL_OK;
}

int tl_roster_save(const char *path, rp__roster *r, const rp__identity *admin) {
  const uint8_t *doc = NULL;
  size_t len = 0;
  int rc;
  if ((rc = rp__roster_sign(r, admin)) != 0 ||
      (rc = rp__roster_document(r, &doc, &len)) != 0)
    return rc;
  return rp__file_write(path, doc, len, 0644, 1);
}

int tl_roster_add_member(rp__roster *r, const rp__identity_public *pub, int kind,
                         const char *name, const char *code, unsigned networks) {
  rp__member m;
  memset(&m, 0, sizeof m);
  m.pub = *pub;
  m.kind = kind;
  if (name != NULL) {
    if (strlen(name) > RP_TEXT_SHORT_MAX) return RP_ETOOBIG;
    memcpy(m.name, name, strlen(name));
  }
  if (code != NULL) {
    if (strlen(code) != RP_MUNICIPALITY_CODE_BYTES) return RP_EINVAL;
    memcpy(m.municipality, code, RP_MUNICIPALITY_CODE_BYTES);
  }
  m.networks = networks;
  m.valid_from = 0;
  return rp__roster_add(r, &m);
}

void tl_roster_print(FILE *out, const rp__roster *r) {
  char when[32], fp[RP_FINGERPRINT_STRBYTES];
  tl_time_text(rp__roster_issued_at(r), when, sizeof when);
  fprintf(out, "roster version %llu, issued %s, %u members\n\n",
          (unsigned long long)rp__roster_version(r), when, (unsigned)rp__roster_count(r));
  fprintf(out, "%-20s %-13s %-4s %-10s %-8s %s\n", "ID", "KIND", "CODE", "NETWORKS",
          "STATE", "NAME");
  for (uint32_t i = 0; i < rp__roster_count(r); i++) {
    const rp__member *m = rp__roster_member(r, i);
    fprintf(out, "%-20s %-13s %-4s %-10s %-8s %s\n", m->pub.id, tl_kind_name(m->kind),
            m->municipality[0] != '\0' ? m->municipality : "-",
            tl_networks_name(m->networks), m->revoked ? "revoked" : "active", m->name);
    if (rp__fingerprint(m->pub.identity_pk, fp) == 0)
      fprintf(out, "    fingerprint %s\n", fp);
  }
}
