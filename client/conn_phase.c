/* SPDX-License-Identifier: MIT */
/*
 * The phases of the relay connection (conn.h) as two data tables, in the manner of
 * proto/transport.c: what each phase is, and which event moves it from where to where.
 * A new phase or event is a row here, and the unit test (tests/client/
 * conn_phase_test.c) checks the table as a whole; conn.c and conn_msg.c only ask.
 */
#include <assert.h>

#include "client.h"
#include "conn.h"
#include "host_log.h"

#define PH(p) (1u << (p))
#define LIVE                                                                               \
  (PH(RP__CONN_PH_CONNECTING) | PH(RP__CONN_PH_HANDSHAKE) | PH(RP__CONN_PH_OPEN) |         \
   PH(RP__CONN_PH_READY) | PH(RP__CONN_PH_RECEIVING))
#define CHAN (RP__CONN_PHF_LIVE | RP__CONN_PHF_CHANNEL)
#define WELC (RP__CONN_PHF_LIVE | RP__CONN_PHF_CHANNEL | RP__CONN_PHF_WELCOMED)

_Static_assert(RP__CONN_PH_COUNT <= 32, "phase sets are bits of an unsigned");

typedef struct phase_row {
  const char *name;
  unsigned flags; /* RP__CONN_PHF_* */
} phase_row;

static const phase_row phases[RP__CONN_PH_COUNT] = {
    [RP__CONN_PH_IDLE] = {"idle", 0},
    [RP__CONN_PH_RESOLVING] = {"resolving", 0},
    [RP__CONN_PH_CONNECTING] = {"connecting", RP__CONN_PHF_LIVE},
    /* The channel exists but is not open: nothing can be sealed yet. */
    [RP__CONN_PH_HANDSHAKE] = {"handshake", RP__CONN_PHF_LIVE},
    [RP__CONN_PH_OPEN] = {"open", CHAN},
    [RP__CONN_PH_READY] = {"ready", WELC},
    [RP__CONN_PH_RECEIVING] = {"receiving", WELC},
    /* Closing is not live: a second close, and everything that would write, waits for
     * the close callback, which resets the connection. */
    [RP__CONN_PH_CLOSING] = {"closing", 0},
    [RP__CONN_PH_STOPPED] = {"stopped", 0},
};

typedef struct rule {
  const char *name;
  unsigned from;     /* PH() of the phases it is allowed in */
  rp__conn_phase to; /* the phase it leads to */
} rule;

static const rule rules[RP__CONN_EV_COUNT] = {
    [RP__CONN_EV_RESOLVE] = {"resolve", PH(RP__CONN_PH_IDLE), RP__CONN_PH_RESOLVING},
    [RP__CONN_EV_RESOLVED] = {"resolved", PH(RP__CONN_PH_RESOLVING),
                              RP__CONN_PH_CONNECTING},
    [RP__CONN_EV_UNRESOLVED] = {"unresolved", PH(RP__CONN_PH_RESOLVING), RP__CONN_PH_IDLE},
    [RP__CONN_EV_HELLO] = {"hello", PH(RP__CONN_PH_CONNECTING), RP__CONN_PH_HANDSHAKE},
    [RP__CONN_EV_OPEN] = {"open", PH(RP__CONN_PH_HANDSHAKE), RP__CONN_PH_OPEN},
    /* The channel takes WELCOME once, before anything else (proto/transport.c). */
    [RP__CONN_EV_WELCOME] = {"welcome", PH(RP__CONN_PH_OPEN), RP__CONN_PH_READY},
    /* Deliveries start after WELCOME, once the roster is current; RECEIVE once. */
    [RP__CONN_EV_RECEIVE] = {"receive", PH(RP__CONN_PH_READY), RP__CONN_PH_RECEIVING},
    [RP__CONN_EV_CLOSE] = {"close", LIVE, RP__CONN_PH_CLOSING},
    [RP__CONN_EV_CLOSED] = {"closed", PH(RP__CONN_PH_CLOSING), RP__CONN_PH_IDLE},
    /* A revoked client stops between connections; the loop finishes in either. */
    [RP__CONN_EV_STOP] = {"stop", PH(RP__CONN_PH_IDLE) | PH(RP__CONN_PH_STOPPED),
                          RP__CONN_PH_STOPPED},
};

int rp__conn_phase_next(int from, int ev) {
  if (from < 0 || from >= RP__CONN_PH_COUNT || ev < 0 || ev >= RP__CONN_EV_COUNT) return -1;
  if (!(rules[ev].from & PH(from))) return -1;
  return (int)rules[ev].to;
}

int rp__conn_phase_apply(rp_client *c, rp__conn_ev ev) {
  int to = rp__conn_phase_next((int)c->phase, (int)ev);
  if (to < 0) {
    rp__hlog(c, RP_LOG_ERROR, "conn_phase_refused phase=%s event=%s",
             rp__conn_phase_name((int)c->phase), rp__conn_phase_ev_name((int)ev));
    assert(!"connection event in a phase that does not allow it");
    return RP_ESTATE;
  }
  c->phase = (rp__conn_phase)to;
  return 0;
}

bool rp__conn_phase_has(int p, unsigned flags) {
  return p >= 0 && p < RP__CONN_PH_COUNT && (phases[p].flags & flags) == flags;
}

const char *rp__conn_phase_name(int p) {
  return p >= 0 && p < RP__CONN_PH_COUNT ? phases[p].name : "?";
}

const char *rp__conn_phase_ev_name(int ev) {
  return ev >= 0 && ev < RP__CONN_EV_COUNT ? rules[ev].name : "?";
}
