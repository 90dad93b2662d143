// SPDX-License-Identifier: MIT
package dk.rejsepost;

import com.sun.jna.Callback;
import com.sun.jna.DefaultTypeMapper;
import com.sun.jna.FromNativeContext;
import com.sun.jna.Memory;
import com.sun.jna.ToNativeContext;
import com.sun.jna.TypeConverter;
import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The C ABI of librejsepost, one method per exported function (include/rejsepost.h), in
 * JNA's interface mapping. Package-private: the public classes wrap it. Every method name is
 * the C symbol's name, which the coverage test compares with tests/client/abi.symbols.
 *
 * <p>Strings passed in are encoded as UTF-8 (the type mapper below, whatever the JVM's
 * locale); {@code const char *} returns are mapped to {@link String}, copied and never
 * freed: right for the library's borrowed strings. {@code char **} outs are {@link
 * PointerByReference} and freed with {@code rp_free} by the wrappers.
 */
interface NativeLib extends Library {
  /** A C size_t. */
  final class SizeT extends IntegerType {
    private static final long serialVersionUID = 1L;

    public SizeT() {
      this(0);
    }

    public SizeT(long value) {
      super(Native.SIZE_T_SIZE, value, true);
    }
  }

  /** A size_t out-parameter. */
  final class SizeTByReference extends ByReference {
    public SizeTByReference() {
      super(Native.SIZE_T_SIZE);
      getPointer().setLong(0, 0);
    }

    long getValue() {
      return Native.SIZE_T_SIZE == 8 ? getPointer().getLong(0) : getPointer().getInt(0) & 0xffffffffL;
    }
  }

  // ---- callback types (the library calls them on its loop thread or the caller's) ----
  interface PassphraseFn extends Callback {
    int invoke(Pointer data, Pointer buf, SizeT cap, Pointer len);
  }

  interface ContentHookFn extends Callback {
    int invoke(Pointer data, Pointer field, Pointer text, SizeT len, Pointer offset);
  }

  interface AttachmentHookFn extends Callback {
    int invoke(
        Pointer data,
        Pointer name,
        Pointer mime,
        Pointer buf,
        SizeT len,
        long offset,
        int last,
        Pointer badOffset);
  }

  interface ReceiveFn extends Callback {
    void invoke(Pointer data, Pointer client, Pointer received);
  }

  interface StatusFn extends Callback {
    void invoke(Pointer data, Pointer client, Pointer msgId, int status, int error);
  }

  interface LogFn extends Callback {
    void invoke(Pointer data, int level, Pointer line);
  }

  interface ProgressFn extends Callback {
    void invoke(
        Pointer data, Pointer client, Pointer msgId, int direction, long done, long total);
  }

  interface MemberFn extends Callback {
    int invoke(Pointer data, Pointer memberId, Pointer kind, Pointer municipality, int networks);
  }

  interface OutboxFn extends Callback {
    int invoke(
        Pointer data,
        Pointer msgId,
        Pointer kind,
        Pointer threadId,
        Pointer recipient,
        int status,
        long queuedAt);
  }

  interface ReadFn extends Callback {
    long invoke(Pointer ctx, Pointer buf, SizeT cap);
  }

  interface WriteFn extends Callback {
    int invoke(Pointer ctx, Pointer buf, SizeT len);
  }

  NativeLib LIB = Loader.load();

  /** Loads the library once: -Drejsepost.library=PATH, else "rejsepost" on jna.library.path. */
  final class Loader {
    private Loader() {}

    static NativeLib load() {
      String name = System.getProperty("rejsepost.library", "rejsepost");
      return Native.load(
          name,
          NativeLib.class,
          Map.of(Library.OPTION_STRING_ENCODING, "UTF-8", Library.OPTION_TYPE_MAPPER, utf8()));
    }

