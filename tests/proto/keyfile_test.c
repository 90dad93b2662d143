/* SPDX-License-Identifier: MIT */
/* Key files: round trips, the strict parser against every truncation and every flipped
 * byte, passphrases, KDF bounds, file modes and atomic writes.
 *
 * With RP_WRITE_CORPUS=<dir> set, test_write_corpus also writes fuzz seeds there
 * (tests/fuzz/corpus/keyfile holds the committed ones). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include <cmocka.h>

#include "keyfile.h"
#include "rejsepost_errors.h"
#include "testutil.h"

#define PASS "correct horse battery staple"

static const rp__keyfile_kdf fast = {RP_KEYFILE_OPSLIMIT_MIN, RP_KEYFILE_MEMLIMIT_MIN};

static void same_identity(const rp__identity *a, const rp__identity *b) {
  assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
  assert_memory_equal(a->sec, b->sec, sizeof *a->sec);
}

static size_t encode_kind(const rp__identity *id, unsigned kind, uint8_t *buf) {
  size_t len = 0;
  if (kind == RP_KEYFILE_KIND_ENCRYPTED)
    assert_int_equal(rp__keyfile_encode_encrypted(id, PASS, strlen(PASS), &fast, buf,
                                                  RP_KEYFILE_MAX, &len),
                     0);
  else if (kind == RP_KEYFILE_KIND_PLAIN)
    assert_int_equal(rp__keyfile_encode_plain(id, buf, RP_KEYFILE_MAX, &len), 0);
  else
    assert_int_equal(rp__keyfile_encode_public(id, buf, RP_KEYFILE_MAX, &len), 0);
  return len;
}

static void test_round_trips(void **state) {
  (void)state;
  rp__identity *id = NULL, *back = NULL;
  uint8_t buf[RP_KEYFILE_MAX];
  rp__keyfile_info info;
  rp__identity_public pub;
  assert_int_equal(rp__identity_generate("kommune-101", &id), 0);

  size_t len = encode_kind(id, RP_KEYFILE_KIND_ENCRYPTED, buf);
  assert_int_equal(len, 336 + strlen("kommune-101"));
  assert_memory_equal(buf, "rp-key\r\n\x01\x01", 10);
  assert_int_equal(rp__keyfile_peek(buf, len, &info), 0);
  assert_int_equal(info.kind, RP_KEYFILE_KIND_ENCRYPTED);
  assert_int_equal(info.kdf.opslimit, fast.opslimit);
  assert_int_equal(info.kdf.memlimit, fast.memlimit);
  assert_memory_equal(&info.pub, &id->pub, sizeof id->pub);
  assert_int_equal(rp__keyfile_decode(buf, len, PASS, strlen(PASS), &back), 0);
  same_identity(id, back);
  rp__identity_free(back);
  back = NULL;
  assert_int_equal(rp__keyfile_decode(buf, len, "wrong", 5, &back), RP_EPASSPHRASE);
  assert_null(back);
  assert_int_equal(rp__keyfile_decode(buf, len, PASS, strlen(PASS) - 1, &back),
                   RP_EPASSPHRASE);
  assert_int_equal(rp__keyfile_decode(buf, len, NULL, 0, &back), RP_EPASSPHRASE);
  assert_int_equal(rp__keyfile_decode_public(buf, len, &pub), RP_EINVAL);

  len = encode_kind(id, RP_KEYFILE_KIND_PLAIN, buf);
  assert_int_equal(len, 331 + strlen("kommune-101"));
  assert_int_equal(rp__keyfile_decode(buf, len, NULL, 0, &back), 0);
  same_identity(id, back);
  rp__identity_free(back);
  back = NULL;

  len = encode_kind(id, RP_KEYFILE_KIND_PUBLIC, buf);
  assert_int_equal(len, 235 + strlen("kommune-101"));
  assert_int_equal(rp__keyfile_decode_public(buf, len, &pub), 0);
  assert_memory_equal(&pub, &id->pub, sizeof pub);
  assert_int_equal(rp__keyfile_decode(buf, len, PASS, strlen(PASS), &back), RP_EINVAL);
  assert_null(back);

  /* Too small an output buffer, and encoder argument checks. */
  assert_int_equal(rp__keyfile_encode_public(id, buf, len - 1, &len), RP_ETOOBIG);
  assert_int_equal(rp__keyfile_encode_encrypted(id, "", 0, &fast, buf, sizeof buf, &len),
                   RP_EINVAL);
  rp__keyfile_kdf bad = {RP_KEYFILE_OPSLIMIT_MAX + 1, RP_KEYFILE_MEMLIMIT_MIN};
  assert_int_equal(rp__keyfile_encode_encrypted(id, PASS, 4, &bad, buf, sizeof buf, &len),
                   RP_EINVAL);
  bad.opslimit = 1;
  bad.memlimit = RP_KEYFILE_MEMLIMIT_MIN - 1;
  assert_int_equal(rp__keyfile_encode_encrypted(id, PASS, 4, &bad, buf, sizeof buf, &len),
                   RP_EINVAL);
  rp__identity_free(id);
}

