// SPDX-License-Identifier: MIT
// Sends per second through the .NET binding:
//
//   mono SendRate.exe ENVFILE N
//
// Opens a client from ENVFILE (the kbh env file of bindings/testnet/testnet.sh), times N
// Client.Send calls of a small request (anonymous sparring, normal urgency, no
// attachment) and prints exactly one line, sends_per_s=<number>, on standard output; the
// details go to standard error. It does what the C baseline bindings/testnet/send_rate.c
// does, call for call, so the difference is the binding's overhead: receiving left on, no
// warm-up, each of the N messages built anew with the same fields and values, sent,
// disposed; the client disposed without a flush.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Rejsepost;

static class SendRate
{
    // The fields and values of fill() in bindings/testnet/send_rate.c, in its order.
    static void Fill(Message m)
    {
        m.SetEnum("sender_role", "myndighedsraadgiver").SetText("sender_ref", "bench")
         .SetEnum("request_type", "anonym_sparring").SetEnum("urgency", "normal")
         .AddToSet("categories", "negativ_social_kontrol").SetEnum("risk.level", "middel")
         .SetEnum("risk.tool", "ingen").SetEnum("identifiability.mode", "anonym")
         .SetEnum("identifiability.consent", "ingen").SetEnum("citizen.age_band", "18_22")
         .SetText("question", "Hvordan griber vi samtalen an?");
    }

    static int Main(string[] args)
    {
        int n;
        if (args.Length != 2 || !int.TryParse(args[1], out n) || n < 1)
        {
            Console.Error.WriteLine("usage: SendRate.exe ENVFILE N");
            return 2;
        }
        var env = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(args[0]))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) env[line.Substring(0, eq)] = line.Substring(eq + 1);
        }
        Client client;
        using (var cfg = new Config())
        {
            cfg.SetStateDir(env["STATE_DIR"]).SetRelay(env["RELAY_HOST"], int.Parse(env["RELAY_PORT"]))
               .SetRelayKey(env["RELAY_KEY"]).SetIdentityFile(env["IDENTITY_FILE"])
               .SetAdminKey(env["ADMIN_KEY"]).SetRosterFile(env["ROSTER_FILE"]).SetReceive(true);
            client = new Client(cfg);
        }
        using (client)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                using (var m = new Message("request"))
                {
                    Fill(m);
                    client.Send(m);
                }
            }
            sw.Stop();
            double rate = n / sw.Elapsed.TotalSeconds;
            Console.Error.WriteLine("dotnet: " + n + " sends in " + sw.Elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture) + " ms");
            Console.WriteLine("sends_per_s=" + rate.ToString("F1", CultureInfo.InvariantCulture));
        }
        return 0;
    }
}
