// SPDX-License-Identifier: MIT
// SafeHandle subclasses for the four C handles. A SafeHandle frees its handle exactly
// once, after the last P/Invoke call that uses it has returned (the marshaller counts
// them), and its finalizer is the safety net for a handle nobody disposed.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Rejsepost
{
    internal sealed class ConfigHandle : SafeHandle
    {
        public ConfigHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            Native.rp_config_free(handle);
            return true;
        }
    }

    /// <summary>rp_client. Holds every delegate the library may call for this client, so
    /// they live until rp_client_free has stopped the loop thread, even when the client is
    /// only finalized.</summary>
    internal sealed class ClientHandle : SafeHandle
    {
        internal readonly List<object> KeepAlive = new List<object>();
        public ClientHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            var h = handle;
            if (Client.InCallback)
            {
                // The last call that used the handle ran in a callback on the loop thread (Dispose
                // came meanwhile from another thread): rp_client_free joins that thread, so it
                // must run elsewhere.
                var t = new System.Threading.Thread(() => Free(h));
                t.IsBackground = false;
                t.Start();
                return true;
            }
            Free(h);
            return true;
        }

        void Free(IntPtr h)
        {
            Native.rp_client_free(h);
            lock (KeepAlive) KeepAlive.Clear();
        }
    }

    /// <summary>rp_msg. Holds the pinned buffers and the stream readers its attachments
    /// borrow, released only after rp_msg_free.</summary>
    internal sealed class MessageHandle : SafeHandle
    {
        internal readonly List<GCHandle> Pins = new List<GCHandle>();
        internal readonly List<object> KeepAlive = new List<object>();
        public MessageHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            Native.rp_msg_free(handle);
            lock (Pins)
            {
                foreach (var p in Pins) if (p.IsAllocated) p.Free();
                Pins.Clear();
            }
            KeepAlive.Clear();
            return true;
        }
    }

    internal sealed class ReceivedHandle : SafeHandle
    {
        public ReceivedHandle() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            Native.rp_received_free(handle);
            return true;
        }
    }
}
