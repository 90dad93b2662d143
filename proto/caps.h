/* SPDX-License-Identifier: MIT */
/*
 * Every cap in rejsepost: sizes, counts, timeouts. One place, so that a reviewer can see
 * every limit at once and every limit has a test that goes past it. Values that an
 * operator may tune are the defaults of a config setting; the hard caps here bound those.
 */
#ifndef RP_CAPS_H
#define RP_CAPS_H

/* ---- wire framing (Noise: 2-byte big-endian length, at most 65535 bytes) ---- */
#define RP_FRAME_MAX 65535u /* one Noise message, ciphertext incl. tag */
#define RP_NOISE_TAG 16u
#define RP_FRAME_PLAINTEXT_MAX (RP_FRAME_MAX - RP_NOISE_TAG)
/* A transport message larger than one frame is split; this bounds the reassembled size. */
#define RP_MSG_MAX (1024u * 1024u + 4096u)
/* Message ids one purge names at most (docs/PROTOCOL.md 5.7; WELCOME's purge_max is at
 * most this): 256 ids are 4 KiB, a small message; a thread with more messages than that
 * is purged in several. */
#define RP__PURGE_IDS_MAX 256u
/* Bytes taken from a socket by one read, into the relay's loop-wide buffer or a client's
 * own. A frame may span reads (the channel gathers it), so this is an I/O size and not
 * derived from RP_FRAME_MAX (a whole frame on the wire is 2 + RP_FRAME_MAX bytes). */
#define RP_SOCK_READ_BUF 65536u

/* ---- msgpack decoding ---- */
#define RP_MP_DEPTH_MAX 8u     /* nesting of arrays/maps in any document */
#define RP_MP_ITEMS_MAX 65536u /* total objects in one document */

/* ---- envelopes ---- */
#define RP_ENVELOPE_BODY_MAX (1024u * 1024u) /* HPKE ciphertext incl. tag */
#define RP_MEMBER_ID_MAX 64u                 /* bytes of a member id (UTF-8) */
#define RP_MSG_ID_BYTES 16u
#define RP_THREAD_ID_BYTES 16u
#define RP_EXPIRY_DEFAULT_MS (30ull * 24 * 3600 * 1000)
#define RP_EXPIRY_MAX_MS (90ull * 24 * 3600 * 1000)
#define RP_CLOCK_SKEW_MS (10ull * 60 * 1000) /* created may lie this far in the future */

/* ---- payloads (docs/DOMAIN.md) ---- */
#define RP_TEXT_SHORT_MAX 256u      /* names, refs, titles (bytes, UTF-8) */
#define RP_TEXT_QUESTION_MAX 16384u /* the request's question, advice text */
#define RP_SET_MAX 32u              /* elements in an enum set */
#define RP_LIST_MAX 64u             /* attachments, referrals, roster changes... */

/* ---- roster ---- */
#define RP_ROSTER_MEMBERS_MAX 4096u
#define RP_ROSTER_MAX (4u * 1024u * 1024u)

/* ---- files ---- */
/* A path in a configuration file or on a command line, NUL included. */
#define RP_PATH_MAX 1024u

/* ---- key files ---- */
#define RP_KEYFILE_MAX 4096u
#define RP_PASSPHRASE_MAX 1024u

#endif /* RP_CAPS_H */
