// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Receives what a callback threw. The library cannot carry a Java exception through its C
 * frames, so the binding catches every Throwable at the boundary and reports it here, on the
 * thread the callback ran on. The default handler prints it to System.err. What this handler
 * throws is dropped.
 */
@FunctionalInterface
public interface CallbackErrorHandler {
  /**
   * @param callback which callback threw: "receive", "status", "log", "progress",
   *     "passphrase", "content_hook" or "attachment_hook". (A failing attachment stream is not
 *     reported here: it runs on your thread, and its exception is the cause of the
 *     RejsepostException that send or readAttachment throws.)
   * @param error what it threw
   */
  void onCallbackError(String callback, Throwable error);
}
