/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the tests: hex, files, paths from the environment. */
#ifndef RP_TESTUTIL_H
#define RP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Decode `hex` (even length, no spaces) into a malloc'd buffer; *len gets its size.
 * Aborts the test program on bad hex: test inputs are ours. */
uint8_t *tu_unhex(const char *hex, size_t *len);

/* Read a whole file into a malloc'd, NUL-terminated buffer, or NULL. */
char *tu_read_file(const char *path, size_t *len);

/* 1 if the n bytes at `bytes` stand in any regular file of dir (not its subfolders):
 * how the erasure tests look for what must be gone from a store's files, its -wal and
 * -shm included; 0 if in none; -1 if dir cannot be read. */
int tu_dir_holds(const char *dir, const void *bytes, size_t n);

/* Path of an official vector file: $RP_TEST_VECTORS/<name>. Static buffer. */
const char *tu_vector_path(const char *name);

/* A fresh private temporary directory (mode 0700); static buffer, created each call. */
const char *tu_tmpdir(const char *tag);

/* Remove a directory tree created by tu_tmpdir (best effort). */
void tu_rmtree(const char *path);

#endif
