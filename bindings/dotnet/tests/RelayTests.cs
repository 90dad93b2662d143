// SPDX-License-Identifier: MIT
// Both members of the test network through this binding, in one process, against the
// real relay that run.sh started: the end-to-end scenario, errors at send time, callbacks
// (also one that throws), hooks, streams, the roster, passphrases.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using NUnit.Framework;
using Rejsepost;

namespace Rejsepost.Tests
{
    [TestFixture]
    public class RelayTests
    {
        Client kbh, team;
        readonly ConcurrentQueue<Tuple<string, Status, ErrorCode>> statuses = new ConcurrentQueue<Tuple<string, Status, ErrorCode>>();
        readonly ConcurrentDictionary<string, Received> teamGot = new ConcurrentDictionary<string, Received>();
        readonly ConcurrentQueue<Tuple<string, Exception>> callbackErrors = new ConcurrentQueue<Tuple<string, Exception>>();
        readonly ConcurrentQueue<string> logLines = new ConcurrentQueue<string>();
        readonly ConcurrentQueue<Tuple<string, ProgressDirection, ulong, ulong>> progress = new ConcurrentQueue<Tuple<string, ProgressDirection, ulong, ulong>>();
        volatile Client receiveClient;
        volatile Exception flushInCallback;
        int mainThread;
        int statusOnMainThread;
        string tmp;

        [TestFixtureSetUp]
        public void Open()
        {
            mainThread = Thread.CurrentThread.ManagedThreadId;
            tmp = TestNet.TempDir();
            using (var cfg = TestNet.Config("kbh"))
            {
                cfg.SetStatusCallback((c, id, s, err) =>
                   {
                       if (Thread.CurrentThread.ManagedThreadId == mainThread) Interlocked.Increment(ref statusOnMainThread);
                       statuses.Enqueue(Tuple.Create(id, s, err));
                   })
                   .SetLog((level, line) => logLines.Enqueue(level + " " + line))
                   .SetProgress((c, id, dir, done, total) => progress.Enqueue(Tuple.Create(id, dir, done, total)))
                   .SetContentHook((string field, string text, out int at) =>
                   {
                       at = text.IndexOf("FORBUDT", StringComparison.Ordinal);
                       if (text.Contains("HOOK-THROWS")) throw new InvalidOperationException("content hook broke");
                       return at < 0;
                   })
                   .SetAttachmentHook((string name, string mime, byte[] piece, ulong offset, bool last, out ulong at) =>
                   {
                       at = 0;
                       var s = Encoding.ASCII.GetString(piece);
                       int i = s.IndexOf("VIRUS", StringComparison.Ordinal);
                       if (i < 0) return true;
                       at = offset + (ulong)i;
                       return false;
                   })
                   .SetCallbackErrorHandler((which, e) => callbackErrors.Enqueue(Tuple.Create(which, e)));
                kbh = new Client(cfg);
            }
            using (var cfg = TestNet.Config("team"))
            {
                cfg.SetReceiveCallback((c, r) =>
                   {
                       receiveClient = c;
                       teamGot[r.MsgId] = r;
                       string q;
                       if (r.TryGetText("question", out q) && q.Contains("FLUSH-IN-CALLBACK"))
                       {
                           try { c.Flush(TimeSpan.FromSeconds(1)); }
                           catch (InvalidOperationException e) { flushInCallback = e; }
                       }
                       if (q != null && q.Contains("THROW-IN-CALLBACK"))
                           throw new InvalidOperationException("the host's receive callback failed");
                   })
                   .SetCallbackErrorHandler((which, e) => callbackErrors.Enqueue(Tuple.Create(which, e)));
                team = new Client(cfg);
            }
        }

        [TestFixtureTearDown]
        public void Close()
        {
            if (kbh != null) kbh.Dispose();
            if (team != null) team.Dispose();
            try { Directory.Delete(tmp, true); } catch (IOException) { }
        }

        Received WaitTeam(string id)
        {
            Received r = null;
            Assert.That(TestNet.WaitFor(() => teamGot.TryGetValue(id, out r)), "the team never received " + id);
            return r;
        }

