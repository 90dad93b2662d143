// SPDX-License-Identifier: MIT
// The smallest .NET program that sends an advisory request with an attachment through
// librejsepost and waits for its status.
//
//   mono SendRequest.exe ENVFILE FILE
//
// ENVFILE holds NAME=VALUE lines (STATE_DIR RELAY_HOST RELAY_PORT RELAY_KEY IDENTITY_FILE
// ADMIN_KEY ROSTER_FILE), as bindings/testnet/testnet.sh writes them; FILE is attached.
// Build: mcs -r:Rejsepost.dll SendRequest.cs
using System;
using System.Collections.Generic;
using System.IO;
using Rejsepost;

static class SendRequest
{
    static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: SendRequest.exe ENVFILE FILE");
            return 2;
        }
        var env = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(args[0]))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) env[line.Substring(0, eq)] = line.Substring(eq + 1);
        }
        try
        {
            Client client;
            using (var cfg = new Config())
            {
                cfg.SetStateDir(env["STATE_DIR"])
                   .SetRelay(env["RELAY_HOST"], int.Parse(env["RELAY_PORT"]))
                   .SetRelayKey(env["RELAY_KEY"])
                   .SetIdentityFile(env["IDENTITY_FILE"])
                   .SetPassphraseEnv("REJSEPOST_PASSPHRASE") // for an encrypted key file
                   .SetAdminKey(env["ADMIN_KEY"])
                   .SetRosterFile(env["ROSTER_FILE"])
                   // Runs on the library's own thread: keep it short, never block.
                   .SetStatusCallback((c, id, status, error) =>
                       Console.Error.WriteLine("callback: " + id + " is " + status.Name()));
                client = new Client(cfg);
            }
            using (client)
            using (var m = new Message("request"))
            {
                // An anonymous sparring request; the library fills in sender_org from the roster
                // and addresses it to the team member of the roster.
                m.SetEnum("sender_role", "myndighedsraadgiver")
                 .SetText("sender_ref", "sag-2026-17")
                 .SetEnum("request_type", "anonym_sparring")
                 .SetEnum("urgency", "haster")
                 .AddToSet("categories", "negativ_social_kontrol")
                 .SetEnum("risk.level", "middel")
                 .SetBool("risk.acute", false)
                 .SetEnum("risk.tool", "ingen")
                 .SetEnum("citizen.age_band", "18_22")
                 .SetBool("citizen.under_18", false)
                 .SetEnum("identifiability.mode", "anonym")
                 .SetEnum("identifiability.consent", "ingen")
                 .SetText("question", "Hvordan planlægger vi et sikkert første møde?")
                 .AttachFile(args[1], null, "text/plain", "handlingsplan");
                string id = client.Send(m); // durable in the local outbox now
                Console.WriteLine("sent " + id);
                var status = client.WaitForStatus(id, Status.Relayed, TimeSpan.FromSeconds(20));
                var when = client.StatusTime(id, status);
                Console.WriteLine("status " + status.Name() + " at " + (when.HasValue ? when.Value.ToString("o") : "-"));
                return status.Rank() >= Status.Relayed.Rank() && !status.IsFinal() ? 0 : 1;
            }
        }
        catch (RejsepostException e)
        {
            // Name is the library's error name (ECPR, EENUM ...); Field and Detail say where and why.
            Console.Error.WriteLine("error " + e.Name + " field=" + (e.Field ?? "-") + ": " + e.Message);
            return 1;
        }
    }
}
