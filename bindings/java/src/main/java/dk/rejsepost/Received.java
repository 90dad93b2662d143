// SPDX-License-Identifier: MIT
package dk.rejsepost;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A received message (rp_received), opened from the inbox. Immutable: any thread may read
 * it. One you got from {@link Client#inboxNext} or {@link Client#inboxGet} or {@link #dup} is
 * yours: close it (its plaintext is wiped). One lent to a {@link ReceiveCallback} is valid
 * during the callback only; after it, every call throws IllegalStateException, and close()
 * does nothing. Keep one with {@link #dup()}.
 *
 * <p>Field getters take the names of the protocol's payload tables ({@code "advice"}, {@code
 * "risk.level"}, {@code "attachments.0.name"}) and throw {@link RejsepostException} ENOTFOUND
 * for a field that does not exist or an optional one that is absent, ETYPE for a field of
 * another type.
 */
public final class Received implements AutoCloseable {
  private static final NativeLib LIB = Rejsepost.LIB;

  private static final class State implements Runnable {
    volatile Pointer handle;
    final boolean owned;

    State(Pointer handle, boolean owned) {
      this.handle = handle;
      this.owned = owned;
    }

    @Override
    public void run() {
      Pointer h = handle;
      handle = null;
      if (h != null && owned) LIB.rp_received_free(h);
    }
  }

  private final State state;
  private final Cleaner.Cleanable cleanable;
  private final Client client;

  Received(Pointer handle, Client client, boolean owned) {
    this.state = new State(handle, owned);
    this.client = client;
    this.cleanable = owned ? Util.CLEANER.register(this, state) : null;
  }

  /** Ends a borrowed message's life (the callback returned). */
  void invalidate() {
    state.handle = null;
  }

  private Pointer h() {
    Pointer h = state.handle;
    if (h == null) {
      throw new IllegalStateException(
          state.owned
              ? "the received message is closed"
              : "a received message lent to a callback is valid during the callback only; dup() it");
    }
    return h;
  }

  /** A copy that is yours (rp_received_dup): close it. */
  public Received dup() {
    PointerByReference out = new PointerByReference();
    Rejsepost.check(LIB.rp_received_dup(h(), out));
    return new Received(out.getValue(), client, true);
  }

  /** The payload kind ("reply"). */
  public String kind() {
    return LIB.rp_received_kind(h());
  }

  /** The message id (32 hex). */
  public String msgId() {
    return LIB.rp_received_msg_id(h());
  }

  /** The thread id (32 hex). */
  public String threadId() {
    return LIB.rp_received_thread_id(h());
  }

  /** The message it answers or concerns (in_reply_to, about, ...), or null for kinds without. */
  public String inReplyTo() {
    return LIB.rp_received_in_reply_to(h());
  }

  /** The sender's member id. */
  public String sender() {
    return LIB.rp_received_sender(h());
  }

  /** When it was created, by the sender's clock (unix ms). */
  public long created() {
    return LIB.rp_received_created(h());
  }

  /** When our inbox stored it (unix ms). */
  public long storedAt() {
    return LIB.rp_received_stored_at(h());
  }

  /** Whether it was marked handled when it was read from the inbox. */
  public boolean isHandled() {
    return LIB.rp_received_handled(h()) != 0;
  }

  /**
   * Whether its sender recalled it (a "recall" about it arrived). The inbox then no longer
   * offers it, though {@link Client#inboxGet} still finds it; hide its content too.
   */
  public boolean isRecalled() {
    return LIB.rp_received_recalled(h()) != 0;
  }

  private RejsepostException fieldError(int rc, String field) {
    return new RejsepostException(rc, field, null, -1, null);
  }

  private String str(int rc, PointerByReference out, String field) {
    if (rc != 0) throw fieldError(rc, field);
    return Util.utf8(out.getValue());
  }

  /** A text field. */
  public String getText(String field) {
    PointerByReference out = new PointerByReference();
    return str(LIB.rp_received_get_text(h(), field, out), out, field);
  }

  /** An enumeration field's name. */
  public String getEnum(String field) {
    PointerByReference out = new PointerByReference();
    return str(LIB.rp_received_get_enum(h(), field, out), out, field);
  }

  /** An unsigned integer field (read it with Long.toUnsignedString if it may exceed 2^63). */
  public long getUint(String field) {
    LongByReference out = new LongByReference();
    int rc = LIB.rp_received_get_uint(h(), field, out);
    if (rc != 0) throw fieldError(rc, field);
    return out.getValue();
  }

  /** A boolean field. */
  public boolean getBool(String field) {
    IntByReference out = new IntByReference();
    int rc = LIB.rp_received_get_bool(h(), field, out);
    if (rc != 0) throw fieldError(rc, field);
    return out.getValue() != 0;
  }

  /** A bytes field (ids, hashes) as lowercase hex. */
  public String getHex(String field) {
    PointerByReference out = new PointerByReference();
    return str(LIB.rp_received_get_hex(h(), field, out), out, field);
  }

