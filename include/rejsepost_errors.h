/* SPDX-License-Identifier: MIT */
/*
 * Error codes shared by every part of rejsepost: the client library, the relay, the
 * inbox daemon, and the wire (a NACK carries the positive value of one of these).
 * Functions return 0 on success or one of these negative values.
 *
 * Codes are never renumbered and never reused: add new ones at the end only.
 */
#ifndef REJSEPOST_ERRORS_H
#define REJSEPOST_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

#define RP_ERRNO_MAP(XX)                                                                   \
  XX(EINVAL, -1, "invalid argument")                                                       \
  XX(ENOMEM, -2, "out of memory")                                                          \
  XX(EINTERNAL, -3, "internal error")                                                      \
  XX(EIO, -4, "input/output error")                                                        \
  XX(ETOOBIG, -5, "value exceeds a limit")                                                 \
  XX(ETRUNC, -6, "input is truncated")                                                     \
  XX(EMALFORMED, -7, "malformed encoding")                                                 \
  XX(ETYPE, -8, "field has the wrong type")                                                \
  XX(EMISSING, -9, "required field is missing")                                            \
  XX(EENUM, -10, "unknown enumeration value")                                              \
  XX(EUTF8, -11, "text is not valid UTF-8")                                                \
  XX(EVERSION, -12, "unsupported version")                                                 \
  XX(EDEPTH, -13, "nesting too deep")                                                      \
  XX(ECRYPTO, -14, "cryptographic operation failed")                                       \
  XX(EAUTH, -15, "authentication failed: data was altered or the key is wrong")            \
  XX(ESIG, -16, "signature verification failed")                                           \
  XX(EROLLBACK, -17, "roster version is older than the one already held")                  \
  XX(EUNKNOWNMEMBER, -18, "unknown member")                                                \
  XX(EREVOKED, -19, "member has been revoked")                                             \
  XX(EWRONGRECIPIENT, -20, "envelope is not addressed to this member")                     \
  XX(EWRONGSENDER, -21, "envelope was not sealed by the member it names")                  \
  XX(EEXPIRED, -22, "envelope has expired")                                                \
  XX(ECPR, -23, "text contains a CPR number; remove it before sending")                    \
  XX(EPASSPHRASE, -24, "wrong passphrase or damaged key file")                             \
  XX(EPERM, -25, "key file is readable by others; run chmod 600 on it")                    \
  XX(ESTATE, -26, "operation not allowed in the current state")                            \
  XX(ENOTFOUND, -27, "not found")                                                          \
  XX(EEXIST, -28, "already exists")                                                        \
  XX(ESPOOLFULL, -29, "relay spool is full; the envelope was not accepted")                \
  XX(ECONNREFUSED, -30, "connection refused")                                              \
  XX(ETIMEDOUT, -31, "timed out")                                                          \
  XX(ECLOSED, -32, "connection closed")                                                    \
  XX(EBUSY, -33, "limit reached; try again later")                                         \
  XX(EDUPLICATE, -34, "duplicate message id")                                              \
  XX(ENONCE, -35, "nonce space exhausted; a new key is needed")                            \
  XX(EFSYNC, -36, "durable write failed; no further writes are accepted")                  \
  XX(EHOOK, -37, "refused by the content check hook")                                      \
  XX(ECONFIG, -38, "bad configuration")                                                    \
  XX(EKIND, -39, "member kind is not allowed to do this")                                  \
  XX(ESIZE, -40, "envelope size class or length is inconsistent")                          \
  XX(EROUTE, -41,                                                                          \
     "route not allowed: municipalities write to the team, the team to municipalities")    \
  XX(EQUOTA, -42,                                                                          \
     "the sender's share of the recipient's relay spool is full; retry after it collects") \
  XX(EDIGEST, -43, "attachment content does not match its sha256")                         \
  XX(EORDER, -44, "attachment chunk out of order")                                         \
  XX(EEXCESS, -45, "more attachment chunks than the message declares")

/* The error codes as an enum: RP_EINVAL, RP_ENOMEM, ... clang-format cannot see that the
 * map expands to enumerators with their commas, and would indent the last one as a
 * continuation. */
/* clang-format off */
typedef enum {
  RP_OK = 0,
#define RP__ERR_ENUM(name, value, text) RP_##name = (value),
  RP_ERRNO_MAP(RP__ERR_ENUM)
#undef RP__ERR_ENUM
  RP_ERRNO_LAST_ = -46
} rp_errno_t;
/* clang-format on */

/* A sentence describing error code `err` ("unknown error" for values not in the map).
 * The string is static; the caller must not free it. */
const char *rp_strerror(int err);

/* The symbolic name of `err` without the RP_ prefix ("EINVAL"), or "UNKNOWN". Static. */
const char *rp_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif /* REJSEPOST_ERRORS_H */
