/* SPDX-License-Identifier: MIT */
/*
 * The client's own caps and timeouts, all in one place (the protocol's are in
 * proto/caps.h). Loop-thread sizes bound the fixed arrays of struct rp_client.
 */
#ifndef RP_CLIENT_CAPS_H
#define RP_CLIENT_CAPS_H

#define RP__CL_BACKOFF_MIN_MS 500u
#define RP__CL_BACKOFF_MAX_MS 60000u
#define RP__CL_RECEIVE_WINDOW 16u
#define RP__CL_SEND_WINDOW_MAX 256u /* we never keep more SENDs unanswered than this */
#define RP__CL_HOLDS_MAX 128u       /* recipients held back at once (hold.c) */
#define RP__CL_HANDSHAKE_MS 5000u
#define RP__CL_SHUTDOWN_MS 5000u
#define RP__CL_ROSTER_META "roster"

#endif /* RP_CLIENT_CAPS_H */