    /**
     * Strings as UTF-8 both ways, whatever the JVM's locale and jna.encoding: JNA 5.13's
     * interface mapping encodes String arguments with its default encoding (US-ASCII under
     * LC_ALL=C) despite OPTION_STRING_ENCODING, so the binding converts them itself. An
     * argument becomes a NUL-terminated copy in native memory, alive during the call; a
     * returned {@code const char *} is copied and never freed (the library owns it).
     */
    static DefaultTypeMapper utf8() {
      DefaultTypeMapper m = new DefaultTypeMapper();
      m.addTypeConverter(
          String.class,
          new TypeConverter() {
            @Override
            public Object toNative(Object value, ToNativeContext context) {
              if (value == null) return null;
              byte[] b = ((String) value).getBytes(StandardCharsets.UTF_8);
              Memory mem = new Memory(b.length + 1L);
              mem.write(0, b, 0, b.length);
              mem.setByte(b.length, (byte) 0);
              return mem;
            }

            @Override
            public Object fromNative(Object value, FromNativeContext context) {
              return value == null ? null : ((Pointer) value).getString(0, "UTF-8");
            }

            @Override
            public Class<?> nativeType() {
              return Pointer.class;
            }
          });
      return m;
    }
  }

  // ---- library ----
  int rp_version();

  String rp_version_string();

  void rp_free(Pointer p);

  String rp_strerror(int err);

  String rp_err_name(int err);

  // ---- configuration ----
  int rp_config_new(PointerByReference out);

  void rp_config_free(Pointer cfg);

  String rp_config_error(Pointer cfg);

  int rp_config_set_state_dir(Pointer cfg, String path);

  int rp_config_set_relay(Pointer cfg, String host, int port);

  int rp_config_add_relay(Pointer cfg, String host, int port);

  int rp_config_set_relay_key(Pointer cfg, String hexOrPath);

  int rp_config_set_identity_file(Pointer cfg, String path);

  int rp_config_set_passphrase_file(Pointer cfg, String path);

  int rp_config_set_passphrase_env(Pointer cfg, String name);

  int rp_config_set_passphrase_callback(Pointer cfg, PassphraseFn fn, Pointer data);

  int rp_config_set_admin_key(Pointer cfg, String hexOrPath);

  int rp_config_set_roster_file(Pointer cfg, String path);

  int rp_config_set_backoff(Pointer cfg, int minMs, int maxMs);

  int rp_config_set_expiry(Pointer cfg, long ms);

  int rp_config_set_retention(Pointer cfg, long ms);

  int rp_config_set_receive_callback(Pointer cfg, ReceiveFn fn, Pointer data);

  int rp_config_set_status_callback(Pointer cfg, StatusFn fn, Pointer data);

  int rp_config_set_content_hook(Pointer cfg, ContentHookFn fn, Pointer data);

  int rp_config_set_attachment_hook(Pointer cfg, AttachmentHookFn fn, Pointer data);

  int rp_config_set_log(Pointer cfg, LogFn fn, Pointer data);

  int rp_config_set_receive(Pointer cfg, int on);

  int rp_config_set_attachment_max(Pointer cfg, long bytes);

  int rp_config_set_message_attachments_max(Pointer cfg, long bytes);

  int rp_config_set_progress(Pointer cfg, ProgressFn fn, Pointer data);

  // ---- client ----
  int rp_client_new(Pointer cfg, PointerByReference out);

  void rp_client_free(Pointer c);

  void rp_client_set_data(Pointer c, Pointer data);

  Pointer rp_client_get_data(Pointer c);

  String rp_client_member_id(Pointer c);

  int rp_client_conn_state(Pointer c);

  int rp_client_last_error(Pointer c);

  int rp_client_roster_version(Pointer c, LongByReference version);

  int rp_client_refresh_roster(Pointer c, int timeoutMs);

  int rp_client_members(Pointer c, MemberFn fn, Pointer data);

  int rp_client_flush(Pointer c, int timeoutMs);

  // ---- messages ----
  int rp_msg_new(String kind, PointerByReference out);

