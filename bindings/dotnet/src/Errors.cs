// SPDX-License-Identifier: MIT
// Errors, statuses and the other small enumerations of rejsepost.h.
using System;

namespace Rejsepost
{
    /// <summary>The library's error codes (rejsepost_errors.h), never renumbered.</summary>
    public enum ErrorCode
    {
        Ok = 0,
        EINVAL = -1, ENOMEM = -2, EINTERNAL = -3, EIO = -4, ETOOBIG = -5, ETRUNC = -6,
        EMALFORMED = -7, ETYPE = -8, EMISSING = -9, EENUM = -10, EUTF8 = -11, EVERSION = -12,
        EDEPTH = -13, ECRYPTO = -14, EAUTH = -15, ESIG = -16, EROLLBACK = -17,
        EUNKNOWNMEMBER = -18, EREVOKED = -19, EWRONGRECIPIENT = -20, EWRONGSENDER = -21,
        EEXPIRED = -22, ECPR = -23, EPASSPHRASE = -24, EPERM = -25, ESTATE = -26,
        ENOTFOUND = -27, EEXIST = -28, ESPOOLFULL = -29, ECONNREFUSED = -30, ETIMEDOUT = -31,
        ECLOSED = -32, EBUSY = -33, EDUPLICATE = -34, ENONCE = -35, EFSYNC = -36, EHOOK = -37,
        ECONFIG = -38, EKIND = -39, ESIZE = -40, EROUTE = -41, EQUOTA = -42, EDIGEST = -43,
        EORDER = -44, EEXCESS = -45,
    }

    /// <summary>A failed library call: the error's name (rp_err_name, "ECPR"), its code,
    /// rp_strerror's sentence as Message (with the detail appended), and where the library
    /// says so the field at fault (a message's rp_msg_error_field), the byte offset in that
    /// field's text, and the detail line (rp_msg_error_text or rp_config_error).</summary>
    public class RejsepostException : Exception
    {
        /// <summary>The error's symbolic name without "RP_", e.g. "EENUM".</summary>
        public string Name { get; private set; }
        /// <summary>The negative code the C call returned.</summary>
        public int Code { get; private set; }
        /// <summary>Code as the enumeration.</summary>
        public ErrorCode Error { get { return (ErrorCode)Code; } }
        /// <summary>rp_strerror's sentence.</summary>
        public string Sentence { get; private set; }
        /// <summary>The field at fault ("urgency", "attachments.1"), or null.</summary>
        public string Field { get; private set; }
        /// <summary>The byte offset in Field's text (CPR guard, content hook), else 0.</summary>
        public long Offset { get; private set; }
        /// <summary>The library's line for a person (rp_msg_error_text or rp_config_error), or
        /// null. For EENUM it lists the allowed values.</summary>
        public string Detail { get; private set; }
        /// <summary>The C function that failed.</summary>
        public string Function { get; private set; }

        internal RejsepostException(string function, int code, string field, long offset, string detail,
                                    Exception inner)
            : base(Compose(function, code, field, detail), inner)
        {
            Function = function;
            Code = code;
            Name = Library.ErrorName(code);
            Sentence = Library.StrError(code);
            Field = field;
            Offset = offset;
            Detail = string.IsNullOrEmpty(detail) ? null : detail;
        }

        static string Compose(string function, int code, string field, string detail)
        {
            var s = function + ": " + Library.ErrorName(code) + ": " + Library.StrError(code);
            if (!string.IsNullOrEmpty(detail)) s += " (" + detail + ")";
            else if (field != null) s += " (field " + field + ")";
            return s;
        }

        internal static void Check(int rc, string function)
        {
            if (rc < 0) throw new RejsepostException(function, rc, null, 0, null, null);
        }
    }

    /// <summary>A sent message's status. The numbers are the C values, not the order: compare
    /// progress with <see cref="StatusExtensions.Rank"/>.</summary>
    public enum Status
    {
        Unknown = 0,
        Queued = 1,
        Relayed = 2,
        Delivered = 3,
        Opened = 4,
        Answered = 5,
        Expired = 6,
        Failed = 7,
        AutoReplied = 8,
        /// <summary>We recalled it (a "recall" about it) and the recipient's library hid it: its
        /// receipt "recalled" came back. Final, ranked with expired and failed.</summary>
        Recalled = 9,
    }

    public static class StatusExtensions
    {
        /// <summary>rp_status_name: "queued", "auto_replied", ... or "unknown".</summary>
        public static string Name(this Status s) { return Utf8.FromPtr(Native.rp_status_name((int)s)); }

        /// <summary>rp_status_rank: the place in a message's progress (queued 1 .. answered 6, 7 for
        /// the final expired, failed and recalled, 0 for unknown).</summary>
        public static int Rank(this Status s) { return Native.rp_status_rank((int)s); }

        /// <summary>Whether s is final (expired, failed or recalled).</summary>
        public static bool IsFinal(this Status s) { return s.Rank() == 7; }
    }

    /// <summary>rp_client_conn_state.</summary>
    public enum ConnState { Disconnected = 0, Connecting = 1, Connected = 2, Stopped = 3 }

    /// <summary>Levels of the log callback, most severe first.</summary>
    public enum LogLevel { Error = 1, Warn = 2, Info = 3 }

    /// <summary>Directions of the progress callback.</summary>
    public enum ProgressDirection { Send = 1, Receive = 2 }

    /// <summary>A municipality's networks (RP_MEMBER_NET_*).</summary>
    [Flags]
    public enum Networks : uint { None = 0, East = 1, West = 2 }

    /// <summary>The library itself: version and error texts.</summary>
    public static class Library
    {
        /// <summary>(major &lt;&lt; 16) | (minor &lt;&lt; 8) | patch.</summary>
        public static uint Version { get { return Native.rp_version(); } }

        /// <summary>"0.1.0".</summary>
        public static string VersionString { get { return Utf8.FromPtr(Native.rp_version_string()); } }

        /// <summary>rp_strerror: a sentence for an error code.</summary>
        public static string StrError(int code) { return Utf8.FromPtr(Native.rp_strerror(code)); }

        /// <summary>rp_err_name: "EINVAL", or "UNKNOWN".</summary>
        public static string ErrorName(int code) { return Utf8.FromPtr(Native.rp_err_name(code)); }
    }
}
