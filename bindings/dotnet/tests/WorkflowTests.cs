// SPDX-License-Identifier: MIT
// The municipality's whole workflow through this binding: the same steps and checks as
// bindings/testnet/workflow.c (the C side), between kbh and the team, each with its own
// Client in this process, against the fresh network run.sh started for this group:
//  1. kbh sends a plan for review with the draft plan attached; the team reads it.
//  2. The team asks for more information; kbh answers with a follow-up in the thread.
//  3. The team proposes a meeting with two slots; kbh confirms the second.
//  4. The team announces an east-network meeting; kbh registers two participants.
//  5. kbh sends a follow-up by mistake and recalls it after the team read it: the team's
//     copy is marked recalled and kbh's status of it becomes recalled. A second one,
//     recalled before the team read it, is never offered.
//  6. kbh withdraws the citizen's consent in the thread: the team erases the whole thread
//     when it has handled it, kbh all of it but the consent_withdrawn; then kbh erases the
//     network meeting's thread by hand (rp_thread_erase).
// Each message is checked on the other side: its kind, its thread, the message it refers
// to, and its fields. Some messages are built with the builder methods, the others from
// JSON (as the C program builds them all), so both paths are exercised.
using System;
using System.Globalization;
using System.Linq;
using System.IO;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Rejsepost;

namespace Rejsepost.Tests
{
    [TestFixture]
    public class WorkflowTests
    {
        Client kbh, team;
        string tmp;

        [TestFixtureSetUp]
        public void Open()
        {
            tmp = TestNet.TempDir();
            // kbh lists its relay second, after an address where nothing listens: every
            // connect moves on to the real one at once (rp_config_add_relay).
            var kbhEnv = TestNet.Member("kbh");
            using (var cfg = TestNet.Config("kbh"))
            {
                cfg.SetRelay("127.0.0.1", ClosedPort()).AddRelay(kbhEnv["RELAY_HOST"], int.Parse(kbhEnv["RELAY_PORT"]));
                kbh = new Client(cfg);
            }
            using (var cfg = TestNet.Config("team")) team = new Client(cfg);
        }

        [TestFixtureTearDown]
        public void Close()
        {
            if (kbh != null) kbh.Dispose();
            if (team != null) team.Dispose();
            try { Directory.Delete(tmp, true); } catch (IOException) { }
        }

        /// <summary>A loopback port where nothing listens (bound, then closed again).</summary>
        static int ClosedPort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        /// <summary>The next message in c's inbox, which must be of kind; marked handled.</summary>
        static Received Receive(Client c, string kind)
        {
            Received r = null;
            Assert.That(TestNet.WaitFor(() => (r = c.NextMessage()) != null, 20),
                        c.MemberId + " waited in vain for a " + kind);
            if (r.Kind != kind)
            {
                var got = r.Kind;
                r.Dispose();
                Assert.Fail(c.MemberId + " expected a " + kind + ", got a " + got);
            }
            c.MarkHandled(r.MsgId);
            return r;
        }

        /// <summary>kbh recalls its message about (wrong content); the recall's id.</summary>
        string Recall(string about)
        {
            using (var m = new Message("recall"))
            {
                m.SetHex("about", about).SetEnum("reason", "forkert_indhold");
                return kbh.Send(m);
            }
        }

        /// <summary>Whether c holds msgId and it is marked recalled.</summary>
        static bool IsRecalled(Client c, string msgId)
        {
            try
            {
                using (var r = c.GetMessage(msgId)) return r.Recalled;
            }
            catch (RejsepostException e) when (e.Error == ErrorCode.ENOTFOUND)
            {
                return false;
            }
        }

        /// <summary>Whether c's inbox holds msgId (GetMessage: ENOTFOUND when not).</summary>
        static bool Holds(Client c, string msgId)
        {
            try
            {
                using (c.GetMessage(msgId)) return true;
            }
            catch (RejsepostException e) when (e.Error == ErrorCode.ENOTFOUND)
            {
                return false;
            }
        }

