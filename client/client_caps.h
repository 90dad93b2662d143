/* SPDX-License-Identifier: MIT */
/*
 * The client's own caps and timeouts, all in one place (the protocol's are in
 * proto/caps.h). Loop-thread sizes bound the fixed arrays of struct rp_client.
 */
#ifndef RP_CLIENT_CAPS_H
#define RP_CLIENT_CAPS_H

#define RP__CL_BACKOFF_MIN_MS 500u
#define RP__CL_BACKOFF_MAX_MS 60000u
/* Addresses of the one relay identity (rp_config_set_relay, rp_config_add_relay): a
 * moved address and a standby or two; more would only lengthen a round of failures
 * before the backoff. */
#define RP__CL_RELAY_ADDRS_MAX 8u
#define RP__CL_RECEIVE_WINDOW 16u
#define RP__CL_SEND_WINDOW_MAX 256u /* we never keep more SENDs unanswered than this */
#define RP__CL_HOLDS_MAX 128u       /* recipients held back at once (hold.c) */
#define RP__CL_HANDSHAKE_MS 5000u
#define RP__CL_SHUTDOWN_MS 5000u
#define RP__CL_ROSTER_META "roster"
/* Attachment chunks of ours unanswered at once (each is 256 KiB in the write queue). */
#define RP__CL_CHUNK_WINDOW 8u
/* Chunks asked for with one chunk_get, and asked for and not yet received at most. */
#define RP__CL_CHUNK_GET 8u
#define RP__CL_CHUNK_CREDIT 16u
/* Uploads of one message's chunks again after ETRUNC (PROTOCOL.md 5.6) before it fails. */
#define RP__CL_UPLOAD_AGAIN_MAX 3u
/* The expiry of chunks uploaded while rp_send still seals their message (upload.h,
 * "Early"): one hour from the upload, or the envelope's if sooner. The message's SEND
 * moves them to the envelope's expiry; an rp_send that fails leaves them at the relay
 * until then at most. */
#define RP__CL_EARLY_EXPIRY_MS (3600ull * 1000)
/* Attachment caps: the defaults of rp_config_set_attachment_max and
 * rp_config_set_message_attachments_max, and the most the latter accepts. */
#define RP__CL_ATT_MAX_DEFAULT (100ull * 1024 * 1024)
#define RP__CL_MSG_ATT_MAX_DEFAULT (256ull * 1024 * 1024)
#define RP__CL_MSG_ATT_MAX_CEILING (64ull * 1024 * 1024 * 1024)
/* Retention of finished messages in the client store (rp_config_set_retention): the
 * default, 30 days, and the most, 10 years (as the inbox daemon's retention_days). */
#define RP__CL_RETENTION_DEFAULT_MS (30ull * 24 * 3600 * 1000)
#define RP__CL_RETENTION_MAX_MS (3650ull * 24 * 3600 * 1000)
/* The retention sweep runs at open, at every WELCOME and on a timer: every quarter of
 * the retention, at least every second and at most every hour apart. */
#define RP__CL_SWEEP_MIN_MS 1000u
#define RP__CL_SWEEP_MAX_MS 3600000u

#endif /* RP_CLIENT_CAPS_H */
