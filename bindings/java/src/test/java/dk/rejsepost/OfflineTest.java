// SPDX-License-Identifier: MIT
package dk.rejsepost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no relay: versions, errors, statuses, the message builder, JSON, msgpack. */
class OfflineTest {
  /** A request as the library fills it at send: offline, sender_org must be given. */
  static Message offline(String question, String urgency) {
    return Samples.request(question, urgency).setText("sender_org", "101");
  }

  @Test
  void versionsAgree() throws Exception {
    assertEquals("0.1.0", Rejsepost.versionString());
    assertEquals(0x000100, Rejsepost.version());
    // The package's version is the library's: in the jar's manifest and in pom.xml.
    assertEquals(Rejsepost.versionString(), Rejsepost.bindingVersion());
    String pom = Files.readString(TestNet.source().resolve("bindings/java/pom.xml"));
    Matcher m =
        Pattern.compile("<artifactId>rejsepost</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertTrue(m.find(), "pom.xml names the artifact's version");
    assertEquals(Rejsepost.versionString(), m.group(1));
  }

  @Test
  void errorConstantsMatchTheLibrary() throws Exception {
    int n = 0;
    for (Field f : RejsepostErrors.class.getFields()) {
      if (!Modifier.isStatic(f.getModifiers())) continue;
      assertEquals(f.getName(), Rejsepost.errorName(f.getInt(null)), "code " + f.getInt(null));
      n++;
    }
    assertEquals(45, n);
    assertEquals("UNKNOWN", Rejsepost.errorName(-999));
    assertTrue(Rejsepost.strerror(RejsepostErrors.ECPR).contains("CPR"));
  }

  @Test
  void statusNamesAndRanks() {
    assertEquals("queued", Status.QUEUED.label());
    assertEquals("auto_replied", Status.AUTO_REPLIED.label());
    assertEquals("unknown", Status.UNKNOWN.label());
    assertEquals(4, Status.AUTO_REPLIED.rank());
    assertEquals(5, Status.OPENED.rank());
    assertEquals(7, Status.FAILED.rank());
    assertTrue(Status.OPENED.atLeast(Status.AUTO_REPLIED));
    assertTrue(Status.EXPIRED.isFinal());
    assertEquals(Status.AUTO_REPLIED, Status.fromCode(8));
    assertEquals("recalled", Status.RECALLED.label());
    assertEquals(Status.RECALLED, Status.fromCode(9));
    assertEquals(7, Status.RECALLED.rank());
    assertTrue(Status.RECALLED.isFinal());
    assertEquals(Status.UNKNOWN, Status.fromCode(99));
  }

  @Test
  void badEnumListsTheAllowedValues() {
    try (Message m = Message.create("request")) {
      RejsepostException e =
          assertThrows(RejsepostException.class, () -> m.setEnum("urgency", "straks"));
      assertEquals("EENUM", e.getName());
      assertEquals(RejsepostErrors.EENUM, e.getCode());
      assertEquals("urgency", e.getField());
      assertNotNull(e.getDetail());
      for (String v : new String[] {"akut", "haster", "normal", "plan"}) {
        assertTrue(e.getDetail().contains(v), e.getDetail());
      }
      assertTrue(e.getMessage().contains("akut"), e.getMessage());
      assertEquals("urgency", m.errorField());
      // A later good call clears the message's error.
      m.setEnum("urgency", "akut");
      assertEquals(null, m.errorText());
    }
  }

  @Test
  void unknownKindAndField() {
    RejsepostException e =
        assertThrows(RejsepostException.class, () -> Message.create("postkort"));
    assertEquals("EENUM", e.getName());
    try (Message m = Message.create("henvendelse")) {
      assertEquals("request", m.kind());
      RejsepostException f =
          assertThrows(RejsepostException.class, () -> m.setText("no_such_field", "x"));
      assertEquals("ENOTFOUND", f.getName());
      assertEquals("no_such_field", f.getField());
      RejsepostException t = assertThrows(RejsepostException.class, () -> m.setText("urgency", "x"));
      assertEquals("ETYPE", t.getName());
    }
  }

  @Test
  void cprInATextIsRefusedWithItsOffset() {
    String q = "Borgeren (født 010190-1234) frygter en rejse.";
    try (Message m = offline(q, "akut")) {
      RejsepostException e = assertThrows(RejsepostException.class, m::encode);
      assertEquals("ECPR", e.getName());
      assertEquals("question", e.getField());
      long at = q.substring(0, q.indexOf("010190")).getBytes(StandardCharsets.UTF_8).length;
      assertEquals(at, e.getOffset(), "the byte offset of the number (after the two-byte ø)");
      // The explanation never repeats the number.
      assertTrue(!e.getMessage().contains("010190"), e.getMessage());
    }
  }

  @Test
  void rulesBetweenFieldsAreCheckedAtEncode() {
    try (Message m = offline("Spørgsmål", "haster")) {
      m.setEnum("identifiability.mode", "pseudonym");
      RejsepostException e = assertThrows(RejsepostException.class, m::encode);
      assertEquals("EMISSING", e.getName());
      assertEquals("legal_basis", e.getField());
    }
  }

  @Test
  void jsonAndMsgpackRoundTrip() {
    try (Message m = offline("Hvad gør vi? Æble, ø og å.", "haster")) {
      m.setEnum("phase", "optrapning").addToSet("needs", "jura");
      String json = m.toJson();
      assertTrue(json.startsWith("{\"kind\":\"request\""), json);
      assertTrue(json.contains("Æble, ø og å"), json);
      try (Message back = Message.fromJson(json)) {
        assertEquals(json, back.toJson());
      }
      byte[] payload = m.encode();
      assertTrue(payload.length > 50);
      try (Message back = Message.fromMsgpack(payload)) {
        assertEquals(json, back.toJson());
        byte[] again = back.encode();
        assertEquals(payload.length, again.length);
      }
    }
    RejsepostException e =
        assertThrows(
            RejsepostException.class,
            () -> Message.fromJson("{\"kind\":\"request\",\"urgency\":\"straks\"}"));
    assertEquals("EENUM", e.getName());
    assertEquals("urgency", e.getField());
    assertThrows(RejsepostException.class, () -> Message.fromMsgpack(new byte[] {1, 2, 3}));
  }

  @Test
  void attachmentsInTheBuilder() {
    try (Message m = offline("Se bilag.", "normal")) {
      m.attach(new byte[] {1, 2, 3}, "notat.txt", "text/plain", "andet");
      assertThrows(RejsepostException.class, () -> m.setEnum("urgency", "straks"));
      // A path for a name: refused, naming the attachment's name, not the earlier error.
      RejsepostException e =
          assertThrows(
              RejsepostException.class,
              () -> m.attach(new byte[0], "a/b.txt", "text/plain", "andet"));
      assertEquals("attachments.name", e.getField());
      RejsepostException k =
          assertThrows(
              RejsepostException.class,
              () -> m.attach(new byte[0], "b.txt", "text/plain", "tegning"));
      assertEquals("EENUM", k.getName());
      assertTrue(k.getDetail().contains("handlingsplan"), k.getDetail());
    }
  }

  @Test
  void configErrorsSayWhich(@TempDir Path tmp) {
    try (Config cfg = new Config()) {
      RejsepostException e = assertThrows(RejsepostException.class, () -> cfg.relayKey("abc"));
      assertEquals("ECONFIG", e.getName());
      assertTrue(e.getDetail().contains("relay_key"), e.getDetail());
      assertEquals(e.getDetail(), cfg.error());
      assertThrows(RejsepostException.class, () -> cfg.backoff(5, 1));
      assertThrows(RejsepostException.class, () -> cfg.relay("127.0.0.1", 0));
      // Further addresses of the relay: at most 8 in all, the ninth names the setting.
      cfg.relay("127.0.0.1", 7001);
      for (int i = 2; i <= 8; i++) cfg.addRelay("127.0.0.1", 7000 + i);
      RejsepostException nine =
          assertThrows(RejsepostException.class, () -> cfg.addRelay("127.0.0.1", 7009));
      assertEquals("ECONFIG", nine.getName());
      assertTrue(nine.getDetail().contains("relay"), nine.getDetail());
      assertThrows(RejsepostException.class, () -> cfg.addRelay("127.0.0.1", 0));
      // Retention: 0 .. 10 years (a negative long is a huge uint64_t to the library).
      for (long bad : new long[] {-1, 11 * 366 * 86_400_000L}) {
        RejsepostException r = assertThrows(RejsepostException.class, () -> cfg.retention(bad));
        assertEquals("ECONFIG", r.getName());
        assertTrue(r.getDetail().contains("retention"), r.getDetail());
      }
      cfg.retention(0).retention(7 * 86_400_000L);
      cfg.relay("localhost", 7000); // replaces the first, the others stay
      cfg.stateDir(tmp.resolve("state")).expiry(60_000).receive(false);
      cfg.attachmentMax(1 << 20).messageAttachmentsMax(2 << 20);
      cfg.passphraseEnv("NO_SUCH_VARIABLE_RP").passphraseFile(tmp.resolve("pw"));
      assertEquals("", cfg.error());
      // Incomplete: opening names what is missing.
      RejsepostException o = assertThrows(RejsepostException.class, () -> Client.open(cfg));
      assertEquals("ECONFIG", o.getName());
      assertNotNull(o.getDetail());
    }
    Config closed = new Config();
    closed.close();
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.receive(true));
  }