static void test_default_kdf(void **state) {
  (void)state;
  rp__identity *id = NULL, *back = NULL;
  uint8_t buf[RP_KEYFILE_MAX];
  size_t len = 0;
  rp__keyfile_info info;
  assert_int_equal(rp__identity_generate("team", &id), 0);
  assert_int_equal(
      rp__keyfile_encode_encrypted(id, PASS, strlen(PASS), NULL, buf, sizeof buf, &len), 0);
  assert_int_equal(rp__keyfile_peek(buf, len, &info), 0);
  assert_int_equal(info.kdf.opslimit, RP_KEYFILE_OPSLIMIT_DEFAULT);
  assert_int_equal(info.kdf.memlimit, RP_KEYFILE_MEMLIMIT_DEFAULT);
  assert_int_equal(rp__keyfile_decode(buf, len, PASS, strlen(PASS), &back), 0);
  same_identity(id, back);
  rp__identity_free(back);
  rp__identity_free(id);
}

/* Every proper prefix is RP_ETRUNC; one extra byte is RP_EMALFORMED. */
static void test_truncations(void **state) {
  (void)state;
  rp__identity *id = NULL, *back = NULL;
  uint8_t buf[RP_KEYFILE_MAX];
  rp__keyfile_info info;
  assert_int_equal(rp__identity_generate("relay-1", &id), 0);
  for (unsigned kind = 1; kind <= 3; kind++) {
    size_t len = encode_kind(id, kind, buf);
    for (size_t n = 0; n < len; n++) {
      assert_int_equal(rp__keyfile_peek(buf, n, &info), RP_ETRUNC);
      assert_int_equal(rp__keyfile_decode(buf, n, PASS, strlen(PASS), &back), RP_ETRUNC);
      assert_null(back);
    }
    buf[len] = 0;
    assert_int_equal(rp__keyfile_peek(buf, len + 1, &info), RP_EMALFORMED);
  }
  rp__identity_free(id);
}

/* Any single flipped bit in any byte, in every kind: a clean error, never success. */
static void test_flipped_bytes(void **state) {
  (void)state;
  rp__identity *id = NULL, *back = NULL;
  uint8_t buf[RP_KEYFILE_MAX];
  rp__identity_public pub;
  static const uint8_t masks[] = {0x01, 0x80};
  assert_int_equal(rp__identity_generate("kommune-851", &id), 0);
  for (unsigned kind = 1; kind <= 3; kind++) {
    size_t len = encode_kind(id, kind, buf);
    for (size_t i = 0; i < len; i++) {
      for (size_t m = 0; m < sizeof masks; m++) {
        buf[i] ^= masks[m];
        int r = kind == RP_KEYFILE_KIND_PUBLIC
                    ? rp__keyfile_decode_public(buf, len, &pub)
                    : rp__keyfile_decode(buf, len, PASS, strlen(PASS), &back);
        if (r == 0) fail_msg("kind %u: flip %#x at byte %zu accepted", kind, masks[m], i);
        assert_true(r < 0 && r > RP_ERRNO_LAST_);
        assert_null(back);
        buf[i] ^= masks[m];
      }
    }
  }
  rp__identity_free(id);
}

static void test_header_errors(void **state) {
  (void)state;
  rp__identity *id = NULL;
  uint8_t buf[RP_KEYFILE_MAX + 1];
  rp__keyfile_info info;
  assert_int_equal(rp__identity_generate("admin", &id), 0);
  size_t len = encode_kind(id, RP_KEYFILE_KIND_ENCRYPTED, buf);
  size_t kdf = 11 + strlen("admin") + 160;

  buf[0] = 'R';
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EMALFORMED);
  assert_int_equal(rp__keyfile_peek(buf, 3, &info), RP_EMALFORMED);
  buf[0] = 'r';
  buf[8] = 2;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EVERSION);
  buf[8] = 1;
  buf[9] = 4;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EENUM);
  buf[9] = 1;
  buf[kdf] = 2;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EENUM);
  buf[kdf] = 1;
  /* Absurd limits are refused before any hashing happens, so these calls are quick. */
  buf[kdf + 4] = RP_KEYFILE_OPSLIMIT_MAX + 1;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_ETOOBIG);
  buf[kdf + 4] = 0;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EMALFORMED);
  buf[kdf + 4] = 1;
  memcpy(buf + kdf + 5, "\x00\x00\x00\x00\x40\x00\x00\x01", 8); /* 1 GiB + 1 */
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_ETOOBIG);
  memcpy(buf + kdf + 5, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_ETOOBIG);
  memcpy(buf + kdf + 5, "\x00\x00\x00\x00\x00\x00\x00\x00", 8);
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EMALFORMED);

  /* A bad id length, and an id with a control character. */
  len = encode_kind(id, RP_KEYFILE_KIND_PUBLIC, buf);
  buf[10] = 0;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EMALFORMED);
  buf[10] = RP_MEMBER_ID_MAX + 1;
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EMALFORMED);
  buf[10] = 5;
  buf[12] = '\n';
  assert_int_equal(rp__keyfile_peek(buf, len, &info), RP_EINVAL);

  /* Oversize input. */
  memset(buf, 0, sizeof buf);
  memcpy(buf, RP_KEYFILE_MAGIC, RP_KEYFILE_MAGICBYTES);
  assert_int_equal(rp__keyfile_peek(buf, RP_KEYFILE_MAX + 1, &info), RP_ETOOBIG);
  rp__identity_free(id);
}