  void rp_msg_free(Pointer m);

  String rp_msg_kind(Pointer m);

  int rp_msg_set_text(Pointer m, String field, String utf8);

  int rp_msg_set_enum(Pointer m, String field, String name);

  int rp_msg_set_uint(Pointer m, String field, long value);

  int rp_msg_set_bool(Pointer m, String field, int value);

  int rp_msg_add_to_set(Pointer m, String field, String name);

  int rp_msg_set_hex(Pointer m, String field, String hex);

  int rp_msg_list_add(Pointer m, String list);

  int rp_msg_attach_file(Pointer m, String path, String name, String mime, String kind);

  int rp_msg_attach_buffer(
      Pointer m, Pointer data, SizeT len, String name, String mime, String kind);

  int rp_msg_attach_stream(
      Pointer m, ReadFn read, Pointer ctx, String name, String mime, String kind);

  int rp_msg_set_thread(Pointer m, String threadId);

  int rp_msg_set_recipient(Pointer m, String memberId);

  String rp_msg_error_field(Pointer m);

  SizeT rp_msg_error_offset(Pointer m);

  String rp_msg_error_text(Pointer m);

  int rp_msg_from_json(byte[] json, SizeT len, PointerByReference out, PointerByReference where);

  int rp_msg_to_json(Pointer m, PointerByReference json);

  int rp_msg_from_msgpack(byte[] buf, SizeT len, PointerByReference out, PointerByReference where);

  int rp_msg_encode(Pointer m, PointerByReference out, SizeTByReference len);

  // ---- sending and status ----
  String rp_status_name(int status);

  int rp_status_rank(int status);

  int rp_send(Pointer c, Pointer m, byte[] msgId);

  int rp_status(Pointer c, String msgId, IntByReference status, IntByReference error);

  int rp_status_time(Pointer c, String msgId, int status, LongByReference when);

  int rp_outbox_foreach(Pointer c, OutboxFn fn, Pointer data);

  int rp_send_opened(Pointer c, String msgId);

  // ---- receiving ----
  int rp_inbox_next(Pointer c, PointerByReference out);

  int rp_inbox_get(Pointer c, String msgId, PointerByReference out);

  int rp_inbox_mark_handled(Pointer c, String msgId);

  int rp_inbox_pending(Pointer c, LongByReference count);

  int rp_thread_erase(Pointer c, String threadId);

  int rp_received_dup(Pointer r, PointerByReference out);

  void rp_received_free(Pointer r);

  String rp_received_kind(Pointer r);

  String rp_received_msg_id(Pointer r);

  String rp_received_thread_id(Pointer r);

  String rp_received_in_reply_to(Pointer r);

  String rp_received_sender(Pointer r);

  long rp_received_created(Pointer r);

  long rp_received_stored_at(Pointer r);

  int rp_received_handled(Pointer r);

  int rp_received_recalled(Pointer r);

  int rp_received_get_text(Pointer r, String field, PointerByReference out);

  int rp_received_get_enum(Pointer r, String field, PointerByReference out);

  int rp_received_get_uint(Pointer r, String field, LongByReference out);

  int rp_received_get_bool(Pointer r, String field, IntByReference out);

  int rp_received_get_set(Pointer r, String field, SizeT index, PointerByReference out);

  int rp_received_get_hex(Pointer r, String field, PointerByReference out);

  int rp_received_list_count(Pointer r, String field, SizeTByReference count);

  SizeT rp_received_attachments(Pointer r);

  int rp_received_attachment(
      Pointer r,
      SizeT i,
      PointerByReference name,
      PointerByReference mime,
      LongByReference size,
      PointerByReference kind);

  int rp_received_attachment_read(Pointer c, Pointer r, SizeT i, WriteFn write, Pointer ctx);

  int rp_received_attachment_save(Pointer c, Pointer r, SizeT i, String path);

  int rp_received_to_json(Pointer r, PointerByReference json);
}
