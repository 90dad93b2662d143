// SPDX-License-Identifier: MIT
using System;
using System.Collections.Generic;

namespace Rejsepost
{
    /// <summary>An attachment's descriptor in a received message.</summary>
    public sealed class AttachmentInfo
    {
        public int Index { get; internal set; }
        public string Name { get; internal set; }
        public string Mime { get; internal set; }
        public ulong Size { get; internal set; }
        /// <summary>The attachment kind ("handlingsplan").</summary>
        public string Kind { get; internal set; }
    }

    /// <summary>A received message (rp_received): immutable, readable from any thread. Its
    /// plaintext is wiped when it is disposed. Read its attachments with
    /// Client.ReadAttachment / Client.SaveAttachment.</summary>
    public sealed class Received : IDisposable
    {
        internal readonly ReceivedHandle Handle;

        internal Received(ReceivedHandle h) { Handle = h; }

        /// <summary>The payload kind ("reply").</summary>
        public string Kind { get { return Utf8.FromPtr(Native.rp_received_kind(Handle)); } }
        public string MsgId { get { return Utf8.FromPtr(Native.rp_received_msg_id(Handle)); } }
        public string ThreadId { get { return Utf8.FromPtr(Native.rp_received_thread_id(Handle)); } }
        /// <summary>The message it answers or concerns, or null if its kind has none.</summary>
        public string InReplyTo { get { return Utf8.FromPtr(Native.rp_received_in_reply_to(Handle)); } }
        /// <summary>The sender's member id.</summary>
        public string Sender { get { return Utf8.FromPtr(Native.rp_received_sender(Handle)); } }
        /// <summary>When the sender made it (the sender's clock).</summary>
        public DateTimeOffset Created
        {
            get { return DateTimeOffset.FromUnixTimeMilliseconds((long)Native.rp_received_created(Handle)); }
        }
        /// <summary>When our inbox stored it.</summary>
        public DateTimeOffset StoredAt
        {
            get { return DateTimeOffset.FromUnixTimeMilliseconds((long)Native.rp_received_stored_at(Handle)); }
        }
        /// <summary>Whether it was marked handled (when this copy was read from the inbox).</summary>
        public bool Handled { get { return Native.rp_received_handled(Handle) == 1; } }
        /// <summary>Whether its sender recalled it (a "recall" about it arrived; PROTOCOL.md
        /// 7.19), as of when this copy was read. A recalled message is no longer offered
        /// (NextMessage, PendingCount, the receive callback at start-up) unless it was marked
        /// handled before; GetMessage still finds it. Hide its content from your users too.</summary>
        public bool Recalled { get { return Native.rp_received_recalled(Handle) == 1; } }

        /// <summary>A copy of this message, with its own lifetime.</summary>
        public Received Dup()
        {
            ReceivedHandle copy;
            bool added = false;
            try
            {
                Handle.DangerousAddRef(ref added);
                int rc = Native.rp_received_dup(Handle.DangerousGetHandle(), out copy);
                if (rc < 0) { copy.Dispose(); RejsepostException.Check(rc, "rp_received_dup"); }
            }
            finally { if (added) Handle.DangerousRelease(); }
            return new Received(copy);
        }

        delegate int StrGetter(ReceivedHandle r, byte[] field, out IntPtr value);

        bool TryStr(StrGetter g, string fn, string field, out string value)
        {
            IntPtr p;
            int rc = g(Handle, Utf8.Z(field), out p);
            value = null;
            if (rc == (int)ErrorCode.ENOTFOUND) return false;
            if (rc < 0) throw new RejsepostException(fn, rc, field, 0, null, null);
            value = Utf8.FromPtr(p);
            return true;
        }

        string Str(StrGetter g, string fn, string field)
        {
            string v;
            if (!TryStr(g, fn, field, out v))
                throw new RejsepostException(fn, (int)ErrorCode.ENOTFOUND, field, 0, "no field " + field, null);
            return v;
        }

