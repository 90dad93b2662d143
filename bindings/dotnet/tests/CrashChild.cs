// SPDX-License-Identifier: MIT
// The host process of the crash test (CrashTests.cs):
//   CrashChild.exe send ENVFILE MARKER   sends one request whose question holds MARKER,
//                                        prints "sent <id>" once Send has returned, then
//                                        waits to be killed (-9) before any flush
//   CrashChild.exe flush ENVFILE ID      opens the same state folder, waits until nothing
//                                        waits for the relay, prints "status <name>"
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Rejsepost;

static class CrashChild
{
    static Config FromEnv(string path)
    {
        var e = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(path))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) e[line.Substring(0, eq)] = line.Substring(eq + 1);
        }
        var cfg = new Config();
        cfg.SetStateDir(e["STATE_DIR"]).SetRelay(e["RELAY_HOST"], int.Parse(e["RELAY_PORT"]))
           .SetRelayKey(e["RELAY_KEY"]).SetIdentityFile(e["IDENTITY_FILE"]).SetAdminKey(e["ADMIN_KEY"])
           .SetRosterFile(e["ROSTER_FILE"]).SetBackoff(20, 200).SetReceive(false);
        return cfg;
    }

    static int Main(string[] args)
    {
        if (args.Length != 3) { Console.Error.WriteLine("usage: CrashChild.exe send|flush ENVFILE ARG"); return 2; }
        Client c;
        using (var cfg = FromEnv(args[1])) c = new Client(cfg);
        if (args[0] == "send")
        {
            using (var m = new Message("request"))
            {
                m.SetEnum("sender_role", "myndighedsraadgiver").SetText("sender_ref", "crash")
                 .SetEnum("request_type", "anonym_sparring").SetEnum("urgency", "akut")
                 .AddToSet("categories", "trusler").SetEnum("risk.level", "hoej").SetBool("risk.acute", true)
                 .SetEnum("risk.tool", "ingen").SetEnum("citizen.age_band", "18_22").SetBool("citizen.under_18", false)
                 .SetEnum("identifiability.mode", "anonym").SetEnum("identifiability.consent", "ingen")
                 .SetText("question", "Sendt lige før et nedbrud " + args[2]);
                var id = c.Send(m);
                Console.Out.WriteLine("sent " + id);
                Console.Out.Flush();
            }
            Thread.Sleep(Timeout.Infinite); // killed here; never disposes the client
            return 0;
        }
        c.Flush(TimeSpan.FromSeconds(20));
        Console.Out.WriteLine("status " + c.GetStatus(args[2]).Name());
        c.Dispose();
        return 0;
    }
}
