// SPDX-License-Identifier: MIT
package dk.rejsepost;

import java.nio.ByteBuffer;

/**
 * A content check for outgoing attachments (rp_config_set_attachment_hook), called during
 * {@link Client#send} on the sending thread with each attachment's plaintext in order, a
 * piece (at most 256 KiB) at a time. {@code piece} is a read-only view of the library's
 * memory, valid during the call only: copy what you keep (a pattern that may straddle two
 * pieces needs the end of the previous one). Return {@link #ACCEPT}, or the byte offset in
 * the file you object to: the send then fails with EHOOK naming the attachment
 * ("attachments.N"). An exception thrown here refuses the message too.
 */
@FunctionalInterface
public interface AttachmentHook {
  long ACCEPT = -1;

  /**
   * @param offset the piece's first byte in the file
   * @param last true on the attachment's final piece (empty for an empty file)
   */
  long check(String name, String mime, ByteBuffer piece, long offset, boolean last)
      throws Exception;
}