        /// <summary>A text field ("advice"); ENOTFOUND if absent, ETYPE if another type.</summary>
        public string GetText(string field) { return Str(Native.rp_received_get_text, "rp_received_get_text", field); }
        /// <summary>A text field, or false if absent.</summary>
        public bool TryGetText(string field, out string value) { return TryStr(Native.rp_received_get_text, "rp_received_get_text", field, out value); }
        /// <summary>An enumeration field's name ("akut").</summary>
        public string GetEnum(string field) { return Str(Native.rp_received_get_enum, "rp_received_get_enum", field); }
        public bool TryGetEnum(string field, out string value) { return TryStr(Native.rp_received_get_enum, "rp_received_get_enum", field, out value); }
        /// <summary>A bytes field (ids, hashes) as lowercase hex.</summary>
        public string GetHex(string field) { return Str(Native.rp_received_get_hex, "rp_received_get_hex", field); }
        public bool TryGetHex(string field, out string value) { return TryStr(Native.rp_received_get_hex, "rp_received_get_hex", field, out value); }

        /// <summary>An unsigned integer field.</summary>
        public ulong GetUInt(string field)
        {
            ulong v;
            if (!TryGetUInt(field, out v))
                throw new RejsepostException("rp_received_get_uint", (int)ErrorCode.ENOTFOUND, field, 0, "no field " + field, null);
            return v;
        }

        public bool TryGetUInt(string field, out ulong value)
        {
            int rc = Native.rp_received_get_uint(Handle, Utf8.Z(field), out value);
            if (rc == (int)ErrorCode.ENOTFOUND) return false;
            if (rc < 0) throw new RejsepostException("rp_received_get_uint", rc, field, 0, null, null);
            return true;
        }

        /// <summary>A boolean field.</summary>
        public bool GetBool(string field)
        {
            bool v;
            if (!TryGetBool(field, out v))
                throw new RejsepostException("rp_received_get_bool", (int)ErrorCode.ENOTFOUND, field, 0, "no field " + field, null);
            return v;
        }

        public bool TryGetBool(string field, out bool value)
        {
            int v;
            int rc = Native.rp_received_get_bool(Handle, Utf8.Z(field), out v);
            value = v != 0;
            if (rc == (int)ErrorCode.ENOTFOUND) return false;
            if (rc < 0) throw new RejsepostException("rp_received_get_bool", rc, field, 0, null, null);
            return true;
        }

        /// <summary>The names of a set field, in name order (empty if absent).</summary>
        public IList<string> GetSet(string field)
        {
            var list = new List<string>();
            var z = Utf8.Z(field);
            for (uint i = 0;; i++)
            {
                IntPtr p;
                int rc = Native.rp_received_get_set(Handle, z, (UIntPtr)i, out p);
                if (rc == (int)ErrorCode.ENOTFOUND) break;
                if (rc < 0) throw new RejsepostException("rp_received_get_set", rc, field, 0, null, null);
                list.Add(Utf8.FromPtr(p));
            }
            return list;
        }

        /// <summary>The number of elements of a list field ("referrals").</summary>
        public int ListCount(string field)
        {
            UIntPtr n;
            int rc = Native.rp_received_list_count(Handle, Utf8.Z(field), out n);
            if (rc < 0) throw new RejsepostException("rp_received_list_count", rc, field, 0, null, null);
            return checked((int)(ulong)n);
        }

        /// <summary>The attachments' descriptors.</summary>
        public IList<AttachmentInfo> Attachments
        {
            get
            {
                var list = new List<AttachmentInfo>();
                ulong n = (ulong)Native.rp_received_attachments(Handle);
                for (ulong i = 0; i < n; i++)
                {
                    IntPtr name, mime, kind;
                    ulong size;
                    RejsepostException.Check(
                        Native.rp_received_attachment(Handle, (UIntPtr)i, out name, out mime, out size, out kind),
                        "rp_received_attachment");
                    list.Add(new AttachmentInfo
                    {
                        Index = (int)i, Name = Utf8.FromPtr(name), Mime = Utf8.FromPtr(mime), Size = size,
                        Kind = Utf8.FromPtr(kind),
                    });
                }
                return list;
            }
        }

        /// <summary>The whole message as JSON (the builder's form plus msg_id, thread_id, sender,
        /// created).</summary>
        public string ToJson()
        {
            IntPtr json;
            RejsepostException.Check(Native.rp_received_to_json(Handle, out json), "rp_received_to_json");
            return Utf8.TakeOwned(json);
        }

        /// <summary>Frees the message, wiping its plaintext.</summary>
        public void Dispose() { Handle.Dispose(); }
    }
}