  /** A set field's names, in name order (empty if the set is). */
  public List<String> getSet(String field) {
    List<String> names = new ArrayList<>();
    Pointer h = h();
    for (long i = 0; ; i++) {
      PointerByReference out = new PointerByReference();
      int rc = LIB.rp_received_get_set(h, field, new NativeLib.SizeT(i), out);
      if (rc == RejsepostErrors.ENOTFOUND && i > 0) break;
      if (rc == RejsepostErrors.ENOTFOUND) {
        // An empty set, or no such field: a count of a set field tells them apart.
        if (has(field)) break;
        throw fieldError(rc, field);
      }
      if (rc != 0) throw fieldError(rc, field);
      names.add(Util.utf8(out.getValue()));
    }
    return names;
  }

  /** The number of elements of a list field. */
  public int listCount(String field) {
    NativeLib.SizeTByReference out = new NativeLib.SizeTByReference();
    int rc = LIB.rp_received_list_count(h(), field, out);
    if (rc != 0) throw fieldError(rc, field);
    return (int) out.getValue();
  }

  /** Whether the message has this field (present, of whatever type). */
  public boolean has(String field) {
    PointerByReference out = new PointerByReference();
    int rc = LIB.rp_received_get_text(h(), field, out);
    return rc == 0 || rc == RejsepostErrors.ETYPE;
  }

  /** The number of attachments (0 for a kind without any). */
  public int attachmentCount() {
    return (int) LIB.rp_received_attachments(h()).longValue();
  }

  /** Attachment i's descriptor (ENOTFOUND past the end). */
  public Attachment attachment(int i) {
    PointerByReference name = new PointerByReference();
    PointerByReference mime = new PointerByReference();
    PointerByReference kind = new PointerByReference();
    LongByReference size = new LongByReference();
    int rc = LIB.rp_received_attachment(h(), new NativeLib.SizeT(i), name, mime, size, kind);
    if (rc != 0) throw fieldError(rc, "attachments." + i);
    return new Attachment(
        i,
        Util.utf8(name.getValue()),
        Util.utf8(mime.getValue()),
        size.getValue(),
        Util.utf8(kind.getValue()));
  }

  /** Every attachment's descriptor, in order. */
  public List<Attachment> attachments() {
    int n = attachmentCount();
    List<Attachment> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(attachment(i));
    return out;
  }

  private Client client() {
    if (client == null) throw new IllegalStateException("no client for this message");
    return client;
  }

  /**
   * Streams attachment i into out, decrypted a chunk at a time from the inbox, on this thread
   * (rp_received_attachment_read); the sha256 is checked at the end. On an error, the bytes
   * already written are not to be trusted. An exception from out fails the read with EIO and
   * is its cause. out is not closed.
   */
  public void readAttachment(int i, OutputStream out) {
    Pointer r = h();
    Throwable[] failure = new Throwable[1];
    byte[][] chunk = {new byte[0]};
    NativeLib.WriteFn fn =
        (ctx, buf, len) -> {
          try {
            int n = (int) len.longValue();
            if (chunk[0].length < n) chunk[0] = new byte[n];
            buf.read(0, chunk[0], 0, n);
            out.write(chunk[0], 0, n);
            return 0;
          } catch (Throwable t) {
            failure[0] = t;
            return 1;
          }
        };
    int rc =
        client()
            .with(c -> LIB.rp_received_attachment_read(c, r, new NativeLib.SizeT(i), fn, null));
    Reference.reachabilityFence(fn);
    if (rc != 0) {
      throw new RejsepostException(rc, "attachments." + i, null, -1, failure[0]);
    }
  }

  /** Attachment i's bytes, whole and verified (for attachments that fit in memory). */
  public byte[] readAttachmentBytes(int i) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    readAttachment(i, out);
    return out.toByteArray();
  }

  /**
   * Writes attachment i to a new file at path, mode 0600 (rp_received_attachment_save):
   * EEXIST if anything is there; on any error the file is removed, so a saved file is always
   * whole and verified.
   */
  public void saveAttachment(int i, Path path) {
    Pointer r = h();
    int rc =
        client()
            .with(
                c ->
                    LIB.rp_received_attachment_save(
                        c, r, new NativeLib.SizeT(i), path.toString()));
    if (rc != 0) throw new RejsepostException(rc, "attachments." + i, null, -1, null);
  }

  /** The whole message as a JSON object (rp_received_to_json). */
  public String toJson() {
    PointerByReference out = new PointerByReference();
    Rejsepost.check(LIB.rp_received_to_json(h(), out));
    return Util.takeString(out);
  }

  /** Frees (and wipes) a message that is yours; does nothing for a lent one. Idempotent. */
  @Override
  public void close() {
    if (cleanable != null) cleanable.clean();
    else state.handle = null;
  }
}
