// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * A further check on every free-text field of an outgoing message, run after the CPR guard
 * (rp_config_set_content_hook). Called during {@link Client#send}, on the thread that calls
 * it. Return {@link #ACCEPT} to accept, or the index (a Java char index into {@code text})
 * of what you object to: the send then fails with EHOOK naming the field. An exception
 * thrown here refuses the message too (and goes to the {@link CallbackErrorHandler}).
 */
@FunctionalInterface
public interface ContentHook {
  int ACCEPT = -1;

  int check(String field, String text) throws Exception;
}
