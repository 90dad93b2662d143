// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Called for each message newly stored in the inbox, and at start-up for every stored
 * message not yet marked handled (rp_config_set_receive_callback).
 *
 * <p><b>Runs on the library's own loop thread</b>, not on a thread of yours: synchronise
 * what you share, and return quickly (the relay's acknowledgement waits for it). The
 * {@link Received} is lent for the call only: use {@link Received#dup()} to keep it. You
 * may call {@link Client#markHandled}, {@link Client#send} and the other client calls here,
 * but not {@link Client#flush}, {@link Client#refreshRoster} nor {@link Client#close}. An
 * exception thrown here is caught and handed to the {@link CallbackErrorHandler}; the
 * message stays unhandled and is offered again on the next start.
 */
@FunctionalInterface
public interface ReceiveCallback {
  void onReceive(Client client, Received message) throws Exception;
}
