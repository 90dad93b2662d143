// SPDX-License-Identifier: MIT
// The throw-away network of bindings/testnet/testnet.sh, as run.sh hands it over: the
// environment variable RP_TESTNET is its folder (kbh.env, team.env), RP_TESTNET_SH the
// script (relay-kill, relay-start), RP_BUILD_DIR the CMake build folder, RP_SOURCE_DIR the
// repository, RP_OUT the folder of the compiled binding and tests.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Rejsepost;

namespace Rejsepost.Tests
{
    internal static class TestNet
    {
        internal static string Env(string name)
        {
            var v = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(v)) Assert.Ignore(name + " is not set (run the tests with run.sh)");
            return v;
        }

        internal static string Dir { get { return Env("RP_TESTNET"); } }

        internal static Dictionary<string, string> Member(string name)
        {
            return ReadEnv(Path.Combine(Dir, name + ".env"));
        }

        internal static Dictionary<string, string> ReadEnv(string path)
        {
            var d = new Dictionary<string, string>();
            foreach (var line in File.ReadAllLines(path))
            {
                int eq = line.IndexOf('=');
                if (eq > 0) d[line.Substring(0, eq)] = line.Substring(eq + 1);
            }
            return d;
        }

        /// <summary>A configuration of member name with every required setting.</summary>
        internal static Config Config(string name)
        {
            var e = Member(name);
            var cfg = new Config();
            cfg.SetStateDir(e["STATE_DIR"])
               .SetRelay(e["RELAY_HOST"], int.Parse(e["RELAY_PORT"]))
               .SetRelayKey(e["RELAY_KEY"])
               .SetIdentityFile(e["IDENTITY_FILE"])
               .SetAdminKey(e["ADMIN_KEY"])
               .SetRosterFile(e["ROSTER_FILE"])
               .SetBackoff(20, 200);
            return cfg;
        }

        internal static void Script(string verb)
        {
            Run("bash", Env("RP_TESTNET_SH") + " " + verb + " " + Dir);
        }

        internal static string Run(string file, string args)
        {
            var psi = new ProcessStartInfo(file, args)
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using (var p = Process.Start(psi))
            {
                var o = p.StandardOutput.ReadToEnd();
                var err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) Assert.Fail(file + " " + args + " exited " + p.ExitCode + ": " + err + o);
                return o;
            }
        }

        internal static string Sha256(byte[] b)
        {
            using (var h = SHA256.Create())
            {
                var sb = new StringBuilder();
                foreach (var x in h.ComputeHash(b)) sb.Append(x.ToString("x2"));
                return sb.ToString();
            }
        }

        internal static string TempDir()
        {
            var d = Path.Combine(Path.GetTempPath(), "rp-dotnet-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(d);
            return d;
        }

        /// <summary>A valid anonymous sparring request from a municipality.</summary>
        internal static Message Request(string question, string urgency = "normal")
        {
            var m = new Message("request");
            m.SetEnum("sender_role", "myndighedsraadgiver")
             .SetText("sender_ref", "dotnet-test")
             .SetEnum("request_type", "anonym_sparring")
             .SetEnum("urgency", urgency)
             .AddToSet("categories", "negativ_social_kontrol")
             .SetEnum("risk.level", "middel")
             .SetBool("risk.acute", urgency == "akut")
             .SetEnum("risk.tool", "ingen")
             .SetEnum("citizen.age_band", "18_22")
             .SetBool("citizen.under_18", false)
             .SetEnum("identifiability.mode", "anonym")
             .SetEnum("identifiability.consent", "ingen")
             .SetText("question", question);
            return m;
        }

        internal const string ResponsibilityNote =
            "Rådgivningen er vejledende. Kommunen har myndighedsansvaret og træffer afgørelserne i sagen.";

        /// <summary>Polls cond every 20 ms up to seconds; false on the timeout.</summary>
        internal static bool WaitFor(Func<bool> cond, double seconds = 15)
        {
            var until = DateTime.UtcNow.AddSeconds(seconds);
            while (!cond())
            {
                if (DateTime.UtcNow > until) return false;
                System.Threading.Thread.Sleep(20);
            }
            return true;
        }
    }
}