        [Test]
        public void EndToEndAkutRequestWithAttachments()
        {
            var fileBytes = new byte[300 * 1024 + 17]; // two chunks
            new Random(7).NextBytes(fileBytes);
            var file = Path.Combine(tmp, "handlingsplan.pdf");
            File.WriteAllBytes(file, fileBytes);
            var buffer = Encoding.UTF8.GetBytes("Noter fra mødet, æøå.\n");

            string id;
            using (var m = TestNet.Request("Pigen er bange for at blive sendt ud af landet. Hvad gør vi?", "akut"))
            {
                m.AttachFile(file, null, "application/pdf", "handlingsplan")
                 .AttachBytes(buffer, "noter.txt", "text/plain", "andet");
                id = kbh.Send(m);
            }
            Assert.That(id, Is.StringMatching("^[0-9a-f]{32}$"));

            // The team receives it, checks the attachments, opens it, replies and marks it handled.
            var got = WaitTeam(id);
            Assert.That(got.Kind, Is.EqualTo("request"));
            Assert.That(got.Sender, Is.EqualTo("kbh"));
            Assert.That(got.ThreadId, Is.EqualTo(id), "a request starts its own thread");
            Assert.That(got.InReplyTo, Is.Null);
            Assert.That(got.GetEnum("urgency"), Is.EqualTo("akut"));
            Assert.That(got.GetBool("risk.acute"), Is.True);
            Assert.That(got.GetText("sender_org"), Is.EqualTo("101"));
            Assert.That(got.GetSet("categories"), Is.EqualTo(new[] { "negativ_social_kontrol" }));
            Assert.That(got.ListCount("attachments"), Is.EqualTo(2));
            Assert.That(got.Created.ToUnixTimeMilliseconds(), Is.GreaterThan(0));
            Assert.That(got.StoredAt, Is.GreaterThanOrEqualTo(got.Created.AddMinutes(-1)));
            Assert.That(got.Handled, Is.False);
            var atts = got.Attachments;
            Assert.That(atts.Count, Is.EqualTo(2));
            Assert.That(atts[0].Name, Is.EqualTo("handlingsplan.pdf"));
            Assert.That(atts[0].Mime, Is.EqualTo("application/pdf"));
            Assert.That(atts[0].Kind, Is.EqualTo("handlingsplan"));
            Assert.That(atts[0].Size, Is.EqualTo((ulong)fileBytes.Length));
            Assert.That(atts[1].Name, Is.EqualTo("noter.txt"));
            Assert.That(got.GetHex("attachments.0.sha256"), Is.EqualTo(TestNet.Sha256(fileBytes)));
            using (var ms = new MemoryStream())
            {
                team.ReadAttachment(got, 0, ms);
                Assert.That(TestNet.Sha256(ms.ToArray()), Is.EqualTo(TestNet.Sha256(fileBytes)));
            }
            Assert.That(TestNet.Sha256(team.ReadAttachment(got, 1)), Is.EqualTo(TestNet.Sha256(buffer)));
            var saved = Path.Combine(tmp, "saved.pdf");
            team.SaveAttachment(got, 0, saved);
            Assert.That(TestNet.Sha256(File.ReadAllBytes(saved)), Is.EqualTo(TestNet.Sha256(fileBytes)));
            var exists = Assert.Throws<RejsepostException>(() => team.SaveAttachment(got, 0, saved));
            Assert.That(exists.Name, Is.EqualTo("EEXIST"));
            Assert.That(got.ToJson(), Is.StringContaining("\"msg_id\":\"" + id + "\""));

            team.SendOpened(id);
            string replyId;
            using (var reply = new Message("reply"))
            {
                reply.SetThread(got.ThreadId)
                     .SetHex("in_reply_to", id)
                     .SetEnum("advisor.role", "raadgiver")
                     .SetText("advisor.id", "r1")
                     .SetText("advice", "Inddrag ikke familien. Lav en sikkerhedsplan.")
                     .AddToSet("recommended_actions", "sikkerhedsplan")
                     .SetEnum("responsibility_note", TestNet.ResponsibilityNote)
                     .SetBool("reporting_duty", true);
                replyId = team.Send(reply);
            }
            team.MarkHandled(id);
            using (var again = team.GetMessage(id)) Assert.That(again.Handled, Is.True);
            var teamOut = team.Outbox().Single(o => o.MsgId == replyId);
            Assert.That(teamOut.Kind, Is.EqualTo("reply"));
            Assert.That(teamOut.ThreadId, Is.EqualTo(id));
            Assert.That(teamOut.Recipient, Is.EqualTo("kbh"));

            // kbh sees relayed, delivered, opened, answered, in that order by time.
            Assert.That(kbh.WaitForStatus(id, Status.Answered, TimeSpan.FromSeconds(20)), Is.EqualTo(Status.Answered));
            ErrorCode err;
            Assert.That(kbh.GetStatus(id, out err), Is.EqualTo(Status.Answered));
            Assert.That(err, Is.EqualTo(ErrorCode.Ok));
            var order = new[] { Status.Queued, Status.Relayed, Status.Delivered, Status.Opened, Status.Answered };
            var times = order.Select(s => kbh.StatusTime(id, s)).ToList();
            Assert.That(times.All(t => t.HasValue), "every step has a time: " + string.Join(", ", times));
            for (int i = 1; i < times.Count; i++) Assert.That(times[i].Value, Is.GreaterThanOrEqualTo(times[i - 1].Value), order[i].Name());
            Assert.That(kbh.StatusTimeMs(id, Status.Failed), Is.EqualTo(0UL));
            Assert.That(kbh.StatusTime(id, Status.Expired), Is.Null);

            // The status callback saw each step (on the library's thread, never ours).
            Assert.That(TestNet.WaitFor(() => statuses.Any(s => s.Item1 == id && s.Item2 == Status.Answered)));
            var seen = statuses.Where(s => s.Item1 == id).Select(s => s.Item2).ToList();
            foreach (var s in new[] { Status.Relayed, Status.Delivered, Status.Opened, Status.Answered })
                Assert.That(seen, Contains.Item(s));
            Assert.That(statusOnMainThread, Is.EqualTo(0));
            Assert.That(progress.Any(p => p.Item1 == id && p.Item2 == ProgressDirection.Send && p.Item3 == p.Item4),
                        "progress reached the total");

            // kbh receives the reply by polling, and marks it handled.
            Received replyGot = null;
            Assert.That(TestNet.WaitFor(() =>
            {
                Received r;
                while ((r = kbh.NextMessage()) != null)
                {
                    if (r.MsgId == replyId) { replyGot = r; return true; }
                    r.Dispose();
                }
                return false;
            }), "kbh never received the reply");
            using (replyGot)
            {
                Assert.That(replyGot.Kind, Is.EqualTo("reply"));
                Assert.That(replyGot.InReplyTo, Is.EqualTo(id));
                Assert.That(replyGot.ThreadId, Is.EqualTo(id));
                Assert.That(replyGot.Sender, Is.EqualTo("team"));
                Assert.That(replyGot.GetText("advice"), Is.StringContaining("sikkerhedsplan"));
                Assert.That(replyGot.GetEnum("responsibility_note"), Is.EqualTo(TestNet.ResponsibilityNote));
                Assert.That(replyGot.GetEnum("advisor.role"), Is.EqualTo("raadgiver"));
                Assert.That(replyGot.GetBool("reporting_duty"), Is.True);
                Assert.That(replyGot.GetSet("recommended_actions"), Is.EqualTo(new[] { "sikkerhedsplan" }));
                Assert.That(replyGot.Attachments, Is.Empty);
                string absent;
                Assert.That(replyGot.TryGetText("no_such_field", out absent), Is.False);
                var typeErr = Assert.Throws<RejsepostException>(() => replyGot.GetUInt("advice"));
                Assert.That(typeErr.Name, Is.EqualTo("ETYPE"));
                using (var copy = replyGot.Dup()) Assert.That(copy.MsgId, Is.EqualTo(replyId));
                ulong before = kbh.PendingCount;
                kbh.MarkHandled(replyId);
                Assert.That(kbh.PendingCount, Is.EqualTo(before - 1));
            }
            var outbox = kbh.Outbox().Single(o => o.MsgId == id);
            Assert.That(outbox.Kind, Is.EqualTo("request"));
            Assert.That(outbox.Status, Is.EqualTo(Status.Answered));
            Assert.That(outbox.Recipient, Is.EqualTo("team"));
            Assert.That(callbackErrors.Where(e => e.Item1 == "status" || e.Item1 == "log" || e.Item1 == "progress"), Is.Empty);
        }