        /// <summary>Whether c's outbox holds msgId (GetStatus: ENOTFOUND when not).</summary>
        static bool HasStatus(Client c, string msgId)
        {
            try
            {
                c.GetStatus(msgId);
                return true;
            }
            catch (RejsepostException e) when (e.Error == ErrorCode.ENOTFOUND)
            {
                return false;
            }
        }

        static string SendJson(Client c, string json)
        {
            using (var m = Message.FromJson(json)) return c.Send(m);
        }

        static string U(ulong v) { return v.ToString(CultureInfo.InvariantCulture); }

        [Test]
        public void PlanReviewToConsentWithdrawn()
        {
            var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            ulong slot1 = now + 86400000UL * 3, slot2 = now + 86400000UL * 4, hour = 3600000UL;
            var planPath = Path.Combine(tmp, "handlingsplan.pdf");
            File.WriteAllText(planPath, "%PDF-1.4\n% udkast til handlingsplan\n%%EOF\n");

            // 1. A plan for review, with the draft attached (builder).
            string plan;
            using (var m = new Message("plan_review"))
            {
                m.SetEnum("plan", "handlingsplan")
                 .SetText("question", "Er planen realistisk?")
                 .AttachFile(planPath, null, "application/pdf", "handlingsplan");
                plan = kbh.Send(m);
            }
            using (var r = Receive(team, "plan_review"))
            {
                Assert.That(r.ThreadId, Is.EqualTo(plan), "a plan review starts its own thread");
                Assert.That(r.Sender, Is.EqualTo("kbh"));
                Assert.That(r.GetEnum("plan"), Is.EqualTo("handlingsplan"));
                Assert.That(r.GetText("question"), Is.EqualTo("Er planen realistisk?"));
                var atts = r.Attachments;
                Assert.That(atts.Count, Is.EqualTo(1));
                Assert.That(atts[0].Name, Is.EqualTo("handlingsplan.pdf"));
                Assert.That(atts[0].Size, Is.GreaterThan(0UL));
                Assert.That(atts[0].Size, Is.EqualTo((ulong)new FileInfo(planPath).Length));
                Assert.That(TestNet.Sha256(team.ReadAttachment(r, 0)),
                            Is.EqualTo(TestNet.Sha256(File.ReadAllBytes(planPath))));
            }

            // 2. More information asked for (JSON), and given (builder).
            var ask = SendJson(team, "{\"kind\":\"info_request\",\"in_reply_to\":\"" + plan +
                                     "\",\"questions\":\"Hvem deltager i netværksmødet?\",\"topics\":[\"netvaerk\"]}");
            using (var r = Receive(kbh, "info_request"))
            {
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.GetHex("in_reply_to"), Is.EqualTo(plan));
                Assert.That(r.Sender, Is.EqualTo("team"));
                Assert.That(r.GetText("questions"), Is.EqualTo("Hvem deltager i netværksmødet?"));
                Assert.That(r.GetSet("topics"), Is.EqualTo(new[] { "netvaerk" }));
            }
            string answer;
            using (var m = new Message("follow_up"))
            {
                m.SetHex("in_reply_to", ask).SetText("text", "Mor, skolen og SSP.");
                answer = kbh.Send(m);
            }
            using (var r = Receive(team, "follow_up"))
            {
                Assert.That(r.MsgId, Is.EqualTo(answer));
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.GetHex("in_reply_to"), Is.EqualTo(ask));
                Assert.That(r.GetText("text"), Is.EqualTo("Mor, skolen og SSP."));
            }

