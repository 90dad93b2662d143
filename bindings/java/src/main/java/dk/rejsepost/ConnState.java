// SPDX-License-Identifier: MIT
package dk.rejsepost;

/** The client's connection to the relay (RP_CONN_*). */
public enum ConnState {
  /** Waiting to retry (see {@link Client#lastError()}). */
  DISCONNECTED,
  /** TCP connect or handshake in progress. */
  CONNECTING,
  /** Channel up, welcome received. */
  CONNECTED,
  /** Stopped for good (member revoked) or shutting down. */
  STOPPED;

  static ConnState fromCode(int code) {
    ConnState[] all = values();
    return code >= 0 && code < all.length ? all[code] : DISCONNECTED;
  }
}
