// SPDX-License-Identifier: MIT
using System;

namespace Rejsepost
{
    /// <summary>A new message stored in the inbox. Runs on the library's loop thread (not
    /// yours), also at start-up for every message stored but not yet marked handled. The
    /// Received is a copy the callback owns (dispose it, or keep it). Return quickly: the loop
    /// and the relay's acknowledgement wait for it. It may call Send, MarkHandled and the other
    /// client calls, but not Flush, RefreshRoster or Dispose.</summary>
    public delegate void ReceiveHandler(Client client, Received message);

    /// <summary>A sent message's status changed. Loop thread; rules of ReceiveHandler. error is
    /// the refusal for Status.Failed, else ErrorCode.Ok.</summary>
    public delegate void StatusHandler(Client client, string msgId, Status status, ErrorCode error);

    /// <summary>One log line ("event key=value ...", never message content). Loop thread.</summary>
    public delegate void LogHandler(LogLevel level, string line);

    /// <summary>Attachment bytes moved between this client and the relay. Loop thread.</summary>
    public delegate void ProgressHandler(Client client, string msgId, ProgressDirection direction,
                                         ulong doneBytes, ulong totalBytes);

    /// <summary>The identity file's passphrase as UTF-8 bytes, or null to refuse. Called once,
    /// from the Client constructor, on the caller's thread. The binding clears the returned
    /// array after copying it to the library.</summary>
    public delegate byte[] PassphraseProvider();

    /// <summary>A further check of every free-text field of an outgoing message, after the CPR
    /// guard. Return true to accept; false refuses the send (EHOOK), with refusedAt the char
    /// index in text you object to. Runs on the thread that calls Send.</summary>
    public delegate bool ContentHook(string field, string text, out int refusedAt);

    /// <summary>A check of an outgoing attachment's bytes, a piece (at most 256 KiB) at a time,
    /// in order; offset is the piece's first byte in the file, last is true on the final piece.
    /// Return true to accept; false refuses the send (EHOOK naming the attachment), with
    /// refusedAt the byte in the file you object to. Runs on the thread that calls Send.</summary>
    public delegate bool AttachmentHook(string name, string mime, byte[] piece, ulong offset, bool last,
                                        out ulong refusedAt);

    /// <summary>An exception escaped one of your callbacks ("receive", "status", "log",
    /// "progress", "passphrase", "content_hook", "attachment_hook", "read_stream",
    /// "write_stream"). The binding catches every such exception (it never unwinds into the
    /// C library) and reports it here; a hook or stream that threw counts as a refusal.</summary>
    public delegate void CallbackErrorHandler(string callback, Exception error);

    /// <summary>A client configuration (rp_config). Every setter copies its arguments, checks
    /// them at once and throws RejsepostException (EINVAL, ECONFIG with Detail saying which
    /// setting and why). Not thread-safe: use one Config from one thread at a time. Dispose
    /// it after the Client is made (the Client keeps what it needs).</summary>
    public sealed class Config : IDisposable
    {
        internal readonly ConfigHandle Handle;
        internal ReceiveHandler Receive;
        internal StatusHandler StatusChanged;
        internal LogHandler Log;
        internal ProgressHandler Progress;
        internal PassphraseProvider Passphrase;
        internal ContentHook Content;
        internal AttachmentHook AttachmentCheck;
        internal CallbackErrorHandler CallbackError;

        public Config()
        {
            int rc = Native.rp_config_new(out Handle);
            RejsepostException.Check(rc, "rp_config_new");
        }

        /// <summary>rp_config_error: the last setter's error text, or "".</summary>
        public string Error { get { return Utf8.FromPtr(Native.rp_config_error(Handle)) ?? ""; } }

        internal void Check(int rc, string function)
        {
            if (rc < 0) throw new RejsepostException(function, rc, null, 0, Error, null);
        }

        /// <summary>The state folder (outbox and inbox database). Required.</summary>
        public Config SetStateDir(string path)
        {
            Check(Native.rp_config_set_state_dir(Handle, Utf8.Z(path)), "rp_config_set_state_dir");
            return this;
        }

        /// <summary>The relay's host name or IP literal and TCP port. Required. Sets (or replaces)
        /// the first address; those added with AddRelay stay.</summary>
        public Config SetRelay(string host, int port)
        {
            if (port < 0) throw new ArgumentOutOfRangeException("port");
            Check(Native.rp_config_set_relay(Handle, Utf8.Z(host), (uint)port), "rp_config_set_relay");
            return this;
        }

        /// <summary>A further address of the same relay (same relay key: where it moved, or a
        /// standby holding its key), tried in order after the ones set before it; the first one
        /// when none is set yet. At most 8 in all (ECONFIG past that). A failed connect or
        /// handshake moves on to the next address at once; the backoff starts only after all
        /// of them failed.</summary>
        public Config AddRelay(string host, int port)
        {
            if (port < 0) throw new ArgumentOutOfRangeException("port");
            Check(Native.rp_config_add_relay(Handle, Utf8.Z(host), (uint)port), "rp_config_add_relay");
            return this;
        }

        /// <summary>The relay's transport public key: 64 hex characters or a public key file. Required.</summary>
        public Config SetRelayKey(string hexOrPath)
        {
            Check(Native.rp_config_set_relay_key(Handle, Utf8.Z(hexOrPath)), "rp_config_set_relay_key");
            return this;
        }

