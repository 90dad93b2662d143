// SPDX-License-Identifier: MIT
// The C ABI of librejsepost (include/rejsepost.h), one extern per exported symbol, named
// exactly as the symbol so that the coverage test can compare this class with
// tests/client/abi.symbols.
//
// Rules kept here:
//  - A `const char *` the library returns is borrowed: it comes back as IntPtr and is
//    copied with Utf8.FromPtr, never as `string` (the marshaller would free it).
//  - A `char **` out is the caller's: it comes back as IntPtr and is freed with rp_free
//    after the copy.
//  - Strings passed in are NUL-terminated UTF-8 byte arrays made by Utf8.Z (the default
//    string marshalling of netstandard2.0 is not UTF-8 everywhere).
//  - Handles are SafeHandle subclasses, so a Dispose racing a call waits for the call.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Rejsepost
{
    internal static class Native
    {
        internal const string Lib = "rejsepost";

        // ---- callbacks (rejsepost.h typedefs) ----
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int PassphraseFn(IntPtr data, IntPtr buf, UIntPtr cap, out UIntPtr len);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int ContentHookFn(IntPtr data, IntPtr field, IntPtr text, UIntPtr len, ref UIntPtr offset);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int AttachmentHookFn(IntPtr data, IntPtr name, IntPtr mime, IntPtr buf, UIntPtr len,
                                               ulong offset, int last, ref UIntPtr badOffset);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void ReceiveFn(IntPtr data, IntPtr client, IntPtr received);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void StatusFn(IntPtr data, IntPtr client, IntPtr msgId, int status, int error);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void LogFn(IntPtr data, int level, IntPtr line);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void ProgressFn(IntPtr data, IntPtr client, IntPtr msgId, int direction, ulong done, ulong total);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int MemberFn(IntPtr data, IntPtr memberId, IntPtr kind, IntPtr municipality, uint networks);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int OutboxFn(IntPtr data, IntPtr msgId, IntPtr kind, IntPtr threadId, IntPtr recipient,
                                       int status, ulong queuedAt);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate long ReadFn(IntPtr ctx, IntPtr buf, UIntPtr cap);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate int WriteFn(IntPtr ctx, IntPtr buf, UIntPtr len);

        // ---- library ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern uint rp_version();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_version_string();
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void rp_free(IntPtr p);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_strerror(int err);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_err_name(int err);

        // ---- configuration ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_new(out ConfigHandle cfg);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void rp_config_free(IntPtr cfg);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_config_error(ConfigHandle cfg);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_state_dir(ConfigHandle cfg, byte[] path);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_relay(ConfigHandle cfg, byte[] host, uint port);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_add_relay(ConfigHandle cfg, byte[] host, uint port);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_relay_key(ConfigHandle cfg, byte[] hexOrPath);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_identity_file(ConfigHandle cfg, byte[] path);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_passphrase_file(ConfigHandle cfg, byte[] path);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_passphrase_env(ConfigHandle cfg, byte[] name);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_passphrase_callback(ConfigHandle cfg, PassphraseFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_admin_key(ConfigHandle cfg, byte[] hexOrPath);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_roster_file(ConfigHandle cfg, byte[] path);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_backoff(ConfigHandle cfg, uint minMs, uint maxMs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_expiry(ConfigHandle cfg, ulong ms);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_retention(ConfigHandle cfg, ulong ms);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_receive_callback(ConfigHandle cfg, ReceiveFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_status_callback(ConfigHandle cfg, StatusFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_content_hook(ConfigHandle cfg, ContentHookFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_attachment_hook(ConfigHandle cfg, AttachmentHookFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_log(ConfigHandle cfg, LogFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_receive(ConfigHandle cfg, int on);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_attachment_max(ConfigHandle cfg, ulong bytes);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_message_attachments_max(ConfigHandle cfg, ulong bytes);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_config_set_progress(ConfigHandle cfg, ProgressFn fn, IntPtr data);

        // ---- client ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_new(ConfigHandle cfg, out ClientHandle client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void rp_client_free(IntPtr client);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void rp_client_set_data(ClientHandle c, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_client_get_data(ClientHandle c);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_client_member_id(ClientHandle c);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_conn_state(ClientHandle c);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_last_error(ClientHandle c);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_roster_version(ClientHandle c, out ulong version);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_refresh_roster(ClientHandle c, int timeoutMs);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_members(ClientHandle c, MemberFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_client_flush(ClientHandle c, int timeoutMs);

        // ---- messages ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_new(byte[] kind, out MessageHandle m);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void rp_msg_free(IntPtr m);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_msg_kind(MessageHandle m);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_text(MessageHandle m, byte[] field, byte[] utf8);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_enum(MessageHandle m, byte[] field, byte[] name);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_uint(MessageHandle m, byte[] field, ulong value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_bool(MessageHandle m, byte[] field, int value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_add_to_set(MessageHandle m, byte[] field, byte[] name);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_hex(MessageHandle m, byte[] field, byte[] hex);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_list_add(MessageHandle m, byte[] list);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_attach_file(MessageHandle m, byte[] path, byte[] name, byte[] mime, byte[] kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_attach_buffer(MessageHandle m, IntPtr data, UIntPtr len, byte[] name, byte[] mime, byte[] kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_attach_stream(MessageHandle m, ReadFn read, IntPtr ctx, byte[] name, byte[] mime, byte[] kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_thread(MessageHandle m, byte[] threadId);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_set_recipient(MessageHandle m, byte[] memberId);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_msg_error_field(MessageHandle m);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern UIntPtr rp_msg_error_offset(MessageHandle m);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_msg_error_text(MessageHandle m);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_from_json(byte[] json, UIntPtr len, out MessageHandle m, out IntPtr where);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_to_json(MessageHandle m, out IntPtr json);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_from_msgpack(byte[] buf, UIntPtr len, out MessageHandle m, out IntPtr where);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_msg_encode(MessageHandle m, out IntPtr buf, out UIntPtr len);

        // ---- sending and status ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_status_name(int status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_status_rank(int status);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_send(ClientHandle c, MessageHandle m, byte[] msgId);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_status(ClientHandle c, byte[] msgId, out int status, out int error);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_status_time(ClientHandle c, byte[] msgId, int status, out ulong when);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_outbox_foreach(ClientHandle c, OutboxFn fn, IntPtr data);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_send_opened(ClientHandle c, byte[] msgId);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_thread_erase(ClientHandle c, byte[] threadId);

        // ---- receiving ----
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_inbox_next(ClientHandle c, out ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_inbox_get(ClientHandle c, byte[] msgId, out ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_inbox_mark_handled(ClientHandle c, byte[] msgId);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_inbox_pending(ClientHandle c, out ulong count);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_dup(IntPtr r, out ReceivedHandle copy);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern void rp_received_free(IntPtr r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_received_kind(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_received_msg_id(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_received_thread_id(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_received_in_reply_to(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr rp_received_sender(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern ulong rp_received_created(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern ulong rp_received_stored_at(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_handled(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_recalled(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_get_text(ReceivedHandle r, byte[] field, out IntPtr value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_get_enum(ReceivedHandle r, byte[] field, out IntPtr value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_get_uint(ReceivedHandle r, byte[] field, out ulong value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_get_bool(ReceivedHandle r, byte[] field, out int value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_get_set(ReceivedHandle r, byte[] field, UIntPtr index, out IntPtr value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_get_hex(ReceivedHandle r, byte[] field, out IntPtr value);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_list_count(ReceivedHandle r, byte[] field, out UIntPtr count);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern UIntPtr rp_received_attachments(ReceivedHandle r);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_attachment(ReceivedHandle r, UIntPtr i, out IntPtr name, out IntPtr mime, out ulong size, out IntPtr kind);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_attachment_read(ClientHandle c, ReceivedHandle r, UIntPtr i, WriteFn write, IntPtr ctx);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_attachment_save(ClientHandle c, ReceivedHandle r, UIntPtr i, byte[] path);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)] internal static extern int rp_received_to_json(ReceivedHandle r, out IntPtr json);
    }

    /// <summary>UTF-8 conversions for the C ABI, within .NET Standard 2.0.</summary>
    internal static class Utf8
    {
        static readonly UTF8Encoding Strict = new UTF8Encoding(false, false);

        /// <summary>A NUL-terminated UTF-8 copy of s, or null for null.</summary>
        internal static byte[] Z(string s)
        {
            if (s == null) return null;
            if (s.IndexOf('\0') >= 0) throw new ArgumentException("text contains a NUL character");
            var n = Strict.GetByteCount(s);
            var b = new byte[n + 1];
            Strict.GetBytes(s, 0, s.Length, b, 0);
            return b;
        }

        /// <summary>Copies a borrowed NUL-terminated UTF-8 string (never frees it); null for NULL.
        /// Marshal.PtrToStringUTF8 is not part of .NET Standard 2.0, hence this.</summary>
        internal static string FromPtr(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            return FromPtr(p, n);
        }

        /// <summary>Copies len bytes of UTF-8 at p.</summary>
        internal static string FromPtr(IntPtr p, int len)
        {
            if (len == 0) return "";
            var b = new byte[len];
            Marshal.Copy(p, b, 0, len);
            return Strict.GetString(b);
        }

        /// <summary>Decodes the first len bytes of b.</summary>
        internal static string FromBytes(byte[] b, int len) { return Strict.GetString(b, 0, len); }

        /// <summary>Copies a `char **` result and frees it with rp_free.</summary>
        internal static string TakeOwned(IntPtr p)
        {
            try { return FromPtr(p); }
            finally { Native.rp_free(p); }
        }

        /// <summary>The UTF-8 byte offset of char index i in s.</summary>
        internal static int ByteOffset(string s, int i)
        {
            if (i <= 0) return 0;
            if (i > s.Length) i = s.Length;
            return Strict.GetByteCount(s.Substring(0, i));
        }

        /// <summary>The char index in the string decoded from a UTF-8 text of the byte offset b.</summary>
        internal static int CharIndex(byte[] utf8, int b)
        {
            if (b <= 0) return 0;
            if (b > utf8.Length) b = utf8.Length;
            return Strict.GetCharCount(utf8, 0, b);
        }
    }
}