            // 3. A meeting proposed (builder, a list of two slots), the second slot confirmed (JSON).
            string prop;
            using (var m = new Message("meeting_proposal"))
            {
                m.SetHex("meeting_ref", plan).SetEnum("mode", "online")
                 .ListAdd("slots").SetUInt("slots.start", slot1).SetUInt("slots.end", slot1 + hour)
                 .ListAdd("slots").SetUInt("slots.start", slot2).SetUInt("slots.end", slot2 + hour);
                prop = team.Send(m);
            }
            using (var r = Receive(kbh, "meeting_proposal"))
            {
                Assert.That(r.MsgId, Is.EqualTo(prop));
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.GetHex("meeting_ref"), Is.EqualTo(plan));
                Assert.That(r.GetEnum("mode"), Is.EqualTo("online"));
                Assert.That(r.ListCount("slots"), Is.EqualTo(2));
                Assert.That(r.GetUInt("slots.0.start"), Is.EqualTo(slot1));
                Assert.That(r.GetUInt("slots.1.start"), Is.EqualTo(slot2));
                Assert.That(r.GetUInt("slots.1.end"), Is.EqualTo(slot2 + hour));
            }
            var conf = SendJson(kbh, "{\"kind\":\"meeting_confirmation\",\"meeting_ref\":\"" + prop +
                                     "\",\"mode\":\"online\",\"slot\":{\"start\":" + U(slot2) +
                                     ",\"end\":" + U(slot2 + hour) + "}}");
            using (var r = Receive(team, "meeting_confirmation"))
            {
                Assert.That(r.MsgId, Is.EqualTo(conf));
                Assert.That(r.GetHex("meeting_ref"), Is.EqualTo(prop));
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.GetUInt("slot.start"), Is.EqualTo(slot2));
                Assert.That(r.GetUInt("slot.end"), Is.EqualTo(slot2 + hour));
            }

            // 4. A network meeting announced (JSON); kbh registers two (builder).
            var ann = SendJson(team, "{\"kind\":\"network_announcement\",\"network\":\"oest\",\"event_on\":" +
                                     "\"2099-03-12\",\"host_org\":\"101\",\"title\":\"Netværksmøde øst\"," +
                                     "\"programme\":\"Kontrol og trusler i familien\"," +
                                     "\"registration_deadline\":\"2099-03-01\",\"recipient\":\"kbh\"}");
            string annThread;
            using (var r = Receive(kbh, "network_announcement"))
            {
                Assert.That(r.MsgId, Is.EqualTo(ann));
                annThread = r.ThreadId;
                Assert.That(r.GetEnum("network"), Is.EqualTo("oest"));
                Assert.That(r.GetText("title"), Is.EqualTo("Netværksmøde øst"));
            }
            string reg;
            using (var m = new Message("registration"))
            {
                m.SetHex("announcement_ref", ann).SetEnum("answer", "tilmeldt").SetUInt("participants", 2)
                 .AddToSet("roles", "ssp").AddToSet("roles", "skole");
                reg = kbh.Send(m);
            }
            using (var r = Receive(team, "registration"))
            {
                Assert.That(r.MsgId, Is.EqualTo(reg));
                Assert.That(r.GetHex("announcement_ref"), Is.EqualTo(ann));
                Assert.That(r.GetEnum("answer"), Is.EqualTo("tilmeldt"));
                Assert.That(r.GetUInt("participants"), Is.EqualTo(2UL));
                Assert.That(r.GetSet("roles"), Is.EquivalentTo(new[] { "ssp", "skole" }));
                Assert.That(r.GetText("sender_org"), Is.EqualTo("101"));
            }

            // 5. A follow-up sent by mistake (JSON), read by the team, then recalled (builder):
            // the team's copy is marked recalled and kbh sees the follow-up's status become
            // recalled.
            var oops = SendJson(kbh, "{\"kind\":\"follow_up\",\"in_reply_to\":\"" + plan + "\",\"text\":\"Forkert sag.\"}");
            using (var r = Receive(team, "follow_up"))
            {
                Assert.That(r.MsgId, Is.EqualTo(oops));
                Assert.That(r.GetText("text"), Is.EqualTo("Forkert sag."));
                Assert.That(r.Recalled, Is.False);
            }
            var recall = Recall(oops);
            using (var r = Receive(team, "recall"))
            {
                Assert.That(r.MsgId, Is.EqualTo(recall));
                Assert.That(r.GetHex("about"), Is.EqualTo(oops));
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.GetEnum("reason"), Is.EqualTo("forkert_indhold"));
                Assert.That(r.Recalled, Is.False);
            }
            Assert.That(TestNet.WaitFor(() => IsRecalled(team, oops)), "the team's copy of the follow-up is marked recalled");
            using (var r = team.GetMessage(oops))
            {
                Assert.That(r.Kind, Is.EqualTo("follow_up"));
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.Handled, Is.True, "read before the recall");
            }
            Assert.That(kbh.WaitForStatus(oops, Status.Recalled, TimeSpan.FromSeconds(20)), Is.EqualTo(Status.Recalled));
            Assert.That(kbh.StatusTime(oops, Status.Recalled), Is.Not.Null);
            Assert.That(kbh.StatusTime(oops, Status.Delivered), Is.Not.Null, "recalled implies delivered");
            Assert.That(kbh.GetStatus(answer), Is.Not.EqualTo(Status.Recalled), "only the recalled follow-up");

            // Recalled before the team read it: never offered, not pending; only the recall is.
            var oops2 = SendJson(kbh, "{\"kind\":\"follow_up\",\"in_reply_to\":\"" + plan + "\",\"text\":\"Også forkert.\"}");
            var recall2 = Recall(oops2);
            Assert.That(TestNet.WaitFor(() => IsRecalled(team, oops2), 20), "the unread follow-up is marked recalled");
            Assert.That(TestNet.WaitFor(() => team.PendingCount == 1), "only the recall is pending");
            using (var r = Receive(team, "recall")) Assert.That(r.MsgId, Is.EqualTo(recall2));
            Assert.That(team.NextMessage(), Is.Null, "the recalled follow-up is not offered");
            using (var r = team.GetMessage(oops2)) Assert.That(r.Handled, Is.False);
            Assert.That(kbh.WaitForStatus(oops2, Status.Recalled, TimeSpan.FromSeconds(20)), Is.EqualTo(Status.Recalled));

            // 6. The citizen withdraws consent (JSON).
            var consent = SendJson(kbh, "{\"kind\":\"consent_withdrawn\",\"by\":\"borger\",\"thread_id\":\"" + plan + "\"}");
            using (var r = Receive(team, "consent_withdrawn"))
            {
                Assert.That(r.MsgId, Is.EqualTo(consent));
                Assert.That(r.ThreadId, Is.EqualTo(plan));
                Assert.That(r.GetEnum("by"), Is.EqualTo("borger"));
            }
            // The consent rule: the team, its recipient, erased the whole thread when it marked
            // the consent_withdrawn handled; kbh, its sender, erases all of the thread but the
            // consent_withdrawn itself once the relay has it.
            foreach (var id in new[] { plan, answer, conf, oops, recall, oops2, recall2, consent })
                Assert.That(Holds(team, id), Is.False, "the team still holds " + id);
            foreach (var id in new[] { ask, prop })
                Assert.That(HasStatus(team, id), Is.False, "the team still has the status of " + id);
            Assert.That(TestNet.WaitFor(() => !Holds(kbh, ask), 20), "kbh never erased the thread");
            foreach (var id in new[] { ask, prop })
                Assert.That(Holds(kbh, id), Is.False, "kbh still holds " + id);
            foreach (var id in new[] { plan, answer, conf, oops, recall, oops2, recall2 })
                Assert.That(HasStatus(kbh, id), Is.False, "kbh still has the status of " + id);
            Assert.That(kbh.WaitForStatus(consent, Status.Delivered, TimeSpan.FromSeconds(20)), Is.EqualTo(Status.Delivered),
                        "the consent_withdrawn is kept and its progress shown");
            Assert.That(kbh.Outbox().Where(o => o.ThreadId == plan).Select(o => o.MsgId), Is.EqualTo(new[] { consent }));

            // Erasing by hand: the network meeting's thread at kbh (the team keeps its copies).
            Assert.That(annThread, Is.Not.EqualTo(plan));
            kbh.EraseThread(annThread);
            Assert.That(Holds(kbh, ann), Is.False);
            Assert.That(HasStatus(kbh, reg), Is.False);
            Assert.That(Holds(team, reg), Is.True);
            kbh.EraseThread(annThread); // nothing left: fine
            var bad = Assert.Throws<RejsepostException>(() => kbh.EraseThread("not-a-thread"));
            Assert.That(bad.Error, Is.EqualTo(ErrorCode.EINVAL));

            Assert.That(kbh.PendingCount, Is.EqualTo(0UL));
            Assert.That(team.PendingCount, Is.EqualTo(0UL));
        }
    }
}
