// SPDX-License-Identifier: MIT
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace Rejsepost
{
    /// <summary>One active member of the roster the client trusts.</summary>
    public sealed class Member
    {
        public string Id { get; internal set; }
        /// <summary>"municipality", "team", "relay" or "admin".</summary>
        public string Kind { get; internal set; }
        /// <summary>Three digits for a municipality, "" otherwise.</summary>
        public string Municipality { get; internal set; }
        public Networks Networks { get; internal set; }
        public override string ToString() { return Id + " (" + Kind + ")"; }
    }

    /// <summary>A message in the outbox (receipts excepted).</summary>
    public sealed class OutboxEntry
    {
        public string MsgId { get; internal set; }
        public string Kind { get; internal set; }
        public string ThreadId { get; internal set; }
        public string Recipient { get; internal set; }
        public Status Status { get; internal set; }
        public DateTimeOffset QueuedAt { get; internal set; }
    }

    /// <summary>A client of the relay (rp_client): opens the state folder, loads the identity
    /// and the roster and starts the library's loop thread, which connects in the background.
    /// Every method may be called from any thread, concurrently, except Dispose, which must be
    /// the last call and must not run from a callback. Dispose stops the loop cleanly (waiting
    /// at most about 5 seconds for the relay); nothing stored is lost.</summary>
    public sealed class Client : IDisposable
    {
        internal readonly ClientHandle Handle;
        readonly ManualResetEvent ready = new ManualResetEvent(false);
        readonly CallbackErrorHandler onCallbackError;
        int callbackErrors;
        Exception lastCallbackError;

        [ThreadStatic] static int inCallback;
        // An exception thrown by a hook or stream during Send on this thread, for the
        // RejsepostException that Send then throws.
        [ThreadStatic] internal static Exception PendingHookError;

        /// <summary>Makes the client from cfg (which may be disposed afterwards). Throws
        /// RejsepostException: ECONFIG (Detail names the missing or unusable setting), the key
        /// file's errors (EPASSPHRASE, EPERM, ENOTFOUND), the roster's (ESIG, EROLLBACK),
        /// EUNKNOWNMEMBER, EIO.</summary>
        public Client(Config cfg)
        {
            if (cfg == null) throw new ArgumentNullException("cfg");
            onCallbackError = cfg.CallbackError;
            var keep = new List<object>();
            var h = cfg.Handle;
            try
            {
                Native.ReceiveFn recv = null;
                Native.StatusFn status = null;
                Native.LogFn log = null;
                Native.ProgressFn progress = null;
                Native.ContentHookFn content = null;
                Native.AttachmentHookFn attach = null;
                if (cfg.Receive != null) { var f = cfg.Receive; recv = (d, c, r) => OnReceive(f, r); }
                if (cfg.StatusChanged != null) { var f = cfg.StatusChanged; status = (d, c, id, s, e) => OnStatus(f, id, s, e); }
                if (cfg.Log != null) { var f = cfg.Log; log = (d, level, line) => OnLog(f, level, line); }
                if (cfg.Progress != null) { var f = cfg.Progress; progress = (d, c, id, dir, done, total) => OnProgress(f, id, dir, done, total); }
                if (cfg.Content != null) { var f = cfg.Content; content = (IntPtr d, IntPtr field, IntPtr text, UIntPtr len, ref UIntPtr off) => OnContent(f, field, text, len, ref off); }
                if (cfg.AttachmentCheck != null)
                {
                    var f = cfg.AttachmentCheck;
                    attach = (IntPtr d, IntPtr name, IntPtr mime, IntPtr buf, UIntPtr len, ulong off, int last, ref UIntPtr bad) =>
                        OnAttachment(f, name, mime, buf, len, off, last, ref bad);
                }
                keep.Add(recv); keep.Add(status); keep.Add(log); keep.Add(progress); keep.Add(content); keep.Add(attach);
                cfg.Check(Native.rp_config_set_receive_callback(h, recv, IntPtr.Zero), "rp_config_set_receive_callback");
                cfg.Check(Native.rp_config_set_status_callback(h, status, IntPtr.Zero), "rp_config_set_status_callback");
                cfg.Check(Native.rp_config_set_log(h, log, IntPtr.Zero), "rp_config_set_log");
                cfg.Check(Native.rp_config_set_progress(h, progress, IntPtr.Zero), "rp_config_set_progress");
                cfg.Check(Native.rp_config_set_content_hook(h, content, IntPtr.Zero), "rp_config_set_content_hook");
                cfg.Check(Native.rp_config_set_attachment_hook(h, attach, IntPtr.Zero), "rp_config_set_attachment_hook");
                Native.PassphraseFn pass = null;
                if (cfg.Passphrase != null)
                {
                    var f = cfg.Passphrase;
                    pass = (IntPtr d, IntPtr buf, UIntPtr cap, out UIntPtr len) => OnPassphrase(f, buf, cap, out len);
                    keep.Add(pass);
                    cfg.Check(Native.rp_config_set_passphrase_callback(h, pass, IntPtr.Zero),
                              "rp_config_set_passphrase_callback");
                }
                int rc = Native.rp_client_new(h, out Handle);
                GC.KeepAlive(pass);
                if (rc < 0) throw new RejsepostException("rp_client_new", rc, null, 0, cfg.Error, null);
                lock (Handle.KeepAlive) Handle.KeepAlive.AddRange(keep);
            }
            finally
            {
                // The loop thread may already run callbacks; they wait for this.
                ready.Set();
            }
        }

        // ---- callbacks: never let an exception unwind into C ----

        void Report(string which, Exception e)
        {
            Interlocked.Increment(ref callbackErrors);
            lastCallbackError = e;
            try
            {
                if (onCallbackError != null) onCallbackError(which, e);
                else Console.Error.WriteLine("rejsepost: exception in the " + which + " callback: " + e);
            }
            catch (Exception)
            {
                // The error handler itself threw: there is nobody left to tell.
            }
        }

        /// <summary>Whether this thread is inside a library callback.</summary>
        internal static bool InCallback { get { return inCallback > 0; } }

        static void Enter() { inCallback++; }
        static void Leave() { inCallback--; }

        void OnReceive(ReceiveHandler f, IntPtr r)
        {
            Enter();
            try
            {
                ready.WaitOne();
                if (Handle == null || Handle.IsInvalid) return;
                ReceivedHandle copy;
                int rc = Native.rp_received_dup(r, out copy);
                RejsepostException.Check(rc, "rp_received_dup");
                f(this, new Received(copy));
            }
            catch (Exception e) { Report("receive", e); }
            finally { Leave(); }
        }

        void OnStatus(StatusHandler f, IntPtr id, int status, int error)
        {
            Enter();
            try
            {
                ready.WaitOne();
                if (Handle == null || Handle.IsInvalid) return;
                f(this, Utf8.FromPtr(id), (Status)status, (ErrorCode)error);
            }
            catch (Exception e) { Report("status", e); }
            finally { Leave(); }
        }

        void OnLog(LogHandler f, int level, IntPtr line)
        {
            Enter();
            try { f((LogLevel)level, Utf8.FromPtr(line)); }
            catch (Exception e) { Report("log", e); }
            finally { Leave(); }
        }

        void OnProgress(ProgressHandler f, IntPtr id, int dir, ulong done, ulong total)
        {
            Enter();
            try
            {
                ready.WaitOne();
                if (Handle == null || Handle.IsInvalid) return;
                f(this, Utf8.FromPtr(id), (ProgressDirection)dir, done, total);
            }
            catch (Exception e) { Report("progress", e); }
            finally { Leave(); }
        }

        int OnPassphrase(PassphraseProvider f, IntPtr buf, UIntPtr cap, out UIntPtr len)
        {
            len = UIntPtr.Zero;
            byte[] p = null;
            try
            {
                p = f();
                if (p == null || (ulong)p.Length > (ulong)cap) return 1;
                Marshal.Copy(p, 0, buf, p.Length);
                len = (UIntPtr)(uint)p.Length;
                return 0;
            }
            catch (Exception e) { Report("passphrase", e); return 1; }
            finally { if (p != null) Array.Clear(p, 0, p.Length); }
        }

        int OnContent(ContentHook f, IntPtr field, IntPtr text, UIntPtr len, ref UIntPtr offset)
        {
            try
            {
                int n = checked((int)(ulong)len);
                var s = Utf8.FromPtr(text, n);
                int at;
                if (f(Utf8.FromPtr(field), s, out at)) return 0;
                offset = (UIntPtr)(uint)Utf8.ByteOffset(s, at);
                return 1;
            }
            catch (Exception e)
            {
                PendingHookError = e;
                Report("content_hook", e);
                return 1;
            }
        }

        int OnAttachment(AttachmentHook f, IntPtr name, IntPtr mime, IntPtr buf, UIntPtr len, ulong off, int last,
                         ref UIntPtr bad)
        {
            try
            {
                int n = checked((int)(ulong)len);
                var piece = new byte[n];
                if (n > 0) Marshal.Copy(buf, piece, 0, n);
                ulong at;
                if (f(Utf8.FromPtr(name), Utf8.FromPtr(mime), piece, off, last != 0, out at)) return 0;
                bad = (UIntPtr)at;
                return 1;
            }
            catch (Exception e)
            {
                PendingHookError = e;
                Report("attachment_hook", e);
                return 1;
            }
        }

        internal void ReportStream(string which, Exception e) { Report(which, e); }

        /// <summary>How many exceptions your callbacks threw (each caught and reported).</summary>
        public int CallbackErrorCount { get { return Volatile.Read(ref callbackErrors); } }

        /// <summary>The last exception a callback threw, or null.</summary>
        public Exception LastCallbackError { get { return lastCallbackError; } }

        // ---- the client ----

        void NotInCallback(string what)
        {
            if (inCallback > 0)
                throw new InvalidOperationException(what + " may not be called from a library callback");
        }

        /// <summary>Our member id, as in the roster.</summary>
        public string MemberId { get { return Utf8.FromPtr(Native.rp_client_member_id(Handle)); } }

        /// <summary>The connection state.</summary>
        public ConnState ConnState { get { return (ConnState)Native.rp_client_conn_state(Handle); } }

        /// <summary>The error of the last failed connection attempt, or Ok (EAUTH: the relay refused
        /// our key; EBUSY: the relay is full; EREVOKED: stopped for good).</summary>
        public ErrorCode LastError { get { return (ErrorCode)Native.rp_client_last_error(Handle); } }

        /// <summary>A pointer for native code sharing this client (rp_client_set_data); the
        /// library never touches it.</summary>
        public IntPtr NativeData
        {
            get { return Native.rp_client_get_data(Handle); }
            set { Native.rp_client_set_data(Handle, value); }
        }

        /// <summary>The version of the roster the client holds and trusts.</summary>
        public ulong RosterVersion
        {
            get
            {
                ulong v;
                RejsepostException.Check(Native.rp_client_roster_version(Handle, out v), "rp_client_roster_version");
                return v;
            }
        }

        /// <summary>Fetches the relay's newest roster and waits up to timeout for it. False on a
        /// timeout (not connected, say); throws on a verification error (ESIG, EROLLBACK). Not from
        /// a callback.</summary>
        public bool RefreshRoster(TimeSpan timeout)
        {
            NotInCallback("RefreshRoster");
            int rc = Native.rp_client_refresh_roster(Handle, Millis(timeout));
            if (rc == (int)ErrorCode.ETIMEDOUT) return false;
            RejsepostException.Check(rc, "rp_client_refresh_roster");
            return true;
        }

        /// <summary>The active members of the roster, in roster order.</summary>
        public IList<Member> Members()
        {
            var list = new List<Member>();
            Exception failure = null;
            Native.MemberFn fn = (d, id, kind, muni, nets) =>
            {
                try
                {
                    list.Add(new Member
                    {
                        Id = Utf8.FromPtr(id), Kind = Utf8.FromPtr(kind),
                        Municipality = Utf8.FromPtr(muni) ?? "", Networks = (Networks)nets,
                    });
                    return 0;
                }
                catch (Exception e) { failure = e; return 1; }
            };
            int rc = Native.rp_client_members(Handle, fn, IntPtr.Zero);
            GC.KeepAlive(fn);
            if (failure != null) throw failure;
            RejsepostException.Check(rc, "rp_client_members");
            return list;
        }

        /// <summary>Waits until no sent message waits for the relay (each relayed, failed or
        /// expired), at most timeout (Timeout.InfiniteTimeSpan: forever). False on a timeout.
        /// Not from a callback.</summary>
        public bool Flush(TimeSpan timeout)
        {
            NotInCallback("Flush");
            int rc = Native.rp_client_flush(Handle, timeout == Timeout.InfiniteTimeSpan ? -1 : Millis(timeout));
            if (rc == (int)ErrorCode.ETIMEDOUT) return false;
            RejsepostException.Check(rc, "rp_client_flush");
            return true;
        }

        static int Millis(TimeSpan t)
        {
            var ms = t.TotalMilliseconds;
            if (ms < 0) return 0;
            return ms > int.MaxValue ? int.MaxValue : (int)ms;
        }

        // ---- sending and status ----

        /// <summary>Checks m, seals it for its recipient and stores it durably in the outbox; returns
        /// its id once it is durable (the loop thread sends it). m stays yours and may be sent again
        /// (as a new message). Attachments are read here, on this thread. Throws RejsepostException
        /// (ECPR, EHOOK, EMISSING, EINVAL, EKIND, EUNKNOWNMEMBER, ETOOBIG, EIO ...) with Field,
        /// Offset and Detail from the message; nothing is stored then.</summary>
        public string Send(Message m)
        {
            if (m == null) throw new ArgumentNullException("m");
            var id = new byte[33];
            PendingHookError = null;
            m.StreamError = null;
            int rc = Native.rp_send(Handle, m.Handle, id);
            if (rc < 0)
            {
                if (m.StreamError != null) Report("read_stream", m.StreamError);
                var inner = PendingHookError ?? m.StreamError;
                PendingHookError = null;
                throw m.Failure("rp_send", rc, inner);
            }
            return Utf8.FromBytes(id, 32);
        }

        /// <summary>The current status of sent message msgId; error is the refusal's code for
        /// Status.Failed, else Ok. ENOTFOUND for an id not in the outbox.</summary>
        public Status GetStatus(string msgId, out ErrorCode error)
        {
            int s, e;
            RejsepostException.Check(Native.rp_status(Handle, Utf8.Z(msgId), out s, out e), "rp_status");
            error = (ErrorCode)e;
            return (Status)s;
        }

        /// <summary>The current status of sent message msgId.</summary>
        public Status GetStatus(string msgId)
        {
            ErrorCode e;
            return GetStatus(msgId, out e);
        }

        /// <summary>When msgId reached status, or null if it has not (yet).</summary>
        public DateTimeOffset? StatusTime(string msgId, Status status)
        {
            ulong when;
            RejsepostException.Check(Native.rp_status_time(Handle, Utf8.Z(msgId), (int)status, out when),
                                     "rp_status_time");
            if (when == 0) return null;
            return DateTimeOffset.FromUnixTimeMilliseconds((long)when);
        }

        /// <summary>When msgId reached status in unix milliseconds, 0 if it has not.</summary>
        public ulong StatusTimeMs(string msgId, Status status)
        {
            ulong when;
            RejsepostException.Check(Native.rp_status_time(Handle, Utf8.Z(msgId), (int)status, out when),
                                     "rp_status_time");
            return when;
        }

        /// <summary>Waits (polling) until msgId has reached at least status, or a final status,
        /// or the timeout; returns the status it has then.</summary>
        public Status WaitForStatus(string msgId, Status status, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            for (;;)
            {
                var s = GetStatus(msgId);
                if (s.Rank() >= status.Rank() || s.IsFinal() || DateTime.UtcNow >= until) return s;
                Thread.Sleep(20);
            }
        }

        /// <summary>The outbox (receipts excepted), oldest first.</summary>
        public IList<OutboxEntry> Outbox()
        {
            var list = new List<OutboxEntry>();
            Exception failure = null;
            Native.OutboxFn fn = (d, id, kind, thread, recipient, status, queued) =>
            {
                try
                {
                    list.Add(new OutboxEntry
                    {
                        MsgId = Utf8.FromPtr(id), Kind = Utf8.FromPtr(kind), ThreadId = Utf8.FromPtr(thread),
                        Recipient = Utf8.FromPtr(recipient), Status = (Status)status,
                        QueuedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)queued),
                    });
                    return 0;
                }
                catch (Exception e) { failure = e; return 1; }
            };
            int rc = Native.rp_outbox_foreach(Handle, fn, IntPtr.Zero);
            GC.KeepAlive(fn);
            if (failure != null) throw failure;
            RejsepostException.Check(rc, "rp_outbox_foreach");
            return list;
        }

        /// <summary>Sends the receipt "opened" for received message msgId to its sender.</summary>
        public void SendOpened(string msgId)
        {
            RejsepostException.Check(Native.rp_send_opened(Handle, Utf8.Z(msgId)), "rp_send_opened");
        }

        /// <summary>Erases thread threadId (32 hex) from the client store: every message of it,
        /// sent and received, with its attachments, leaving none of their bytes in the state
        /// folder. A consent_withdrawn or a receipt still queued is kept (it must go out). Sent
        /// messages the relay may still hold are purged there as soon as the library is
        /// connected; their statuses are gone (GetStatus: ENOTFOUND). A thread with nothing
        /// stored is fine. EINVAL for a bad id. Other calls on this client wait while it works
        /// (seconds for a thread with a large attachment). The library erases by itself on
        /// the consent rule: the sender of a consent_withdrawn once it is relayed (all but the
        /// consent_withdrawn), its recipient when it is marked handled (all of it).</summary>
        public void EraseThread(string threadId)
        {
            RejsepostException.Check(Native.rp_thread_erase(Handle, Utf8.Z(threadId)), "rp_thread_erase");
        }

        // ---- receiving ----

        /// <summary>The oldest inbox message not marked handled that this client has not returned
        /// yet, or null. Dispose it when done.</summary>
        public Received NextMessage()
        {
            ReceivedHandle r;
            int rc = Native.rp_inbox_next(Handle, out r);
            if (rc == (int)ErrorCode.ENOTFOUND) { r.Dispose(); return null; }
            if (rc < 0) { r.Dispose(); RejsepostException.Check(rc, "rp_inbox_next"); }
            return new Received(r);
        }

        /// <summary>The inbox message msgId, handled or not (ENOTFOUND).</summary>
        public Received GetMessage(string msgId)
        {
            ReceivedHandle r;
            int rc = Native.rp_inbox_get(Handle, Utf8.Z(msgId), out r);
            if (rc < 0) { r.Dispose(); RejsepostException.Check(rc, "rp_inbox_get"); }
            return new Received(r);
        }

        /// <summary>Marks msgId handled, durably: never offered again. Idempotent.</summary>
        public void MarkHandled(string msgId)
        {
            RejsepostException.Check(Native.rp_inbox_mark_handled(Handle, Utf8.Z(msgId)), "rp_inbox_mark_handled");
        }

        /// <summary>The number of inbox messages not marked handled.</summary>
        public ulong PendingCount
        {
            get
            {
                ulong n;
                RejsepostException.Check(Native.rp_inbox_pending(Handle, out n), "rp_inbox_pending");
                return n;
            }
        }

        /// <summary>Decrypts attachment index of r (a message of this client's inbox) into
        /// destination, a chunk at a time, checking its sha256 at the end (EDIGEST, EAUTH: the
        /// bytes written are not to be trusted). Runs on this thread.</summary>
        public void ReadAttachment(Received r, int index, Stream destination)
        {
            if (r == null) throw new ArgumentNullException("r");
            if (destination == null) throw new ArgumentNullException("destination");
            if (index < 0) throw new ArgumentOutOfRangeException("index");
            Exception failure = null;
            byte[] buf = new byte[0];
            Native.WriteFn write = (ctx, p, len) =>
            {
                try
                {
                    int n = checked((int)(ulong)len);
                    if (buf.Length < n) buf = new byte[n];
                    Marshal.Copy(p, buf, 0, n);
                    destination.Write(buf, 0, n);
                    return 0;
                }
                catch (Exception e) { failure = e; return 1; }
            };
            int rc = Native.rp_received_attachment_read(Handle, r.Handle, (UIntPtr)(uint)index, write, IntPtr.Zero);
            GC.KeepAlive(write);
            if (rc < 0)
            {
                if (failure != null) Report("write_stream", failure);
                throw new RejsepostException("rp_received_attachment_read", rc, null, 0, null, failure);
            }
        }

        /// <summary>Attachment index of r as a byte array (for small attachments).</summary>
        public byte[] ReadAttachment(Received r, int index)
        {
            using (var ms = new MemoryStream())
            {
                ReadAttachment(r, index, ms);
                return ms.ToArray();
            }
        }

        /// <summary>Writes attachment index of r to a new file at path (mode 0600, EEXIST if
        /// anything is there), verified; on any error the file is removed.</summary>
        public void SaveAttachment(Received r, int index, string path)
        {
            if (r == null) throw new ArgumentNullException("r");
            if (index < 0) throw new ArgumentOutOfRangeException("index");
            RejsepostException.Check(
                Native.rp_received_attachment_save(Handle, r.Handle, (UIntPtr)(uint)index, Utf8.Z(path)),
                "rp_received_attachment_save");
        }

        /// <summary>Stops the loop cleanly and frees the client. Not from a callback.</summary>
        public void Dispose()
        {
            NotInCallback("Dispose");
            Handle.Dispose();
        }
    }
}
