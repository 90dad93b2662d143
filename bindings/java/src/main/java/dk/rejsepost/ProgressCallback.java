// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Progress of a message's attachment bytes between this client and the relay
 * (rp_config_set_progress), at most once per chunk. <b>Runs on the library's own loop
 * thread</b>, with the rules of {@link ReceiveCallback}.
 */
@FunctionalInterface
public interface ProgressCallback {
  /** Which way the bytes go. */
  enum Direction {
    SEND,
    RECEIVE
  }

  /**
   * @param doneBytes sealed bytes done so far
   * @param totalBytes sealed bytes in all
   */
  void onProgress(
      Client client, String msgId, Direction direction, long doneBytes, long totalBytes)
      throws Exception;
}
