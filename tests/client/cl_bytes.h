/* SPDX-License-Identifier: MIT */
/*
 * Test files of known content for the attachment tests: byte i of the content seeded
 * `seed` is cl_byte_at(seed, i), so a receiver can check what it got without a copy;
 * files written and hashed a mebibyte at a time (SHA-256, libsodium). Header-only (static
 * functions), like cl_fixture.h; include it after <cmocka.h>.
 */
#ifndef RP_TESTS_CL_BYTES_H
#define RP_TESTS_CL_BYTES_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

static inline uint8_t cl_byte_at(uint32_t seed, uint64_t i) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  return (uint8_t)(x >> 29);
}

/* Writes a file of n bytes cl_byte_at(seed, .); its SHA-256 into sha. */
static inline void cl_make_file(const char *path, uint64_t n, uint32_t seed,
                                uint8_t sha[32]) {
  static uint8_t buf[1u << 20];
  crypto_hash_sha256_state h;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  crypto_hash_sha256_init(&h);
  for (uint64_t off = 0; off < n;) {
    size_t k = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
    for (size_t i = 0; i < k; i++)
      buf[i] = cl_byte_at(seed, off + i);
    assert_int_equal(write(fd, buf, k), (ssize_t)k);
    crypto_hash_sha256_update(&h, buf, k);
    off += k;
  }
  crypto_hash_sha256_final(&h, sha);
  close(fd);
}

/* The SHA-256 of the file at path and its size; its permission bits into *mode unless
 * mode is NULL. */
static inline void cl_file_sha(const char *path, uint8_t sha[32], uint64_t *size,
                               mode_t *mode) {
  static uint8_t buf[1u << 20];
  crypto_hash_sha256_state h;
  struct stat sb;
  ssize_t k;
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(fstat(fd, &sb), 0);
  *size = (uint64_t)sb.st_size;
  if (mode != NULL) *mode = sb.st_mode & 07777;
  crypto_hash_sha256_init(&h);
  while ((k = read(fd, buf, sizeof buf)) > 0)
    crypto_hash_sha256_update(&h, buf, (size_t)k);
  crypto_hash_sha256_final(&h, sha);
  close(fd);
}

#endif /* RP_TESTS_CL_BYTES_H */
