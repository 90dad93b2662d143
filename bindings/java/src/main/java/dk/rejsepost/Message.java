// SPDX-License-Identifier: MIT
package dk.rejsepost;

import com.sun.jna.Callback;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An outgoing message being built (rp_msg). Fields are addressed by the names of the
 * protocol's payload tables: {@code "question"}, {@code "urgency"}; nested maps by dotted
 * path ({@code "risk.level"}); list elements by {@code "<list>.<field>"}, which sets the
 * field of the element added last with {@link #listAdd}. Setters check the type and range at
 * once and throw {@link RejsepostException} naming the field (for an unknown enumeration
 * value, the detail lists the allowed ones); rules between fields are checked by {@link
 * Client#send} and {@link #encode}. Setters return this, so they chain.
 *
 * <p>Not thread-safe: use one Message from one thread at a time. Close it
 * (try-with-resources); attachment buffers and streams are held until then.
 */
public final class Message implements AutoCloseable {
  private static final NativeLib LIB = Rejsepost.LIB;

  private static final class State implements Runnable {
    volatile Pointer handle;
    final List<Object> keepAlive = new ArrayList<>();

    State(Pointer handle) {
      this.handle = handle;
    }

    @Override
    public void run() {
      Pointer h = handle;
      handle = null;
      if (h != null) LIB.rp_msg_free(h);
      Reference.reachabilityFence(keepAlive);
    }
  }

  /** A stream attachment's source: read on the sending thread during send. */
  private static final class StreamSource implements NativeLib.ReadFn {
    final InputStream in;
    byte[] chunk = new byte[0];
    Throwable failure;

    StreamSource(InputStream in) {
      this.in = in;
    }

    @Override
    public long invoke(Pointer ctx, Pointer buf, NativeLib.SizeT cap) {
      try {
        int want = (int) Math.min(cap.longValue(), 256 * 1024);
        if (chunk.length < want) chunk = new byte[want];
        int n;
        do {
          n = in.read(chunk, 0, want);
        } while (n == 0);
        if (n < 0) return 0;
        buf.write(0, chunk, 0, n);
        return n;
      } catch (Throwable t) {
        failure = t;
        return -1;
      }
    }
  }

  private final State state;
  private final Cleaner.Cleanable cleanable;
  private final List<StreamSource> streams = new ArrayList<>();

  private Message(Pointer handle) {
    state = new State(handle);
    cleanable = Util.CLEANER.register(this, state);
  }

  /**
   * A new, empty message of payload kind {@code kind}: its name ("request", "reply",
   * "follow_up", ...) or Danish label ("henvendelse").
   *
   * @throws RejsepostException EENUM for an unknown kind
   */
  public static Message create(String kind) {
    Objects.requireNonNull(kind, "kind");
    PointerByReference out = new PointerByReference();
    int rc = LIB.rp_msg_new(kind, out);
    if (rc != 0) throw new RejsepostException(rc, "kind", "unknown message kind: " + kind, -1, null);
    return new Message(out.getValue());
  }

  /**
   * Builds a message from JSON in the format of {@link #toJson} (rp_msg_from_json), e.g.
   * {@code {"kind": "request", "risk": {"level": "hoej"}, "categories": ["trusler"]}}.
   *
   * @throws RejsepostException naming the offending field
   */
  public static Message fromJson(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    PointerByReference out = new PointerByReference();
    PointerByReference where = new PointerByReference();
    int rc = LIB.rp_msg_from_json(b, new NativeLib.SizeT(b.length), out, where);
    if (rc != 0) throw new RejsepostException(rc, Util.utf8(where.getValue()), null, -1, null);
    return new Message(out.getValue());
  }

  /**
   * Builds a message from an encoded msgpack payload (rp_msg_from_msgpack); its header ids
   * and time are replaced when it is sent.
   */
  public static Message fromMsgpack(byte[] payload) {
    PointerByReference out = new PointerByReference();
    PointerByReference where = new PointerByReference();
    int rc = LIB.rp_msg_from_msgpack(payload, new NativeLib.SizeT(payload.length), out, where);
    if (rc != 0) throw new RejsepostException(rc, Util.utf8(where.getValue()), null, -1, null);
    return new Message(out.getValue());
  }

  Pointer handle() {
    Pointer h = state.handle;
    if (h == null) throw new IllegalStateException("the message is closed");
    return h;
  }

  /** The exception for a failing call on this message, with its field and explanation. */
  RejsepostException error(int rc) {
    Pointer h = handle();
    String field = LIB.rp_msg_error_field(h);
    String text = LIB.rp_msg_error_text(h);
    long offset = field == null ? -1 : LIB.rp_msg_error_offset(h).longValue();
    Throwable cause = null;
    for (StreamSource s : streams) {
      if (s.failure != null) cause = s.failure;
    }
    return new RejsepostException(rc, field, text, offset, cause);
  }

  void beginSend() {
    for (StreamSource s : streams) s.failure = null;
  }

  void endSend() {
    Reference.reachabilityFence(state.keepAlive);
  }

  private Message check(int rc) {
    if (rc != 0) throw error(rc);
    return this;
  }

  /**
   * An attach call's result. The library leaves the message's error as it was when it
   * refuses an attachment's file name itself (not through a field setter): an unchanged
   * error is an earlier call's, so the exception names the attachments list instead.
   */
  private void checkAttach(int rc, String fieldBefore, String textBefore) {
    if (rc == 0) return;
    Pointer h = handle();
    String field = LIB.rp_msg_error_field(h);
    String text = LIB.rp_msg_error_text(h);
    if (Objects.equals(field, fieldBefore) && Objects.equals(text, textBefore)) {
      throw new RejsepostException(rc, "attachments.name", null, -1, null);
    }
    throw error(rc);
  }

  /** The kind's name ("request"). */
  public String kind() {
    return LIB.rp_msg_kind(handle());
  }

  /** Sets a text field (UTF-8; CPR numbers are refused at send). */
  public Message setText(String field, String value) {
    return check(LIB.rp_msg_set_text(handle(), field, value));
  }

  /** Sets an enumeration field to one of its names ("akut"). */
  public Message setEnum(String field, String name) {
    return check(LIB.rp_msg_set_enum(handle(), field, name));
  }

  /** Sets an unsigned integer field (numbers, unix-ms times); the value is taken unsigned. */
  public Message setUint(String field, long value) {
    return check(LIB.rp_msg_set_uint(handle(), field, value));
  }

  /** Sets a boolean field. */
  public Message setBool(String field, boolean value) {
    return check(LIB.rp_msg_set_bool(handle(), field, value ? 1 : 0));
  }

  /** Adds a name to a set field ("categories", "trusler"); adding twice is harmless. */
  public Message addToSet(String field, String name) {
    return check(LIB.rp_msg_add_to_set(handle(), field, name));
  }

  /** Sets a bytes field from hex: ids ("in_reply_to", 32 characters), hashes (64). */
  public Message setHex(String field, String hex) {
    return check(LIB.rp_msg_set_hex(handle(), field, hex));
  }

  /** Appends an empty element to a list field ("referrals"); "list.field" setters fill it. */
  public Message listAdd(String list) {
    return check(LIB.rp_msg_list_add(handle(), list));
  }

  /**
   * Attaches a file, read at send time (rp_msg_attach_file).
   *
   * @param name the file name sent, or null for the path's last component
   * @param mime a lower-case type/subtype ("application/pdf")
   * @param kind the attachment kind ("handlingsplan", "risikovurdering", "andet", ...)
   */
  public Message attach(Path path, String name, String mime, String kind) {
    Pointer h = handle();
    String f = LIB.rp_msg_error_field(h);
    String t = LIB.rp_msg_error_text(h);
    checkAttach(LIB.rp_msg_attach_file(h, path.toString(), name, mime, kind), f, t);
    return this;
  }

  /** Attaches bytes; they are copied now, held until close, and read at send time. */
  public Message attach(byte[] data, String name, String mime, String kind) {
    Objects.requireNonNull(data, "data");
    Memory mem = new Memory(Math.max(1, data.length));
    if (data.length > 0) mem.write(0, data, 0, data.length);
    Pointer h = handle();
    String f = LIB.rp_msg_error_field(h);
    String t = LIB.rp_msg_error_text(h);
    checkAttach(
        LIB.rp_msg_attach_buffer(h, mem, new NativeLib.SizeT(data.length), name, mime, kind),
        f,
        t);
    state.keepAlive.add(mem);
    return this;
  }

  /**
   * Attaches a stream, read once on the sending thread by the first send that reaches it (a
   * later send of this message fails with ESTATE naming the attachment). An IOException
   * while reading fails the send with EIO, with the IOException as the cause. The stream is
   * not closed by this class.
   */
  public Message attach(InputStream in, String name, String mime, String kind) {
    Objects.requireNonNull(in, "in");
    StreamSource src = new StreamSource(in);
    Pointer h = handle();
    String f = LIB.rp_msg_error_field(h);
    String t = LIB.rp_msg_error_text(h);
    checkAttach(LIB.rp_msg_attach_stream(h, src, null, name, mime, kind), f, t);
    state.keepAlive.add((Callback) src);
    streams.add(src);
    return this;
  }

  /** Puts the message into an existing thread (32 hex); requests start their own. */
  public Message setThread(String threadId) {
    return check(LIB.rp_msg_set_thread(handle(), threadId));
  }

  /** The recipient's member id (default: the team, or the sender of the message answered). */
  public Message setRecipient(String memberId) {
    return check(LIB.rp_msg_set_recipient(handle(), memberId));
  }

  /** The field named by the last failing call on this message, or null. */
  public String errorField() {
    return LIB.rp_msg_error_field(handle());
  }

  /** For a CPR or content-hook refusal, the byte offset in the field's text. */
  public long errorOffset() {
    return LIB.rp_msg_error_offset(handle()).longValue();
  }

  /** The last failing call on this message as one line for a person, or null. */
  public String errorText() {
    return LIB.rp_msg_error_text(handle());
  }

  /** The message as one line of JSON, which {@link #fromJson} reads back (rp_msg_to_json). */
  public String toJson() {
    PointerByReference out = new PointerByReference();
    check(LIB.rp_msg_to_json(handle(), out));
    return Util.takeString(out);
  }

  /**
   * Checks the message offline as a send would (CPR guard, the kind's rules) and encodes it
   * with a fresh header (rp_msg_encode). Not checked: the content hook, our member kind, the
   * recipient.
   *
   * @return the encoded msgpack payload
   */
  public byte[] encode() {
    PointerByReference out = new PointerByReference();
    NativeLib.SizeTByReference len = new NativeLib.SizeTByReference();
    check(LIB.rp_msg_encode(handle(), out, len));
    Pointer p = out.getValue();
    try {
      return p == null ? new byte[0] : p.getByteArray(0, (int) len.getValue());
    } finally {
      LIB.rp_free(p);
    }
  }

  /** Frees the message and what it holds for its attachments. Idempotent. */
  @Override
  public void close() {
    cleanable.clean();
  }
}
