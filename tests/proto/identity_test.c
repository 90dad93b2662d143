/* SPDX-License-Identifier: MIT */
/* Identities: generation, the binding signature, rebuilding from secrets, member ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "identity.h"
#include "rejsepost_errors.h"

static void test_generate_and_verify(void **state) {
  (void)state;
  rp__identity *a = NULL, *b = NULL;
  assert_int_equal(rp__identity_generate("kommune-101", &a), 0);
  assert_non_null(a);
  assert_string_equal(a->pub.id, "kommune-101");
  assert_int_equal(rp__identity_public_check(&a->pub), 0);
  assert_int_equal(rp__identity_binding_verify(a->pub.identity_pk, a->pub.transport_pk,
                                               a->pub.message_pk, a->pub.binding_sig),
                   0);
  /* The public keys really belong to the secrets. */
  uint8_t pk[32];
  assert_int_equal(crypto_scalarmult_base(pk, a->sec->transport_sk), 0);
  assert_memory_equal(pk, a->pub.transport_pk, 32);
  assert_int_equal(crypto_scalarmult_base(pk, a->sec->message_sk), 0);
  assert_memory_equal(pk, a->pub.message_pk, 32);
  assert_memory_equal(a->sec->identity_sk + 32, a->pub.identity_pk, 32);

  assert_int_equal(rp__identity_generate("kommune-101", &b), 0);
  assert_memory_not_equal(a->pub.identity_pk, b->pub.identity_pk, 32);
  assert_memory_not_equal(a->pub.transport_pk, b->pub.transport_pk, 32);
  rp__identity_free(a);
  rp__identity_free(b);
  rp__identity_free(NULL);
}

static void test_binding_tampered(void **state) {
  (void)state;
  rp__identity *a = NULL, *b = NULL;
  assert_int_equal(rp__identity_generate("team", &a), 0);
  assert_int_equal(rp__identity_generate("relay", &b), 0);
  rp__identity_public pub = a->pub;
  /* Every byte of the signature and of each signed key matters. */
  for (size_t i = 0; i < RP_SIGNATUREBYTES; i++) {
    pub.binding_sig[i] ^= 0x01;
    assert_int_equal(rp__identity_public_check(&pub), RP_ESIG);
    pub.binding_sig[i] ^= 0x01;
  }
  for (size_t i = 0; i < 32; i++) {
    pub.transport_pk[i] ^= 0x80;
    assert_int_equal(rp__identity_public_check(&pub), RP_ESIG);
    pub.transport_pk[i] ^= 0x80;
    pub.message_pk[i] ^= 0x04;
    assert_int_equal(rp__identity_public_check(&pub), RP_ESIG);
    pub.message_pk[i] ^= 0x04;
    pub.identity_pk[i] ^= 0x10;
    assert_int_equal(rp__identity_public_check(&pub), RP_ESIG);
    pub.identity_pk[i] ^= 0x10;
  }
  assert_int_equal(rp__identity_public_check(&pub), 0);
  /* Someone else's keys under a's identity. */
  memcpy(pub.transport_pk, b->pub.transport_pk, 32);
  assert_int_equal(rp__identity_public_check(&pub), RP_ESIG);
  /* The two X25519 keys swapped: the order is signed. */
  pub = a->pub;
  memcpy(pub.transport_pk, a->pub.message_pk, 32);
  memcpy(pub.message_pk, a->pub.transport_pk, 32);
  assert_int_equal(rp__identity_public_check(&pub), RP_ESIG);
  /* One key in both roles is refused even with a valid signature over it. */
  pub = a->pub;
  memcpy(pub.message_pk, pub.transport_pk, 32);
  assert_int_equal(rp__identity_binding_sign(a->sec->identity_sk, pub.transport_pk,
                                             pub.message_pk, pub.binding_sig),
                   0);
  assert_int_equal(rp__identity_public_check(&pub), RP_EINVAL);
  rp__identity_free(a);
  rp__identity_free(b);
}

static void test_from_secret(void **state) {
  (void)state;
  rp__identity *a = NULL, *b = NULL;
  assert_int_equal(rp__identity_generate("admin", &a), 0);
  assert_int_equal(rp__identity_from_secret("admin", a->sec->identity_seed,
                                            a->sec->transport_sk, a->sec->message_sk, &b),
                   0);
  assert_memory_equal(&a->pub, &b->pub, sizeof a->pub);
  rp__identity_free(b);
  b = NULL;
  /* Equal X25519 secrets are refused. */
  assert_int_equal(rp__identity_from_secret("admin", a->sec->identity_seed,
                                            a->sec->transport_sk, a->sec->transport_sk, &b),
                   RP_EINVAL);
  assert_null(b);
  assert_int_equal(rp__identity_from_secret("bad id", a->sec->identity_seed,
                                            a->sec->transport_sk, a->sec->message_sk, &b),
                   RP_EINVAL);
  assert_null(b);
  rp__identity_free(a);
}

static void test_id_check(void **state) {
  (void)state;
  char id[RP_MEMBER_ID_MAX + 2];
  memset(id, 'a', sizeof id);
  assert_int_equal(rp__identity_id_check(id, RP_MEMBER_ID_MAX), 0);
  assert_int_equal(rp__identity_id_check(id, RP_MEMBER_ID_MAX + 1), RP_ETOOBIG);
  assert_int_equal(rp__identity_id_check(id, 0), RP_EINVAL);
  assert_int_equal(rp__identity_id_check(NULL, 3), RP_EINVAL);
  assert_int_equal(rp__identity_id_check("k\xc3\xb8"
                                         "benhavn",
                                         9),
                   0);
  assert_int_equal(rp__identity_id_check("a b", 3), RP_EINVAL);
  assert_int_equal(rp__identity_id_check("a\tb", 3), RP_EINVAL);
  assert_int_equal(rp__identity_id_check("a\x7f", 2), RP_EINVAL);
  assert_int_equal(rp__identity_id_check("a\xc2\x85", 3), RP_EINVAL); /* NEL, C1 */
  assert_int_equal(rp__identity_id_check("a\xc2\xa0", 3), 0);         /* NBSP prints */
  assert_int_equal(rp__identity_id_check("a\0b", 3), RP_EUTF8);
  assert_int_equal(rp__identity_id_check("a\xc3", 2), RP_EUTF8);
  assert_int_equal(rp__identity_id_check("\xc0\xaf", 2), RP_EUTF8);

  rp__identity *a = NULL;
  id[RP_MEMBER_ID_MAX] = '\0';
  assert_int_equal(rp__identity_generate(id, &a), 0);
  rp__identity_free(a);
  a = NULL;
  id[RP_MEMBER_ID_MAX] = 'a';
  id[RP_MEMBER_ID_MAX + 1] = '\0';
  assert_int_equal(rp__identity_generate(id, &a), RP_ETOOBIG);
  assert_null(a);
  assert_int_equal(rp__identity_generate("", &a), RP_EINVAL);
  assert_int_equal(rp__identity_generate(NULL, &a), RP_EINVAL);
  assert_int_equal(rp__identity_generate("x", NULL), RP_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generate_and_verify),
      cmocka_unit_test(test_binding_tampered),
      cmocka_unit_test(test_from_secret),
      cmocka_unit_test(test_id_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