static void test_files_and_modes(void **state) {
  (void)state;
  char dir[4096], path[4200], pubpath[4200];
  rp__identity *id = NULL, *back = NULL;
  rp__identity_public pub;
  uint8_t buf[RP_KEYFILE_MAX + 1];
  snprintf(dir, sizeof dir, "%s", tu_tmpdir("keyfile"));
  snprintf(path, sizeof path, "%s/daemon.key", dir);
  snprintf(pubpath, sizeof pubpath, "%s/daemon.pub", dir);
  assert_int_equal(rp__identity_generate("relay", &id), 0);

  size_t len = encode_kind(id, RP_KEYFILE_KIND_PLAIN, buf);
  assert_int_equal(rp__keyfile_load(path, NULL, 0, &back), RP_ENOTFOUND);
  assert_int_equal(rp__keyfile_write(path, buf, len, 0), 0);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(rp__keyfile_load(path, NULL, 0, &back), 0);
  same_identity(id, back);
  rp__identity_free(back);
  back = NULL;
  /* Never overwritten by accident; replaced on request. */
  assert_int_equal(rp__keyfile_write(path, buf, len, 0), RP_EEXIST);
  assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);

  static const mode_t bad[] = {0644, 0640, 0604, 0610, 0601, 0660};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(chmod(path, bad[i]), 0);
    assert_int_equal(rp__keyfile_load(path, NULL, 0, &back), RP_EPERM);
    assert_null(back);
  }
  assert_int_equal(chmod(path, 0400), 0);
  assert_int_equal(rp__keyfile_load(path, NULL, 0, &back), 0);
  rp__identity_free(back);
  back = NULL;

  /* An encrypted file may be readable by others: the passphrase protects it. */
  len = encode_kind(id, RP_KEYFILE_KIND_ENCRYPTED, buf);
  assert_int_equal(rp__keyfile_write(path, buf, len, 1), 0);
  assert_int_equal(chmod(path, 0644), 0);
  assert_int_equal(rp__keyfile_load(path, "nope", 4, &back), RP_EPASSPHRASE);
  assert_int_equal(rp__keyfile_load(path, PASS, strlen(PASS), &back), 0);
  same_identity(id, back);
  rp__identity_free(back);
  back = NULL;

  len = encode_kind(id, RP_KEYFILE_KIND_PUBLIC, buf);
  assert_int_equal(rp__keyfile_write(pubpath, buf, len, 0), 0);
  assert_int_equal(rp__keyfile_load_public(pubpath, &pub), 0);
  assert_memory_equal(&pub, &id->pub, sizeof pub);
  assert_int_equal(rp__keyfile_load_public(path, &pub), RP_EINVAL);

  /* A file over the cap, and a directory. */
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  memset(buf, 'x', sizeof buf);
  assert_int_equal(fwrite(buf, 1, sizeof buf, f), sizeof buf);
  fclose(f);
  assert_int_equal(rp__keyfile_load(path, PASS, 4, &back), RP_ETOOBIG);
  assert_int_equal(rp__keyfile_load(dir, PASS, 4, &back), RP_EINVAL);
  assert_int_equal(rp__keyfile_write(path, buf, RP_KEYFILE_MAX + 1, 1), RP_EINVAL);

  /* No temporary file is left behind. */
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *e;
  size_t files = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    assert_null(strstr(e->d_name, ".tmp-"));
    files++;
  }
  closedir(d);
  assert_int_equal(files, 2);
  tu_rmtree(dir);
  rp__identity_free(id);
}

static void write_seed(const char *dir, const char *name, const uint8_t *buf, size_t len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(buf, 1, len, f), len);
  fclose(f);
}

/* Fuzz seeds: the harness uses PASS and refuses limits above the minimums. */
static void test_write_corpus(void **state) {
  (void)state;
  const char *dir = getenv("RP_WRITE_CORPUS");
  if (dir == NULL) skip();
  rp__identity *id = NULL;
  uint8_t buf[RP_KEYFILE_MAX];
  assert_int_equal(rp__identity_generate("kommune-101", &id), 0);
  write_seed(dir, "encrypted", buf, encode_kind(id, RP_KEYFILE_KIND_ENCRYPTED, buf));
  write_seed(dir, "plain", buf, encode_kind(id, RP_KEYFILE_KIND_PLAIN, buf));
  write_seed(dir, "public", buf, encode_kind(id, RP_KEYFILE_KIND_PUBLIC, buf));
  rp__identity_free(id);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trips),   cmocka_unit_test(test_default_kdf),
      cmocka_unit_test(test_truncations),   cmocka_unit_test(test_flipped_bytes),
      cmocka_unit_test(test_header_errors), cmocka_unit_test(test_files_and_modes),
      cmocka_unit_test(test_write_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
