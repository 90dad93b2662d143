// SPDX-License-Identifier: MIT
using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Rejsepost
{
    /// <summary>An outgoing message being built (rp_msg). Fields are named as in
    /// docs/PROTOCOL.md section 7 ("question", "risk.level", "attachments.name"). Each setter
    /// checks at once and throws RejsepostException with Field and Detail (for an unknown
    /// enumeration name Detail lists the allowed ones); rules between fields are checked by
    /// Client.Send and Encode. Not thread-safe: one thread at a time. Dispose it after the last
    /// Send (attachments given as byte arrays or streams are borrowed until then).</summary>
    public sealed class Message : IDisposable
    {
        internal readonly MessageHandle Handle;
        internal Exception StreamError;

        /// <summary>A new empty message of kind ("request", "reply", "receipt", ... or a Danish
        /// label such as "henvendelse"). EENUM for an unknown kind.</summary>
        public Message(string kind)
        {
            int rc = Native.rp_msg_new(Utf8.Z(kind), out Handle);
            if (rc < 0)
            {
                Handle.Dispose();
                throw new RejsepostException("rp_msg_new", rc, "kind", 0, "unknown kind \"" + kind + "\"", null);
            }
        }

        Message(MessageHandle h) { Handle = h; }

        /// <summary>Builds a message from its JSON form ({"kind": "request", ...}); Field names the
        /// offending field on failure.</summary>
        public static Message FromJson(string json)
        {
            if (json == null) throw new ArgumentNullException("json");
            var z = Utf8.Z(json);
            MessageHandle h;
            IntPtr where;
            int rc = Native.rp_msg_from_json(z, (UIntPtr)(uint)(z.Length - 1), out h, out where);
            if (rc < 0)
            {
                var field = Utf8.FromPtr(where);
                h.Dispose();
                throw new RejsepostException("rp_msg_from_json", rc, field, 0, null, null);
            }
            return new Message(h);
        }

        /// <summary>Builds a message from an encoded msgpack payload (header ids and time are
        /// replaced by Send).</summary>
        public static Message FromMsgpack(byte[] payload)
        {
            if (payload == null) throw new ArgumentNullException("payload");
            MessageHandle h;
            IntPtr where;
            int rc = Native.rp_msg_from_msgpack(payload, (UIntPtr)(uint)payload.Length, out h, out where);
            if (rc < 0)
            {
                var field = Utf8.FromPtr(where);
                h.Dispose();
                throw new RejsepostException("rp_msg_from_msgpack", rc, field, 0, null, null);
            }
            return new Message(h);
        }

        /// <summary>The kind's name ("request").</summary>
        public string Kind { get { return Utf8.FromPtr(Native.rp_msg_kind(Handle)); } }

        /// <summary>The field named by the last failing call, or null.</summary>
        public string ErrorField { get { return Utf8.FromPtr(Native.rp_msg_error_field(Handle)); } }

        /// <summary>For a CPR or content-hook refusal, the byte offset in ErrorField's text.</summary>
        public long ErrorOffset { get { return (long)(ulong)Native.rp_msg_error_offset(Handle); } }

        /// <summary>The last failing call as one line for a person, or null.</summary>
        public string ErrorText { get { return Utf8.FromPtr(Native.rp_msg_error_text(Handle)); } }

        internal RejsepostException Failure(string function, int rc, Exception inner)
        {
            return new RejsepostException(function, rc, ErrorField, ErrorOffset, ErrorText, inner);
        }

        Message Check(int rc, string function)
        {
            if (rc < 0) throw Failure(function, rc, null);
            return this;
        }

        /// <summary>Sets a text field (copied).</summary>
        public Message SetText(string field, string text)
        {
            return Check(Native.rp_msg_set_text(Handle, Utf8.Z(field), Utf8.Z(text)), "rp_msg_set_text");
        }

        /// <summary>Sets an enumeration field to one of its names ("akut").</summary>
        public Message SetEnum(string field, string name)
        {
            return Check(Native.rp_msg_set_enum(Handle, Utf8.Z(field), Utf8.Z(name)), "rp_msg_set_enum");
        }

        /// <summary>Sets an unsigned integer field (numbers, unix-ms times).</summary>
        public Message SetUInt(string field, ulong value)
        {
            return Check(Native.rp_msg_set_uint(Handle, Utf8.Z(field), value), "rp_msg_set_uint");
        }

        /// <summary>Sets a time field to t (unix milliseconds).</summary>
        public Message SetTime(string field, DateTimeOffset t)
        {
            return SetUInt(field, (ulong)t.ToUnixTimeMilliseconds());
        }

        /// <summary>Sets a boolean field.</summary>
        public Message SetBool(string field, bool value)
        {
            return Check(Native.rp_msg_set_bool(Handle, Utf8.Z(field), value ? 1 : 0), "rp_msg_set_bool");
        }

        /// <summary>Adds a name to a set field ("categories", "trusler"); twice is harmless.</summary>
        public Message AddToSet(string field, string name)
        {
            return Check(Native.rp_msg_add_to_set(Handle, Utf8.Z(field), Utf8.Z(name)), "rp_msg_add_to_set");
        }

        /// <summary>Sets a bytes field from hex: ids ("in_reply_to", 32 characters), hashes.</summary>
        public Message SetHex(string field, string hex)
        {
            return Check(Native.rp_msg_set_hex(Handle, Utf8.Z(field), Utf8.Z(hex)), "rp_msg_set_hex");
        }

        /// <summary>Appends an empty element to a list field ("referrals"); "list.field" setters
        /// then fill it.</summary>
        public Message ListAdd(string list)
        {
            return Check(Native.rp_msg_list_add(Handle, Utf8.Z(list)), "rp_msg_list_add");
        }

        /// <summary>Attaches a file, read at Send time. name null: the path's last component.</summary>
        public Message AttachFile(string path, string name, string mime, string kind)
        {
            return Check(Native.rp_msg_attach_file(Handle, Utf8.Z(path), Utf8.Z(name), Utf8.Z(mime), Utf8.Z(kind)),
                         "rp_msg_attach_file");
        }

        /// <summary>Attaches data (not copied: the array is pinned, and must stay unchanged, until
        /// this message is disposed).</summary>
        public Message AttachBytes(byte[] data, string name, string mime, string kind)
        {
            if (data == null) throw new ArgumentNullException("data");
            return AttachBytes(data, 0, data.Length, name, mime, kind);
        }

        /// <summary>Attaches data[offset .. offset+count) (pinned until this message is disposed).</summary>
        public Message AttachBytes(byte[] data, int offset, int count, string name, string mime, string kind)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (offset < 0 || count < 0 || offset > data.Length - count) throw new ArgumentOutOfRangeException("offset");
            var pin = GCHandle.Alloc(data, GCHandleType.Pinned);
            bool added = false;
            try
            {
                var p = pin.AddrOfPinnedObject() + offset;
                Check(Native.rp_msg_attach_buffer(Handle, p, (UIntPtr)(uint)count, Utf8.Z(name), Utf8.Z(mime),
                                                  Utf8.Z(kind)), "rp_msg_attach_buffer");
                lock (Handle.Pins) Handle.Pins.Add(pin);
                added = true;
            }
            finally
            {
                if (!added) pin.Free();
            }
            return this;
        }

        /// <summary>Attaches a stream, read to its end during the first Send (on the caller's
        /// thread; a later Send fails with ESTATE). An exception from the stream makes Send fail
        /// with EIO, the exception as InnerException. The stream is not closed.</summary>
        public Message AttachStream(Stream source, string name, string mime, string kind)
        {
            if (source == null) throw new ArgumentNullException("source");
            byte[] buf = new byte[0];
            Native.ReadFn read = (ctx, p, cap) =>
            {
                try
                {
                    int want = (int)Math.Min((ulong)cap, 1UL << 20);
                    if (buf.Length < want) buf = new byte[want];
                    int n = source.Read(buf, 0, want);
                    if (n > 0) Marshal.Copy(buf, 0, p, n);
                    return n;
                }
                catch (Exception e)
                {
                    StreamError = e;
                    return -1;
                }
            };
            Check(Native.rp_msg_attach_stream(Handle, read, IntPtr.Zero, Utf8.Z(name), Utf8.Z(mime), Utf8.Z(kind)),
                  "rp_msg_attach_stream");
            Handle.KeepAlive.Add(read);
            return this;
        }

        /// <summary>Puts the message into an existing thread (32 hex).</summary>
        public Message SetThread(string threadId)
        {
            return Check(Native.rp_msg_set_thread(Handle, Utf8.Z(threadId)), "rp_msg_set_thread");
        }

        /// <summary>The recipient member id (default: the team, or the sender of the message
        /// this one refers to).</summary>
        public Message SetRecipient(string memberId)
        {
            return Check(Native.rp_msg_set_recipient(Handle, Utf8.Z(memberId)), "rp_msg_set_recipient");
        }

        /// <summary>The message as one line of JSON, the form FromJson takes.</summary>
        public string ToJson()
        {
            IntPtr json;
            int rc = Native.rp_msg_to_json(Handle, out json);
            if (rc < 0) throw Failure("rp_msg_to_json", rc, null);
            return Utf8.TakeOwned(json);
        }

        /// <summary>Checks the message offline as Send would (no client: not the content hook,
        /// member kind or recipient) and returns the encoded msgpack payload.</summary>
        public byte[] Encode()
        {
            IntPtr buf;
            UIntPtr len;
            int rc = Native.rp_msg_encode(Handle, out buf, out len);
            if (rc < 0) throw Failure("rp_msg_encode", rc, null);
            try
            {
                var b = new byte[checked((int)(ulong)len)];
                if (b.Length > 0) Marshal.Copy(buf, b, 0, b.Length);
                return b;
            }
            finally { Native.rp_free(buf); }
        }

        /// <summary>Frees the message and releases the buffers it borrowed.</summary>
        public void Dispose() { Handle.Dispose(); }
    }
}