        /// <summary>The member's identity key file. Required.</summary>
        public Config SetIdentityFile(string path)
        {
            Check(Native.rp_config_set_identity_file(Handle, Utf8.Z(path)), "rp_config_set_identity_file");
            return this;
        }

        /// <summary>The passphrase is the first line of this file (not readable by group or others).</summary>
        public Config SetPassphraseFile(string path)
        {
            Check(Native.rp_config_set_passphrase_file(Handle, Utf8.Z(path)), "rp_config_set_passphrase_file");
            Passphrase = null;
            return this;
        }

        /// <summary>The passphrase is read from this environment variable when the Client is made.</summary>
        public Config SetPassphraseEnv(string name)
        {
            Check(Native.rp_config_set_passphrase_env(Handle, Utf8.Z(name)), "rp_config_set_passphrase_env");
            Passphrase = null;
            return this;
        }

        /// <summary>The passphrase comes from provider, asked once by the Client constructor.</summary>
        public Config SetPassphraseCallback(PassphraseProvider provider)
        {
            if (provider == null) throw new ArgumentNullException("provider");
            // Set for real (with a trampoline bound to the new client) by the Client constructor.
            Passphrase = provider;
            return this;
        }

        /// <summary>The administrator's identity public key (64 hex or a key file). Required.</summary>
        public Config SetAdminKey(string hexOrPath)
        {
            Check(Native.rp_config_set_admin_key(Handle, Utf8.Z(hexOrPath)), "rp_config_set_admin_key");
            return this;
        }

        /// <summary>The signed roster file to start from. Required on first start.</summary>
        public Config SetRosterFile(string path)
        {
            Check(Native.rp_config_set_roster_file(Handle, Utf8.Z(path)), "rp_config_set_roster_file");
            return this;
        }

        /// <summary>Reconnect backoff: from minMs doubling to maxMs (10 .. 3600000).</summary>
        public Config SetBackoff(int minMs, int maxMs)
        {
            if (minMs < 0 || maxMs < 0) throw new ArgumentOutOfRangeException("minMs");
            Check(Native.rp_config_set_backoff(Handle, (uint)minMs, (uint)maxMs), "rp_config_set_backoff");
            return this;
        }

        /// <summary>How long an envelope may wait at the relay (60 s .. 90 days).</summary>
        public Config SetExpiry(TimeSpan expiry)
        {
            if (expiry < TimeSpan.Zero) throw new ArgumentOutOfRangeException("expiry");
            Check(Native.rp_config_set_expiry(Handle, (ulong)expiry.TotalMilliseconds), "rp_config_set_expiry");
            return this;
        }

        /// <summary>How long the client store keeps a finished message (a received one marked
        /// handled; a sent one answered, expired or failed; any message of a thread closed or
        /// whose consent was withdrawn) before deleting it so that none of its bytes stay in the
        /// state folder: 0 .. 10 years (0: at the next sweep). Default 30 days. Queued and
        /// unhandled messages are never deleted by retention.</summary>
        public Config SetRetention(TimeSpan retention)
        {
            if (retention < TimeSpan.Zero) throw new ArgumentOutOfRangeException("retention");
            Check(Native.rp_config_set_retention(Handle, (ulong)retention.TotalMilliseconds), "rp_config_set_retention");
            return this;
        }

        /// <summary>Whether the client asks for deliveries (default true) or only sends.</summary>
        public Config SetReceive(bool on)
        {
            Check(Native.rp_config_set_receive(Handle, on ? 1 : 0), "rp_config_set_receive");
            return this;
        }

        /// <summary>The cap on each attachment's size, sent and received (default 100 MiB).</summary>
        public Config SetAttachmentMax(ulong bytes)
        {
            Check(Native.rp_config_set_attachment_max(Handle, bytes), "rp_config_set_attachment_max");
            return this;
        }

        /// <summary>The cap on all of a message's attachments together (default 256 MiB).</summary>
        public Config SetMessageAttachmentsMax(ulong bytes)
        {
            Check(Native.rp_config_set_message_attachments_max(Handle, bytes),
                  "rp_config_set_message_attachments_max");
            return this;
        }

        /// <summary>The receive callback (null removes it). Runs on the library's thread.</summary>
        public Config SetReceiveCallback(ReceiveHandler handler) { Receive = handler; return this; }

        /// <summary>The status callback (null removes it). Runs on the library's thread.</summary>
        public Config SetStatusCallback(StatusHandler handler) { StatusChanged = handler; return this; }

        /// <summary>The log callback (null removes it). Runs on the library's thread.</summary>
        public Config SetLog(LogHandler handler) { Log = handler; return this; }

        /// <summary>The attachment progress callback (null removes it). Runs on the library's thread.</summary>
        public Config SetProgress(ProgressHandler handler) { Progress = handler; return this; }

        /// <summary>The content hook (null removes it). Runs on the thread that calls Send.</summary>
        public Config SetContentHook(ContentHook hook) { Content = hook; return this; }

        /// <summary>The attachment hook (null removes it). Runs on the thread that calls Send.</summary>
        public Config SetAttachmentHook(AttachmentHook hook) { AttachmentCheck = hook; return this; }

        /// <summary>Where exceptions thrown by your callbacks are reported (default: one line on
        /// standard error). Runs on the thread of the callback that threw.</summary>
        public Config SetCallbackErrorHandler(CallbackErrorHandler handler) { CallbackError = handler; return this; }

        /// <summary>Frees the configuration (wiping any passphrase it holds).</summary>
        public void Dispose() { Handle.Dispose(); }
    }
}
