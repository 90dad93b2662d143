// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Called whenever a sent message's status changes (rp_config_set_status_callback).
 *
 * <p><b>Runs on the library's own loop thread</b>, with the same rules as {@link
 * ReceiveCallback}. An exception thrown here is caught and handed to the {@link
 * CallbackErrorHandler}.
 */
@FunctionalInterface
public interface StatusCallback {
  /**
   * @param client the client
   * @param msgId the message id (32 hex)
   * @param status its new status
   * @param error for FAILED, the refusal's negative error code (see {@link
   *     Rejsepost#errorName}); else 0
   */
  void onStatus(Client client, String msgId, Status status, int error) throws Exception;
}
