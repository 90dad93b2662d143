// SPDX-License-Identifier: MIT
package dk.rejsepost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * Erasure through the Java binding against a real relay: the retention of the client store
 * (Config.retention) and a host's own erasure of a thread (Client.eraseThread). The team keeps
 * finished messages 300 ms; kbh keeps the default (30 days).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErasureTest {
  static final long WAIT_MS = 20_000;
  static final long RETENTION_MS = 300;

  TestNet net;
  Client kbh;
  Client team;

  @BeforeAll
  void up() throws Exception {
    net = TestNet.up();
    try (Config cfg = TestNet.config(net.kbhEnv)) {
      kbh = Client.open(cfg);
    }
    try (Config cfg = TestNet.config(net.teamEnv).retention(RETENTION_MS)) {
      team = Client.open(cfg);
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

  static void assertNotFound(Executable call) {
    RejsepostException e = assertThrows(RejsepostException.class, call);
    assertEquals(RejsepostErrors.ENOTFOUND, e.getCode(), e.getMessage());
  }

  /** The next message offered to c, which must be msgId (not marked handled); yours. */
  static Received next(Client c, String msgId) throws InterruptedException {
    long end = System.nanoTime() + WAIT_MS * 1_000_000L;
    Optional<Received> r = c.inboxNext();
    while (r.isEmpty() && System.nanoTime() < end) {
      Thread.sleep(20);
      r = c.inboxNext();
    }
    assertTrue(r.isPresent(), c.memberId() + " waited in vain for " + msgId);
    assertEquals(msgId, r.get().msgId());
    return r.get();
  }

  /** True once c's inbox no longer holds msgId, polled up to timeoutMs. */
  static boolean goneWithin(Client c, String msgId, long timeoutMs) throws Exception {
    long end = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < end) {
      try (Received r = c.inboxGet(msgId)) {
        Thread.sleep(20);
      } catch (RejsepostException e) {
        if (e.getCode() == RejsepostErrors.ENOTFOUND) return true;
        throw e;
      }
    }
    return false;
  }

  @Test
  void retentionDeletesAHandledMessageOnlyOnceHandled() throws Exception {
    String id;
    try (Message m = Samples.request("Hvordan griber vi samtalen an?", "normal")) {
      id = kbh.send(m);
    }
    try (Received r = next(team, id)) {
      assertEquals("request", r.kind());
    }
    // Unhandled, it stays however long it waits: several sweeps (at least 1 s apart) pass.
    Thread.sleep(1_500);
    try (Received r = team.inboxGet(id)) {
      assertEquals(id, r.msgId());
    }
    team.markHandled(id);
    // Handled, it is gone after the retention, at the next sweep (at most about 1 s).
    assertTrue(goneWithin(team, id, 5_000), "the handled request outlived the retention");
    assertEquals(0, team.inboxPending());
    // The sender's copy follows its own (default) retention: still there.
    assertTrue(kbh.status(id).status().atLeast(Status.DELIVERED));
  }

  @Test
  void eraseThreadErasesSentAndReceived() throws Exception {
    String request;
    try (Message m =
        Samples.request("Må vi dele planen med skolen?", "normal")
            .attach(
                "%PDF-1.4\n%%EOF\n".getBytes(StandardCharsets.US_ASCII),
                "plan.pdf",
                "application/pdf",
                "handlingsplan")) {
      request = kbh.send(m);
    }
    String reply;
    try (Received r = next(team, request)) {
      assertEquals(1, r.attachmentCount());
      try (Message m = Samples.reply(request, "Ja, med borgerens samtykke.")) {
        reply = team.send(m);
      }
    }
    try (Received r = next(kbh, reply)) {
      assertEquals(request, r.threadId());
    }
    assertEquals(Status.ANSWERED, kbh.awaitStatus(request, Status.ANSWERED, WAIT_MS));
    assertEquals(1, kbh.inboxPending());

    // kbh erases the thread: its request (sent) and the reply (received, unhandled) go.
    kbh.eraseThread(request);
    assertNotFound(() -> kbh.status(request));
    assertNotFound(() -> kbh.inboxGet(reply));
    assertEquals(0, kbh.inboxPending());
    assertTrue(kbh.outbox().stream().noneMatch(e -> e.threadId().equals(request)));
    // The team's copy is its own: untouched until the team erases it too.
    try (Received r = team.inboxGet(request)) {
      assertEquals(request, r.threadId());
    }
    team.eraseThread(request);
    assertNotFound(() -> team.inboxGet(request));
    assertNotFound(() -> team.status(reply));
    // A thread with nothing left is no error; a malformed id is.
    kbh.eraseThread(request);
    RejsepostException e =
        assertThrows(RejsepostException.class, () -> kbh.eraseThread("not a thread id"));
    assertEquals(RejsepostErrors.EINVAL, e.getCode());
  }
}