  /**
   * The bench sends the very message of the C baseline (bindings/testnet/send_rate.c): its
   * fill() calls, read from the C source and replayed through the builder, give the same JSON
   * as SendRate.request().
   */
  @Test
  void benchSendsTheCBaselinesMessage() throws Exception {
    String c = Files.readString(TestNet.source().resolve("bindings/testnet/send_rate.c"));
    String fill = c.substring(c.indexOf("static int fill("), c.indexOf("int main("));
    String setter = "rp_msg_(set_enum|set_text|add_to_set|set_uint|set_bool)";
    Matcher call =
        Pattern.compile(setter + "\\(m, \"([^\"]+)\", ([^)]+)\\)").matcher(fill);
    int calls = 0;
    try (Message want = Message.create("request");
        Message got = dk.rejsepost.bench.SendRate.request()) {
      assertTrue(c.contains("rp_msg_new(\"request\", &m)"), "the baseline sends a request");
      while (call.find()) {
        String f = call.group(2), v = call.group(3).trim();
        String str = v.startsWith("\"") ? v.substring(1, v.length() - 1) : null;
        switch (call.group(1)) {
          case "set_enum" -> want.setEnum(f, str);
          case "set_text" -> want.setText(f, str);
          case "add_to_set" -> want.addToSet(f, str);
          case "set_uint" -> want.setUint(f, Long.parseLong(v.replaceAll("[uUlL]", "")));
          default -> want.setBool(f, !v.equals("0") && !v.equals("false"));
        }
        calls++;
      }
      assertTrue(calls >= 10, "fill() calls read from send_rate.c: " + calls);
      assertEquals(want.toJson(), got.toJson());
    }
  }

  @Test
  void danishTextSurvivesAnAsciiLocale() throws Exception {
    // Without the binding's own UTF-8 conversion, JNA would encode with the locale's charset.
    ProcessBuilder pb = Children.java("-Dfile.encoding=ANSI_X3.4-1968", "dk.rejsepost.EncodingChild");
    pb.command().removeIf(a -> a.startsWith("-Djna.encoding="));
    pb.environment().put("LC_ALL", "C");
    pb.environment().remove("LANG");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  @Test
  void closedMessageIsRefused() {
    Message m = Message.create("reply");
    m.close();
    m.close();
    assertThrows(IllegalStateException.class, m::toJson);
    assertArrayEquals(new byte[0], new byte[0]);
  }
}
