// SPDX-License-Identifier: MIT
package dk.rejsepost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Both members through the Java binding against a real relay (bindings/testnet): the
 * municipality "kbh" and the team, each its own Client in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayTest {
  record Event(String msgId, Status status) {}

  record Progress(String msgId, ProgressCallback.Direction dir, long done, long total) {}

  record CallbackError(String callback, Throwable error) {}

  TestNet net;
  Client kbh;
  Client team;
  final BlockingQueue<Received> kbhInbox = new LinkedBlockingQueue<>();
  final BlockingQueue<Received> teamInbox = new LinkedBlockingQueue<>();
  final ConcurrentLinkedQueue<Event> kbhStatuses = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Progress> kbhProgress = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> teamLog = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<CallbackError> teamErrors = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> callbackThreads = new ConcurrentLinkedQueue<>();
  final AtomicReference<Received> lent = new AtomicReference<>();
  final AtomicReference<Throwable> closeFromCallback = new AtomicReference<>();

  @BeforeAll
  void up() throws Exception {
    net = TestNet.up();
    try (Config cfg =
        TestNet.config(net.teamEnv)
            .onReceive(
                (c, r) -> {
                  callbackThreads.add(Thread.currentThread().getName());
                  if (r.getText("question").contains("KAST")) {
                    lent.set(r);
                    try {
                      c.close();
                    } catch (Throwable t) {
                      closeFromCallback.set(t);
                    }
                    throw new IllegalStateException("the host's own bug");
                  }
                  teamInbox.add(r.dup());
                })
            .onLog((level, line) -> teamLog.add(level + " " + line))
            .onCallbackError((cb, t) -> teamErrors.add(new CallbackError(cb, t)))) {
      team = Client.open(cfg);
    }
    kbh = openKbh();
  }

  Client openKbh() throws Exception {
    try (Config cfg =
        TestNet.config(net.kbhEnv)
            .onReceive((c, r) -> kbhInbox.add(r.dup()))
            .onStatus((c, id, st, err) -> kbhStatuses.add(new Event(id, st)))
            .onProgress(
                (c, id, dir, done, total) -> kbhProgress.add(new Progress(id, dir, done, total)))
            .contentHook((field, text) -> text.indexOf("forbudt"))
            .attachmentHook(
                (name, mime, piece, off, last) -> {
                  byte[] b = new byte[piece.remaining()];
                  piece.get(b);
                  int at = new String(b, StandardCharsets.ISO_8859_1).indexOf("VIRUS");
                  return at < 0 ? AttachmentHook.ACCEPT : off + at;
                })) {
      return Client.open(cfg);
    }
  }

  @AfterAll
  void down() throws Exception {
    try {
      if (kbh != null) kbh.close();
      if (team != null) team.close();
    } finally {
      if (net != null) net.close();
    }
  }

  static Received await(BlockingQueue<Received> q, String msgId) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end) {
      Received r = q.poll(100, TimeUnit.MILLISECONDS);
      if (r == null) continue;
      if (r.msgId().equals(msgId)) return r;
      r.close();
    }
    throw new AssertionError("message " + msgId + " did not arrive");
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  @Order(1)
  void endToEnd() throws Exception {
    assertEquals("kbh", kbh.memberId());
    Path dir = net.root;
    byte[] fileBytes = new byte[300 * 1024 + 17]; // two chunks of 256 KiB
    new Random(13).nextBytes(fileBytes);
    Path file = dir.resolve("plan.bin");
    Files.write(file, fileBytes);
    byte[] buffer = "Handlingsplan: mødet holdes på skolen.\n".getBytes(StandardCharsets.UTF_8);
    byte[] streamed = "dato;risiko\n2026-12-01;høj\n".repeat(400).getBytes(StandardCharsets.UTF_8);

    String id;
    try (Message m =
        Samples.request("Borgeren frygter en rejse. Hvad gør vi?", "akut")
            .attach(file, "plan.bin", "application/octet-stream", "handlingsplan")
            .attach(buffer, "notat.txt", "text/plain", "andet")
            .attach(new ByteArrayInputStream(streamed), "risiko.csv", "text/csv", "risikovurdering")) {
      id = kbh.send(m);
    }
    assertEquals(32, id.length());
    assertTrue(kbh.status(id).status().atLeast(Status.QUEUED));

    // The team receives it whole and checks every attachment's bytes.
    String replyId;
    try (Received r = await(teamInbox, id)) {
      assertEquals("request", r.kind());
      assertEquals("kbh", r.sender());
      assertEquals(id, r.threadId());
      assertNull(r.inReplyTo());
      assertFalse(r.isHandled());
      assertEquals("akut", r.getEnum("urgency"));
      assertEquals("101", r.getText("sender_org"));
      assertEquals("Borgeren frygter en rejse. Hvad gør vi?", r.getText("question"));
      assertEquals(List.of("trusler", "vold"), r.getSet("categories"));
      assertEquals(List.of(), r.getSet("measures_taken"));
      assertFalse(r.getBool("risk.acute"));
      assertTrue(r.created() > 0 && r.storedAt() >= r.created() - 60_000);
      assertEquals("ENOTFOUND", assertThrows(RejsepostException.class, () -> r.getEnum("phase")).getName());
      assertEquals("ETYPE", assertThrows(RejsepostException.class, () -> r.getUint("question")).getName());
      assertEquals(3, r.listCount("attachments"));
      assertEquals(3, r.attachmentCount());
      List<Attachment> atts = r.attachments();
      assertEquals(new Attachment(0, "plan.bin", "application/octet-stream", fileBytes.length, "handlingsplan"), atts.get(0));
      assertEquals(new Attachment(1, "notat.txt", "text/plain", buffer.length, "andet"), atts.get(1));
      assertEquals(new Attachment(2, "risiko.csv", "text/csv", streamed.length, "risikovurdering"), atts.get(2));
      assertEquals(sha256(fileBytes), r.getHex("attachments.0.sha256"));
      assertEquals(sha256(fileBytes), sha256(r.readAttachmentBytes(0)));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      r.readAttachment(1, out);
      assertEquals(sha256(buffer), sha256(out.toByteArray()));
      Path saved = dir.resolve("saved-risiko.csv");
      r.saveAttachment(2, saved);
      assertEquals(sha256(streamed), sha256(Files.readAllBytes(saved)));
      assertEquals("EEXIST", assertThrows(RejsepostException.class, () -> r.saveAttachment(2, saved)).getName());
      assertEquals("ENOTFOUND", assertThrows(RejsepostException.class, () -> r.attachment(3)).getName());
      assertTrue(r.toJson().contains("\"msg_id\":\"" + id + "\""), r.toJson());

      // Opened, then answered in the thread; then handled.
      team.sendOpened(id);
      try (Message reply = Samples.reply(id, "Lav en sikkerhedsplan før I kontakter familien.")) {
        replyId = team.send(reply);
      }
      assertTrue(team.inboxPending() >= 1);
      team.markHandled(id);
      try (Received again = team.inboxGet(id)) {
        assertTrue(again.isHandled());
      }
    }

    // The municipality sees relayed, delivered, opened, answered, in that order by time.
    assertEquals(Status.ANSWERED, kbh.awaitStatus(id, Status.ANSWERED, 20_000));
    assertEquals(new StatusInfo(Status.ANSWERED, 0), kbh.status(id));
    long relayed = kbh.statusTime(id, Status.RELAYED);
    long delivered = kbh.statusTime(id, Status.DELIVERED);
    long opened = kbh.statusTime(id, Status.OPENED);
    long answered = kbh.statusTime(id, Status.ANSWERED);
    assertTrue(relayed > 0, "relayed at " + relayed);
    assertTrue(relayed <= delivered && delivered <= opened && opened <= answered,
        relayed + " " + delivered + " " + opened + " " + answered);
    assertEquals(0, kbh.statusTime(id, Status.AUTO_REPLIED));
    // The status callback saw each of them for this message.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<Status> seen;
    do {
      seen = kbhStatuses.stream().filter(e -> e.msgId().equals(id)).map(Event::status).toList();
    } while (!seen.contains(Status.ANSWERED) && System.nanoTime() < deadline);
    for (Status s : List.of(Status.RELAYED, Status.DELIVERED, Status.OPENED, Status.ANSWERED)) {
      assertTrue(seen.contains(s), "status callback saw " + seen);
    }
    // Progress of the attachments' upload.
    List<Progress> prog = kbhProgress.stream().filter(p -> p.msgId().equals(id)).toList();
    assertFalse(prog.isEmpty(), "progress callback");
    Progress last = prog.get(prog.size() - 1);
    assertEquals(ProgressCallback.Direction.SEND, last.dir());
    assertEquals(last.total(), last.done());

    // The municipality receives the reply and marks it handled.
    try (Received reply = await(kbhInbox, replyId)) {
      assertEquals("reply", reply.kind());
      assertEquals("team", reply.sender());
      assertEquals(id, reply.inReplyTo());
      assertEquals(id, reply.threadId());
      assertEquals(id, reply.getHex("in_reply_to"));
      assertEquals("Lav en sikkerhedsplan før I kontakter familien.", reply.getText("advice"));
      assertEquals(Samples.RESPONSIBILITY, reply.getEnum("responsibility_note"));
      assertEquals("raadgiver", reply.getEnum("advisor.role"));
      assertEquals(0, reply.attachmentCount());
      kbh.markHandled(replyId);
      try (Received r = kbh.inboxGet(replyId)) {
        assertTrue(r.isHandled());
      }
    }
    // The outbox lists the request with its status.
    OutboxEntry e =
        kbh.outbox().stream().filter(o -> o.msgId().equals(id)).findFirst().orElseThrow();
    assertEquals("request", e.kind());
    assertEquals("team", e.recipient());
    assertEquals(id, e.threadId());
    assertEquals(Status.ANSWERED, e.status());
    assertTrue(kbh.flush(10_000));
  }

  @Test
  @Order(2)
  void errorsOnSend() throws Exception {
    int before = kbh.outbox().size();
    String q = "Barnet har cpr 010190-1234.";
    try (Message m = Samples.request(q, "haster")) {
      RejsepostException e = assertThrows(RejsepostException.class, () -> kbh.send(m));
      assertEquals("ECPR", e.getName());
      assertEquals(RejsepostErrors.ECPR, e.getCode());
      assertEquals("question", e.getField());
      assertEquals(q.indexOf("010190"), e.getOffset());
      assertFalse(e.getMessage().contains("1234"));
    }
    // The content hook (a Java lambda) refuses at the character it objects to.
    String h = "Må vi sige det? Det er forbudt.";
    try (Message m = Samples.request(h, "haster")) {
      RejsepostException e = assertThrows(RejsepostException.class, () -> kbh.send(m));
      assertEquals("EHOOK", e.getName());
      assertEquals("question", e.getField());
      assertEquals(h.substring(0, h.indexOf("forbudt")).getBytes(StandardCharsets.UTF_8).length, e.getOffset());
    }
    // The attachment hook refuses the second attachment.
    try (Message m =
        Samples.request("Se bilag.", "haster")
            .attach(new byte[] {'o', 'k'}, "a.txt", "text/plain", "andet")
            .attach("xxVIRUSxx".getBytes(StandardCharsets.US_ASCII), "b.txt", "text/plain", "andet")) {
      RejsepostException e = assertThrows(RejsepostException.class, () -> kbh.send(m));
      assertEquals("EHOOK", e.getName());
      assertEquals("attachments.1", e.getField());
      assertEquals(2, e.getOffset());
    }
    // A stream that fails: EIO, with the stream's exception as the cause; nothing stored.
    InputStream broken =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("disk gone");
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            throw new IOException("disk gone");
          }
        };
    try (Message m = Samples.request("Se bilag.", "haster").attach(broken, "c.txt", "text/plain", "andet")) {
      RejsepostException e = assertThrows(RejsepostException.class, () -> kbh.send(m));
      assertEquals("EIO", e.getName());
      assertEquals("attachments.0", e.getField());
      assertInstanceOf(IOException.class, e.getCause());
    }
    // A stream is read once: a second send of the message is refused.
    try (Message m =
        Samples.request("Se bilag.", "haster")
            .attach(new ByteArrayInputStream(new byte[10]), "d.txt", "text/plain", "andet")) {
      String ok = kbh.send(m);
      assertNotNull(ok);
      RejsepostException e = assertThrows(RejsepostException.class, () -> kbh.send(m));
      assertEquals("ESTATE", e.getName());
      assertEquals("attachments.0", e.getField());
      before++;
    }
    // Unknown recipient; a kind the municipality may not send.
    try (Message m = Samples.request("Hvem?", "normal").setRecipient("nobody")) {
      assertEquals("EUNKNOWNMEMBER", assertThrows(RejsepostException.class, () -> kbh.send(m)).getName());
    }
    try (Message m = Samples.reply("00112233445566778899aabbccddeeff", "Nej.")) {
      assertEquals("EKIND", assertThrows(RejsepostException.class, () -> kbh.send(m)).getName());
    }
    try (Message m = Samples.request("Tråd?", "normal")) {
      RejsepostException e =
          assertThrows(RejsepostException.class, () -> m.setThread("00112233445566778899aabbccddeeff").encode());
      assertEquals("thread_id", e.getField());
      assertNotNull(e.getDetail());
    }
    assertEquals(before, kbh.outbox().size(), "nothing refused was stored");
    assertEquals("ENOTFOUND", assertThrows(RejsepostException.class, () -> kbh.status("00112233445566778899aabbccddeeff")).getName());
    assertEquals("ENOTFOUND", assertThrows(RejsepostException.class, () -> kbh.sendOpened("00112233445566778899aabbccddeeff")).getName());
  }

  @Test
  @Order(3)
  void callbacksRunOnTheLibrarysThreadAndSurviveExceptions() throws Exception {
    String id;
    try (Message m = Samples.request("KAST en undtagelse i modtageren.", "normal")) {
      id = kbh.send(m);
    }
    assertTrue(kbh.awaitStatus(id, Status.DELIVERED, 20_000).atLeast(Status.DELIVERED));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (teamErrors.isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
    CallbackError err = teamErrors.peek();
    assertNotNull(err, "the exception was reported");
    assertEquals("receive", err.callback());
    assertEquals("the host's own bug", err.error().getMessage());
    // The host lives on; the message is stored and still unhandled.
    try (Received r = team.inboxGet(id)) {
      assertFalse(r.isHandled());
      team.markHandled(id);
    }
    // Closing the client from its own callback is refused, not a deadlock.
    assertInstanceOf(IllegalStateException.class, closeFromCallback.get());
    // A message lent to a callback is dead after it.
    assertThrows(IllegalStateException.class, () -> lent.get().kind());
    String me = Thread.currentThread().getName();
    assertFalse(callbackThreads.isEmpty());
    for (String t : callbackThreads) assertFalse(t.equals(me), "callback ran on " + t);
    // The log callback got the connection's lines.
    assertTrue(teamLog.stream().anyMatch(l -> l.startsWith("INFO ")), teamLog.toString());
  }

  @Test
  @Order(4)
  void rosterAndClientState() throws Exception {
    assertEquals(ConnState.CONNECTED, kbh.connState());
    assertEquals(0, kbh.lastError());
    long v = kbh.rosterVersion();
    assertTrue(v > 0);
    kbh.refreshRoster(10_000);
    assertEquals(v, kbh.rosterVersion());
    List<Member> members = kbh.members();
    Member k = members.stream().filter(m -> m.id().equals("kbh")).findFirst().orElseThrow();
    assertEquals("municipality", k.kind());
    assertEquals("101", k.municipality());
    assertTrue(k.east());
    assertFalse(k.west());
    Member t = members.stream().filter(m -> m.id().equals("team")).findFirst().orElseThrow();
    assertEquals("team", t.kind());
    assertEquals("", t.municipality());
    team.setUserData("team host state");
    assertEquals("team host state", team.getUserData());
    assertNull(team.getNativeData());
    team.setNativeData(com.sun.jna.Pointer.createConstant(42));
    assertEquals(42, com.sun.jna.Pointer.nativeValue(team.getNativeData()));
    team.setNativeData(null);
  }

  @Test
  @Order(4)
  void concurrentSendsFromSeveralThreads() throws Exception {
    int threads = 4, each = 10;
    java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int n = t;
      fs.add(
          pool.submit(
              () -> {
                try (Message m = Samples.request("Tråd " + n, "normal")) {
                  for (int i = 0; i < each; i++) ids.add(kbh.send(m));
                }
                return null;
              }));
    }
    for (var f : fs) f.get(60, TimeUnit.SECONDS);
    pool.shutdown();
    assertEquals(threads * each, ids.size());
    assertTrue(kbh.flush(20_000));
    for (String id : ids) assertTrue(kbh.status(id).status().atLeast(Status.RELAYED));
    // Drain the team's side so later tests see only their own messages.
    java.util.Set<String> left = new java.util.HashSet<>(ids);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!left.isEmpty() && System.nanoTime() < end) {
      Received r = teamInbox.poll(100, TimeUnit.MILLISECONDS);
      if (r == null) continue;
      try (r) {
        if (left.remove(r.msgId())) team.markHandled(r.msgId());
      }
    }
    assertEquals(java.util.Set.of(), left, "not received by the team");
  }

  @Test
  @Order(4)
  void passphraseCallbackUnlocksAnEncryptedKey() throws Exception {
    // An encrypted key of a member the roster does not know: with the right passphrase
    // the key opens and the roster check refuses it (EUNKNOWNMEMBER); otherwise EPASSPHRASE.
    Path pw = net.root.resolve("pw");
    Files.writeString(pw, "hemmelig æøå\n");
    Files.setPosixFilePermissions(pw, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path key = net.root.resolve("ukendt.key");
    Process p =
        new ProcessBuilder(
                TestNet.build().resolve("tools/rejsepost").toString(), "keys", "new", "--id",
                "ukendt", "--kind", "municipality", "--out", key.toString(), "--passphrase-file",
                pw.toString(), "--kdf", "interactive")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    String me = Thread.currentThread().getName();
    // One configuration for every attempt: each open installs its own callback and takes it
    // out again, so the collected callbacks of earlier attempts are never called.
    try (Config cfg =
        TestNet.config(net.kbhEnv)
            .stateDir(Files.createTempDirectory(net.root, "state"))
            .identityFile(key)) {
      for (String given : new String[] {"hemmelig æøå", "forkert", null}) {
        cfg.passphraseCallback(
            () -> {
              calls.incrementAndGet();
              assertEquals(me, Thread.currentThread().getName());
              return given == null ? null : given.toCharArray();
            });
        RejsepostException e = assertThrows(RejsepostException.class, () -> Client.open(cfg));
        assertEquals(
            given != null && given.startsWith("hemmelig") ? "EUNKNOWNMEMBER" : "EPASSPHRASE",
            e.getName(),
            given);
        System.gc();
      }
      assertEquals(3, calls.get());
      // No source left: refused without calling anything.
      cfg.passphraseCallback(null);
      System.gc();
      assertEquals("EPASSPHRASE", assertThrows(RejsepostException.class, () -> Client.open(cfg)).getName());
      assertEquals(3, calls.get());
      // A file source after all.
      cfg.passphraseFile(pw);
      assertEquals("EUNKNOWNMEMBER", assertThrows(RejsepostException.class, () -> Client.open(cfg)).getName());
    }
  }

  @Test
  @Order(5)
  void inboxPollingAfterRestart() throws Exception {
    // kbh receives a reply while it is closed; a new client offers it by polling.
    String id;
    try (Message m = Samples.request("Kan I ringe?", "haster")) {
      id = kbh.send(m);
    }
    try (Received r = await(teamInbox, id)) {
      team.markHandled(r.msgId());
    }
    assertTrue(kbh.flush(10_000));
    kbh.close();
    kbh.close();
    assertThrows(IllegalStateException.class, () -> kbh.memberId());
    String replyId;
    try (Message reply = Samples.reply(id, "Ja, i morgen.")) {
      replyId = team.send(reply);
    }
    assertTrue(team.awaitStatus(replyId, Status.RELAYED, 10_000).atLeast(Status.RELAYED));
    try (Config cfg = TestNet.config(net.kbhEnv)) {
      kbh = Client.open(cfg);
    }
    Received found = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (found == null && System.nanoTime() < deadline) {
      var next = kbh.inboxNext();
      if (next.isEmpty()) {
        Thread.sleep(20);
        continue;
      }
      try (Received r = next.get()) {
        if (r.msgId().equals(replyId)) found = r.dup();
      }
    }
    assertNotNull(found, "the reply was offered");
    try (Received r = found) {
      assertEquals("Ja, i morgen.", r.getText("advice"));
      assertTrue(kbh.inboxPending() >= 1);
      kbh.markHandled(r.msgId());
    }
  }

  @Test
  @Order(6)
  void exampleProgramSendsAndSeesDelivered() throws Exception {
    // The example is its own host process on kbh's state folder: close ours first.
    kbh.close();
    Path file = net.root.resolve("bilag.txt");
    Files.writeString(file, "Et bilag fra eksemplet.\n");
    Process p =
        Children.java("dk.rejsepost.examples.SendRequest", net.kbhEnv.toString(), file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("queued "), out);
    assertTrue(out.contains("final delivered") || out.contains("final opened"), out);
    String id = out.substring(out.indexOf("queued ") + 7, out.indexOf("queued ") + 39);
    try (Received r = await(teamInbox, id)) {
      assertEquals(1, r.attachmentCount());
      assertEquals("bilag.txt", r.attachment(0).name());
      assertArrayEquals(Files.readAllBytes(file), r.readAttachmentBytes(0));
      team.markHandled(id);
    }
  }
}