        [Test]
        public void SendErrors()
        {
            using (var m = TestNet.Request("Ring til borgeren, cpr 0101901234, i dag"))
            {
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Name, Is.EqualTo("ECPR"));
                Assert.That(e.Field, Is.EqualTo("question"));
                Assert.That(e.Offset, Is.EqualTo(23));
                Assert.That(e.Message, Is.Not.StringContaining("0101901234"));
            }
            using (var m = new Message("reply"))
            {
                m.SetHex("in_reply_to", new string('a', 32)).SetEnum("advisor.role", "raadgiver").SetText("advisor.id", "x")
                 .SetText("advice", "x").SetEnum("responsibility_note", TestNet.ResponsibilityNote).SetBool("reporting_duty", false)
                 .SetRecipient("team");
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Name, Is.EqualTo("EKIND").Or.EqualTo("EROUTE"), e.Message);
            }
            using (var m = TestNet.Request("Hvem er modtageren?"))
            {
                m.SetRecipient("nobody");
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Name, Is.EqualTo("EUNKNOWNMEMBER"), e.Message);
            }
            var nf = Assert.Throws<RejsepostException>(() => kbh.GetStatus(new string('0', 32)));
            Assert.That(nf.Name, Is.EqualTo("ENOTFOUND"));
            Assert.Throws<RejsepostException>(() => kbh.MarkHandled(new string('0', 32)));
            Assert.Throws<RejsepostException>(() => kbh.GetMessage(new string('0', 32)));
        }

        [Test]
        public void HooksRefuseAndReport()
        {
            using (var m = TestNet.Request("Dette er FORBUDT her"))
            {
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Name, Is.EqualTo("EHOOK"));
                Assert.That(e.Field, Is.EqualTo("question"));
                Assert.That(e.Offset, Is.EqualTo(9));
            }
            using (var m = TestNet.Request("Æblet er FORBUDT"))
            {
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Offset, Is.EqualTo(10), "a char index becomes a UTF-8 byte offset");
            }
            int before = kbh.CallbackErrorCount;
            using (var m = TestNet.Request("HOOK-THROWS"))
            {
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Name, Is.EqualTo("EHOOK"));
                Assert.That(e.InnerException, Is.InstanceOf<InvalidOperationException>());
            }
            Assert.That(kbh.CallbackErrorCount, Is.EqualTo(before + 1));
            Assert.That(callbackErrors.Any(x => x.Item1 == "content_hook"));
            using (var m = TestNet.Request("Se bilaget"))
            {
                var bytes = Encoding.ASCII.GetBytes(new string('x', 1000) + "VIRUS");
                m.AttachBytes(bytes, "a.txt", "text/plain", "andet");
                var e = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e.Name, Is.EqualTo("EHOOK"));
                Assert.That(e.Field, Is.EqualTo("attachments.0"));
                Assert.That(e.Offset, Is.EqualTo(1000));
            }
        }

        class BrokenStream : MemoryStream
        {
            public override int Read(byte[] buffer, int offset, int count) { throw new IOException("disk gone"); }
        }

        [Test]
        public void StreamAttachments()
        {
            var data = new byte[70000];
            new Random(3).NextBytes(data);
            string id;
            using (var m = TestNet.Request("Her er en strøm"))
            {
                m.AttachStream(new MemoryStream(data), "strøm.bin", "application/octet-stream", "andet");
                id = kbh.Send(m);
                var again = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(again.Name, Is.EqualTo("ESTATE"), "a stream is read once");
            }
            var got = WaitTeam(id);
            Assert.That(got.Attachments[0].Name, Is.EqualTo("strøm.bin"));
            Assert.That(TestNet.Sha256(team.ReadAttachment(got, 0)), Is.EqualTo(TestNet.Sha256(data)));
            var sink = new BrokenStream();
            var e = Assert.Throws<RejsepostException>(() => team.ReadAttachment(got, 0, new WriteFails()));
            Assert.That(e.Name, Is.EqualTo("EIO"));
            Assert.That(e.InnerException, Is.InstanceOf<IOException>());
            team.MarkHandled(id);
            using (var m = TestNet.Request("En ødelagt strøm"))
            {
                m.AttachStream(sink, "x.bin", "application/octet-stream", "andet");
                var e2 = Assert.Throws<RejsepostException>(() => kbh.Send(m));
                Assert.That(e2.Name, Is.EqualTo("EIO"));
                Assert.That(e2.Field, Is.EqualTo("attachments.0"));
                Assert.That(e2.InnerException, Is.InstanceOf<IOException>());
            }
        }

        class WriteFails : MemoryStream
        {
            public override void Write(byte[] buffer, int offset, int count) { throw new IOException("full"); }
        }

        [Test]
        public void ExceptionInACallbackDoesNotCrashTheHost()
        {
            int before = team.CallbackErrorCount;
            string id;
            using (var m = TestNet.Request("THROW-IN-CALLBACK please")) id = kbh.Send(m);
            WaitTeam(id);
            Assert.That(TestNet.WaitFor(() => team.CallbackErrorCount > before), "the exception was reported");
            Assert.That(team.LastCallbackError, Is.InstanceOf<InvalidOperationException>());
            Assert.That(receiveClient, Is.SameAs(team), "the callback gets the Client object itself");
            Assert.That(callbackErrors.Any(e => e.Item1 == "receive" && e.Item2.Message.Contains("receive callback failed")));
            // The host lives on, the message was stored, and the client still works.
            using (var r = team.GetMessage(id)) Assert.That(r.Kind, Is.EqualTo("request"));
            team.MarkHandled(id);
            Assert.That(kbh.WaitForStatus(id, Status.Delivered, TimeSpan.FromSeconds(15)), Is.EqualTo(Status.Delivered));

            // A call that waits for the loop is refused in a callback instead of deadlocking.
            using (var m = TestNet.Request("FLUSH-IN-CALLBACK please")) id = kbh.Send(m);
            WaitTeam(id);
            Assert.That(flushInCallback, Is.Not.Null);
            Assert.That(flushInCallback.Message, Is.StringContaining("Flush"));
            team.MarkHandled(id);
        }

        [Test]
        public void RosterAndMembers()
        {
            Assert.That(kbh.MemberId, Is.EqualTo("kbh"));
            Assert.That(team.MemberId, Is.EqualTo("team"));
            Assert.That(TestNet.WaitFor(() => kbh.ConnState == ConnState.Connected));
            Assert.That(kbh.LastError, Is.EqualTo(ErrorCode.Ok));
            Assert.That(kbh.RefreshRoster(TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(kbh.RosterVersion, Is.GreaterThan(0UL));
            var members = kbh.Members();
            var k = members.Single(m => m.Id == "kbh");
            Assert.That(k.Kind, Is.EqualTo("municipality"));
            Assert.That(k.Municipality, Is.EqualTo("101"));
            Assert.That(k.Networks, Is.EqualTo(Networks.East));
            var t = members.Single(m => m.Id == "team");
            Assert.That(t.Kind, Is.EqualTo("team"));
            Assert.That(t.Municipality, Is.EqualTo(""));
            Assert.That(members.Any(m => m.Kind == "relay"));
            kbh.NativeData = new IntPtr(42);
            Assert.That(kbh.NativeData, Is.EqualTo(new IntPtr(42)));
            Assert.That(logLines.Any(l => l.Contains("conn_ready member=kbh")), "the log callback got the connection: " + string.Join(" | ", logLines.Take(5)));
        }

        [Test]
        public void PassphraseCallback()
        {
            var cli = Path.Combine(TestNet.Env("RP_BUILD_DIR"), "tools", "rejsepost");
            var pass = Path.Combine(tmp, "pass");
            File.WriteAllText(pass, "hemmeligt kodeord\n");
            var key = Path.Combine(tmp, "pp.key");
            TestNet.Run(cli, "keys new --id pp --kind municipality --out " + key + " --passphrase-file " + pass + " --kdf interactive");
            var kbhEnv = TestNet.Member("kbh");
            Func<PassphraseProvider, RejsepostException> open = provider =>
            {
                using (var cfg = new Config())
                {
                    cfg.SetStateDir(Path.Combine(tmp, "pp-" + Guid.NewGuid().ToString("N"))).SetRelay("127.0.0.1", 9)
                       .SetRelayKey(kbhEnv["RELAY_KEY"]).SetIdentityFile(key).SetAdminKey(kbhEnv["ADMIN_KEY"])
                       .SetRosterFile(kbhEnv["ROSTER_FILE"]).SetPassphraseCallback(provider)
                       .SetCallbackErrorHandler((w, e) => callbackErrors.Enqueue(Tuple.Create(w, e)));
                    return Assert.Throws<RejsepostException>(() => new Client(cfg).Dispose());
                }
            };
            Assert.That(open(() => Encoding.UTF8.GetBytes("forkert")).Name, Is.EqualTo("EPASSPHRASE"));
            Assert.That(open(() => null).Name, Is.EqualTo("EPASSPHRASE"));
            Assert.That(open(() => { throw new ApplicationException("vault down"); }).Name, Is.EqualTo("EPASSPHRASE"));
            Assert.That(callbackErrors.Any(e => e.Item1 == "passphrase" && e.Item2 is ApplicationException));
            // The right passphrase opens the key; the member is not in the roster.
            byte[] given = null;
            var right = open(() => given = Encoding.UTF8.GetBytes("hemmeligt kodeord"));
            Assert.That(right.Name, Is.EqualTo("EUNKNOWNMEMBER"));
            Assert.That(given.All(b => b == 0), "the binding wiped the passphrase it was given");
        }
    }
}
