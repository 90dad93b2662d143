// SPDX-License-Identifier: MIT
// Tests that need no relay: ABI coverage, version, errors, statuses, the message builder,
// JSON and msgpack round trips, configuration errors.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Rejsepost;

namespace Rejsepost.Tests
{
    [TestFixture]
    public class OfflineTests
    {
        // Exported symbols the binding deliberately does not bind, each with its reason. Empty:
        // every symbol is bound. A symbol added to the library later fails the test below until
        // it is bound here or listed with a reason.
        static readonly Dictionary<string, string> NotBound = new Dictionary<string, string>();

        static IEnumerable<MethodInfo> PInvokes()
        {
            var native = typeof(Client).Assembly.GetType("Rejsepost.Native", true);
            return native.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                         .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0);
        }

        [Test]
        public void EveryExportedSymbolIsBound()
        {
            var path = Path.Combine(TestNet.Env("RP_SOURCE_DIR"), "tests", "client", "abi.symbols");
            var symbols = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("#")).ToList();
            Assert.That(symbols.Count, Is.GreaterThan(80));
            var bound = new HashSet<string>(PInvokes().Select(m => m.Name));
            var missing = symbols.Where(s => !bound.Contains(s) && !NotBound.ContainsKey(s)).ToList();
            Assert.That(missing, Is.Empty, "exported but neither bound nor excluded: " + string.Join(", ", missing));
            var stale = bound.Where(b => !symbols.Contains(b)).ToList();
            Assert.That(stale, Is.Empty, "bound but not exported: " + string.Join(", ", stale));
        }

        [Test]
        public void EveryBindingResolvesInTheLibrary()
        {
            // Prelink loads the library and looks every entry point up now, so a misspelt
            // EntryPoint fails here rather than at the first call in production.
            foreach (var m in PInvokes())
            {
                var attr = (DllImportAttribute)m.GetCustomAttributes(typeof(DllImportAttribute), false).FirstOrDefault();
                if (attr != null) Assert.That(attr.EntryPoint ?? m.Name, Is.EqualTo(m.Name));
                Assert.DoesNotThrow(() => Marshal.Prelink(m), m.Name);
            }
        }

        [Test]
        public void VersionMatchesThePackage()
        {
            Assert.That(Library.VersionString, Is.EqualTo("0.1.0"));
            Assert.That(Library.Version, Is.EqualTo(0x000100u));
            var csproj = File.ReadAllText(Path.Combine(TestNet.Env("RP_SOURCE_DIR"), "bindings", "dotnet", "src", "Rejsepost.csproj"));
            var v = Regex.Match(csproj, "<Version>([^<]+)</Version>").Groups[1].Value;
            Assert.That(v, Is.EqualTo(Library.VersionString), "the package version follows the library's");
        }

        [Test]
        public void ErrorCodesMatchTheLibrary()
        {
            foreach (ErrorCode c in Enum.GetValues(typeof(ErrorCode)))
            {
                if (c == ErrorCode.Ok) continue;
                Assert.That(Library.ErrorName((int)c), Is.EqualTo(c.ToString()));
                Assert.That(Library.StrError((int)c), Is.Not.EqualTo("unknown error"));
            }
            int last = Enum.GetValues(typeof(ErrorCode)).Cast<int>().Min();
            Assert.That(Library.ErrorName(last - 1), Is.EqualTo("UNKNOWN"), "the library has a code this enum lacks");
        }

        [Test]
        public void StatusNamesAndRanks()
        {
            Assert.That(Status.AutoReplied.Name(), Is.EqualTo("auto_replied"));
            Assert.That(Status.Relayed.Name(), Is.EqualTo("relayed"));
            Assert.That(Status.Unknown.Name(), Is.EqualTo("unknown"));
            Assert.That(Status.Delivered.Rank(), Is.LessThan(Status.AutoReplied.Rank()));
            Assert.That(Status.AutoReplied.Rank(), Is.LessThan(Status.Opened.Rank()));
            Assert.That(Status.Answered.Rank(), Is.EqualTo(6));
            Assert.That(Status.Failed.IsFinal() && Status.Expired.IsFinal() && !Status.Answered.IsFinal());
            Assert.That(Status.Recalled.Name(), Is.EqualTo("recalled"));
            Assert.That(Status.Recalled.Rank(), Is.EqualTo(7));
            Assert.That(Status.Recalled.IsFinal());
        }

        [Test]
        public void BadEnumListsTheAllowedValues()
        {
            using (var m = new Message("request"))
            {
                var e = Assert.Throws<RejsepostException>(() => m.SetEnum("urgency", "lynhurtig"));
                Assert.That(e.Name, Is.EqualTo("EENUM"));
                Assert.That(e.Error, Is.EqualTo(ErrorCode.EENUM));
                Assert.That(e.Code, Is.EqualTo(-10));
                Assert.That(e.Field, Is.EqualTo("urgency"));
                Assert.That(e.Detail, Is.StringContaining("akut").And.StringContaining("haster"));
                Assert.That(e.Message, Is.StringContaining("unknown enumeration value"));
                Assert.That(m.ErrorText, Is.EqualTo(e.Detail));
            }
        }

        [Test]
        public void UnknownKindAndField()
        {
            var e = Assert.Throws<RejsepostException>(() => new Message("postkort"));
            Assert.That(e.Name, Is.EqualTo("EENUM"));
            using (var m = new Message("henvendelse"))
            {
                Assert.That(m.Kind, Is.EqualTo("request"));
                var e2 = Assert.Throws<RejsepostException>(() => m.SetText("no_such_field", "x"));
                Assert.That(e2.Name, Is.EqualTo("ENOTFOUND"));
                Assert.That(m.ErrorField, Is.EqualTo("no_such_field"));
                var e3 = Assert.Throws<RejsepostException>(() => m.SetText("urgency", "akut"));
                Assert.That(e3.Name, Is.EqualTo("ETYPE"));
            }
        }

        [Test]
        public void CprInTextIsRefusedOffline()
        {
            using (var m = TestNet.Request("Borgeren æøå har 010190-1234 oplyst"))
            {
                var e = Assert.Throws<RejsepostException>(() => m.Encode());
                Assert.That(e.Name, Is.EqualTo("ECPR"));
                Assert.That(e.Field, Is.EqualTo("question"));
                // "Borgeren æøå har " is 17 characters and 20 UTF-8 bytes.
                Assert.That(e.Offset, Is.EqualTo(20));
                Assert.That(e.Detail ?? "", Is.Not.StringContaining("010190"));
            }
        }

        [Test]
        public void RuleBetweenFieldsIsCheckedByEncode()
        {
            using (var m = TestNet.Request("Hvordan griber vi det an?"))
            {
                m.SetBool("citizen.under_18", true);
                var e = Assert.Throws<RejsepostException>(() => m.Encode());
                Assert.That(e.Name, Is.EqualTo("EINVAL").Or.EqualTo("EMISSING"));
                Assert.That(e.Field, Is.Not.Null);
            }
        }

        [Test]
        public void JsonAndMsgpackRoundTrip()
        {
            using (var m = TestNet.Request("Københavns spørgsmål: hvad nu?", "akut"))
            {
                // Offline, without a roster, the sender's municipality code is ours to give.
                m.SetText("sender_org", "101").AddToSet("categories", "trusler").ListAdd("attachments");
                m.SetText("attachments.name", "plan.pdf").SetText("attachments.mime", "application/pdf")
                 .SetEnum("attachments.kind", "handlingsplan").SetUInt("attachments.size", 3)
                 .SetHex("attachments.sha256", new string('a', 64));
                var json = m.ToJson();
                StringAssert.StartsWith("{\"kind\":\"request\"", json);
                Assert.That(json, Is.StringContaining("Københavns spørgsmål"));
                using (var back = Message.FromJson(json))
                {
                    Assert.That(back.ToJson(), Is.EqualTo(json));
                    var payload = back.Encode();
                    Assert.That(payload.Length, Is.GreaterThan(50));
                    using (var again = Message.FromMsgpack(payload))
                    {
                        Assert.That(again.Kind, Is.EqualTo("request"));
                        Assert.That(again.ToJson(), Is.StringContaining("Københavns spørgsmål"));
                    }
                }
            }
            var e = Assert.Throws<RejsepostException>(() => Message.FromJson("{\"kind\":\"request\",\"urgency\":\"xx\"}"));
            Assert.That(e.Field, Is.EqualTo("urgency"));
            Assert.Throws<RejsepostException>(() => Message.FromMsgpack(new byte[] { 0xc1 }));
        }

        [Test]
        public void ThreadOnARequestIsRefused()
        {
            using (var m = TestNet.Request("Hvad nu?"))
            {
                m.SetThread(new string('1', 32)).SetRecipient("team");
                var e = Assert.Throws<RejsepostException>(() => m.Encode());
                Assert.That(e.Name, Is.EqualTo("EINVAL"));
                Assert.That(e.Field, Is.EqualTo("thread_id"));
            }
        }

        [Test]
        public void AtMostEightRelayAddresses()
        {
            using (var cfg = new Config())
            {
                cfg.AddRelay("127.0.0.1", 1); // the first, with none set yet
                for (int i = 2; i <= 7; i++) cfg.AddRelay("relay" + i + ".example", 7000 + i);
                cfg.SetRelay("127.0.0.1", 2).AddRelay("relay8.example", 7008); // replaces the first
                var e = Assert.Throws<RejsepostException>(() => cfg.AddRelay("relay9.example", 7009));
                Assert.That(e.Name, Is.EqualTo("ECONFIG"));
                Assert.That(e.Error, Is.EqualTo(ErrorCode.ECONFIG));
            }
            using (var cfg = new Config())
                Assert.Throws<RejsepostException>(() => cfg.AddRelay("relay.example", 70000));
        }

        [Test]
        public void RetentionUpToTenYears()
        {
            using (var cfg = new Config())
            {
                cfg.SetRetention(TimeSpan.Zero).SetRetention(TimeSpan.FromDays(30)).SetRetention(TimeSpan.FromDays(3650));
                var e = Assert.Throws<RejsepostException>(() => cfg.SetRetention(TimeSpan.FromDays(3660)));
                Assert.That(e.Error, Is.EqualTo(ErrorCode.ECONFIG));
                Assert.That(e.Detail, Is.StringContaining("retention"));
                Assert.Throws<ArgumentOutOfRangeException>(() => cfg.SetRetention(TimeSpan.FromSeconds(-1)));
            }
        }

        [Test]
        public void ConfigErrorsNameTheSetting()
        {
            using (var cfg = new Config())
            {
                var e = Assert.Throws<RejsepostException>(() => cfg.SetRelayKey("zz"));
                Assert.That(e.Name, Is.EqualTo("ECONFIG"));
                Assert.That(e.Detail, Is.StringContaining("relay_key"));
                Assert.That(cfg.Error, Is.StringContaining("relay_key"));
                var e2 = Assert.Throws<RejsepostException>(() => cfg.SetBackoff(5000, 10));
                Assert.That(e2.Detail, Is.StringContaining("backoff"));
                cfg.SetExpiry(TimeSpan.FromDays(1)).SetReceive(false).SetAttachmentMax(1 << 20)
                   .SetMessageAttachmentsMax(4 << 20).SetPassphraseEnv("RP_NO_SUCH_VARIABLE");
                Assert.That(cfg.Error, Is.EqualTo(""));
                var e3 = Assert.Throws<RejsepostException>(() => new Client(cfg));
                Assert.That(e3.Name, Is.EqualTo("ECONFIG"));
                Assert.That(e3.Detail, Is.Not.Null.And.Not.Empty);
            }
        }

        [Test]
        public void DisposedObjectsRefuseCalls()
        {
            var m = new Message("reply");
            m.Dispose();
            m.Dispose();
            Assert.Throws<ObjectDisposedException>(() => m.SetText("advice", "x"));
            var cfg = new Config();
            cfg.Dispose();
            Assert.Throws<ObjectDisposedException>(() => cfg.SetStateDir("x"));
        }

        [Test]
        public void StreamAttachmentOffline()
        {
            // Attachments are read by Send only; offline the builder records them.
            using (var m = TestNet.Request("Hvad nu?"))
            {
                m.AttachStream(new MemoryStream(new byte[] { 1, 2, 3 }), "a.txt", "text/plain", "andet");
                m.AttachBytes(new byte[10], 2, 5, "b.bin", "application/octet-stream", "andet");
                var e = Assert.Throws<RejsepostException>(() => m.AttachBytes(new byte[1], "a/b", "text/plain", "andet"));
                Assert.That(e.Name, Is.EqualTo("EINVAL"), e.ToString());
                Assert.Throws<ArgumentOutOfRangeException>(() => m.AttachBytes(new byte[3], 2, 5, "c", "text/plain", "andet"));
            }
        }
    }
}
