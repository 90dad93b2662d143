// SPDX-License-Identifier: MIT
// A host process killed -9 right after Send returned: a new host process on the same state
// folder delivers the request, and the team receives it exactly once. Run twice: with the
// relay down while the child sends (so nothing can have left before the kill), and with
// the relay up (the kill races the upload and its acknowledgement).
using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using NUnit.Framework;
using Rejsepost;

namespace Rejsepost.Tests
{
    [TestFixture]
    public class CrashTests
    {
        static Process Child(string args)
        {
            var exe = Path.Combine(TestNet.Env("RP_OUT"), "CrashChild.exe");
            var psi = new ProcessStartInfo("mono", "--debug " + exe + " " + args)
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = false,
            };
            return Process.Start(psi);
        }

        [Test]
        public void KilledAfterSendIsDeliveredExactlyOnce()
        {
            var kbhEnv = Path.Combine(TestNet.Dir, "kbh.env");
            foreach (var relayDown in new[] { true, false })
            {
                var marker = "M" + Guid.NewGuid().ToString("N");
                if (relayDown) TestNet.Script("relay-kill");
                string id;
                using (var child = Child("send " + kbhEnv + " " + marker))
                {
                    var line = child.StandardOutput.ReadLine();
                    Assert.That(line, Is.StringMatching("^sent [0-9a-f]{32}$"), "the child did not send");
                    id = line.Substring(5);
                    TestNet.Run("kill", "-9 " + child.Id);
                    child.WaitForExit();
                    Assert.That(child.ExitCode, Is.Not.EqualTo(0), "the child was killed");
                }
                if (relayDown) TestNet.Script("relay-start");
                using (var again = Child("flush " + kbhEnv + " " + id))
                {
                    var status = again.StandardOutput.ReadToEnd().Trim();
                    again.WaitForExit();
                    Assert.That(again.ExitCode, Is.EqualTo(0));
                    Assert.That(status, Is.EqualTo("status relayed").Or.EqualTo("status delivered"), "the new host delivered it");
                }
                int count = 0;
                using (var cfg = TestNet.Config("team"))
                using (var team = new Client(cfg))
                {
                    Func<bool> drain = () =>
                    {
                        Received r;
                        while ((r = team.NextMessage()) != null)
                        {
                            using (r)
                            {
                                string q;
                                if (r.TryGetText("question", out q) && q.Contains(marker))
                                {
                                    Assert.That(r.MsgId, Is.EqualTo(id));
                                    count++;
                                }
                                team.MarkHandled(r.MsgId);
                            }
                        }
                        return count > 0;
                    };
                    Assert.That(TestNet.WaitFor(drain, 20), "the team never received " + id);
                    // Anything sent twice would arrive right behind it.
                    Thread.Sleep(1500);
                    drain();
                }
                Assert.That(count, Is.EqualTo(1), "received exactly once (relay down: " + relayDown + ")");
            }
        }
    }
}
