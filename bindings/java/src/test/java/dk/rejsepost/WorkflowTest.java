// SPDX-License-Identifier: MIT
package dk.rejsepost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The municipality's whole workflow through the Java binding against a real relay: the Java
 * side of bindings/testnet/workflow.c, step for step, each message checked on the other side
 * (its kind, its thread, the message it refers to, its fields). Both members poll their inbox
 * as the C program does. Some messages are built from JSON as there, others with the builder.
 *
 * <p>The steps run in order and share the ids; a step whose predecessor failed is skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkflowTest {
  static final long WAIT_MS = 20_000;
  static final long DAY_MS = 86_400_000L;
  static final byte[] PLAN_PDF =
      "%PDF-1.4\n% udkast til handlingsplan\n%%EOF\n".getBytes(StandardCharsets.US_ASCII);

  TestNet net;
  Client kbh;
  Client team;
  int stepsDone;
  final java.util.concurrent.ConcurrentLinkedQueue<String> kbhLog =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  String plan;
  String ask;
  String proposal;
  String announcement;
  String oops;
  final long slot1 = System.currentTimeMillis() + 3 * DAY_MS;
  final long slot2 = System.currentTimeMillis() + 4 * DAY_MS;

  @BeforeAll
  void up() throws Exception {
    net = TestNet.up();
    // kbh's first relay address is a dead port: the client moves on to the second one
    // (Config.addRelay) at once, as a standby address would be used.
    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    Map<String, String> e = TestNet.readEnv(net.kbhEnv);
    try (Config cfg =
        TestNet.config(net.kbhEnv)
            .relay(e.get("RELAY_HOST"), dead)
            .addRelay(e.get("RELAY_HOST"), Integer.parseInt(e.get("RELAY_PORT")))
            .onLog((level, line) -> kbhLog.add(line))
            .receive(true)) {
      kbh = Client.open(cfg);
    }
    try (Config cfg = TestNet.config(net.teamEnv).receive(true)) {
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

  /** Runs only when every earlier step held. */
  void step(int n) {
    assumeTrue(stepsDone == n - 1, "an earlier step failed");
  }

  /**
   * The next message in c's inbox (polled as workflow.c does), which must be of kind; marked
   * handled before it is returned. The caller closes it.
   */
  static Received receive(Client c, String kind) throws InterruptedException {
    long end = System.nanoTime() + WAIT_MS * 1_000_000L;
    Optional<Received> next = c.inboxNext();
    while (next.isEmpty() && System.nanoTime() < end) {
      Thread.sleep(20);
      next = c.inboxNext();
    }
    assertTrue(next.isPresent(), c.memberId() + " waited in vain for a " + kind);
    Received r = next.get();
    try {
      assertEquals(kind, r.kind(), c.memberId() + " expected a " + kind);
      c.markHandled(r.msgId());
      return r;
    } catch (Throwable t) {
      r.close();
      throw t;
    }
  }

  /** call must fail with ENOTFOUND (the message is not in the store). */
  static void assertNotFound(org.junit.jupiter.api.function.Executable call) {
    RejsepostException e = assertThrows(RejsepostException.class, call);
    assertEquals(RejsepostErrors.ENOTFOUND, e.getCode(), e.getMessage());
  }

  static String sendJson(Client c, String json) {
    try (Message m = Message.fromJson(json)) {
      return c.send(m);
    }
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** 1. A plan for review, with the draft attached (builder, attachment from a file). */
  @Test
  @Order(1)
  void planReviewWithTheDraft() throws Exception {
    step(1);
    Path pdf = net.root.resolve("handlingsplan.pdf");
    Files.write(pdf, PLAN_PDF);
    try (Message m =
        Message.create("plan_review")
            .setEnum("plan", "handlingsplan")
            .setText("question", "Er planen realistisk?")
            .attach(pdf, null, "application/pdf", "handlingsplan")) {
      plan = kbh.send(m);
    }
    try (Received r = receive(team, "plan_review")) {
      assertEquals(plan, r.msgId());
      assertEquals(plan, r.threadId());
      assertEquals("kbh", r.sender());
      assertNull(r.inReplyTo());
      assertEquals("handlingsplan", r.getEnum("plan"));
      assertEquals("101", r.getText("sender_org"));
      assertEquals(1, r.attachmentCount());
      Attachment a = r.attachment(0);
      assertEquals("handlingsplan.pdf", a.name());
      assertEquals("application/pdf", a.mime());
      assertEquals("handlingsplan", a.kind());
      assertEquals(PLAN_PDF.length, a.size());
      assertEquals(sha256(PLAN_PDF), sha256(r.readAttachmentBytes(0)));
    }
    // kbh got there through its second relay address, after the dead first one.
    assertTrue(kbhLog.stream().anyMatch(l -> l.contains("relay_next")), kbhLog.toString());
    stepsDone = 1;
  }

  /** 2. More information asked for (builder) and given (JSON follow_up). */
  @Test
  @Order(2)
  void infoRequestAnsweredByAFollowUp() throws Exception {
    step(2);
    try (Message m =
        Message.create("info_request")
            .setHex("in_reply_to", plan)
            .setText("questions", "Hvem deltager i netværksmødet?")
            .addToSet("topics", "netvaerk")) {
      ask = team.send(m);
    }
    try (Received r = receive(kbh, "info_request")) {
      assertEquals(plan, r.threadId());
      assertEquals(plan, r.getHex("in_reply_to"));
      assertEquals(plan, r.inReplyTo());
      assertEquals("team", r.sender());
      assertEquals("Hvem deltager i netværksmødet?", r.getText("questions"));
      assertEquals(List.of("netvaerk"), r.getSet("topics"));
    }
    String answer =
        sendJson(
            kbh,
            "{\"kind\":\"follow_up\",\"in_reply_to\":\""
                + ask
                + "\",\"text\":\"Mor, skolen og SSP.\"}");
    try (Received r = receive(team, "follow_up")) {
      assertEquals(answer, r.msgId());
      assertEquals(plan, r.threadId());
      assertEquals(ask, r.getHex("in_reply_to"));
      assertEquals("Mor, skolen og SSP.", r.getText("text"));
    }
    // The team's question answered the plan; kbh's follow-up answered the question.
    assertEquals(Status.ANSWERED, kbh.awaitStatus(plan, Status.ANSWERED, WAIT_MS));
    assertEquals(Status.ANSWERED, team.awaitStatus(ask, Status.ANSWERED, WAIT_MS));
    stepsDone = 2;
  }

  /** 3. A meeting proposed with two slots (builder, a list), the second confirmed (JSON). */
  @Test
  @Order(3)
  void meetingProposedAndConfirmed() throws Exception {
    step(3);
    try (Message m =
        Message.create("meeting_proposal")
            .setHex("meeting_ref", plan)
            .setEnum("mode", "online")
            .listAdd("slots")
            .setUint("slots.start", slot1)
            .setUint("slots.end", slot1 + 3_600_000L)
            .listAdd("slots")
            .setUint("slots.start", slot2)
            .setUint("slots.end", slot2 + 3_600_000L)) {
      proposal = team.send(m);
    }
    try (Received r = receive(kbh, "meeting_proposal")) {
      assertEquals(plan, r.threadId());
      assertEquals(plan, r.getHex("meeting_ref"));
      assertEquals("online", r.getEnum("mode"));
      assertEquals(2, r.listCount("slots"));
      assertEquals(slot1, r.getUint("slots.0.start"));
      assertEquals(slot2, r.getUint("slots.1.start"));
      assertEquals(slot2 + 3_600_000L, r.getUint("slots.1.end"));
    }
    String conf =
        sendJson(
            kbh,
            String.format(
                "{\"kind\":\"meeting_confirmation\",\"meeting_ref\":\"%s\",\"mode\":\"online\","
                    + "\"slot\":{\"start\":%d,\"end\":%d}}",
                proposal, slot2, slot2 + 3_600_000L));
    try (Received r = receive(team, "meeting_confirmation")) {
      assertEquals(conf, r.msgId());
      assertEquals(plan, r.threadId());
      assertEquals(proposal, r.getHex("meeting_ref"));
      assertEquals(proposal, r.inReplyTo());
      assertEquals(slot2, r.getUint("slot.start"));
      assertEquals(slot2 + 3_600_000L, r.getUint("slot.end"));
    }
    stepsDone = 3;
  }

  /** 4. A network meeting announced (JSON, with a recipient); kbh registers two (builder). */
  @Test
  @Order(4)
  void networkMeetingAnnouncedAndRegistered() throws Exception {
    step(4);
    announcement =
        sendJson(
            team,
            "{\"kind\":\"network_announcement\",\"network\":\"oest\",\"event_on\":"
                + "\"2099-03-12\",\"host_org\":\"101\",\"title\":\"Netværksmøde øst\","
                + "\"programme\":\"Kontrol og trusler i familien\","
                + "\"registration_deadline\":\"2099-03-01\",\"recipient\":\"kbh\"}");
    try (Received r = receive(kbh, "network_announcement")) {
      assertEquals(announcement, r.msgId());
      assertEquals(announcement, r.threadId()); // refers to nothing: a thread of its own
      assertEquals("oest", r.getEnum("network"));
      assertEquals("Netværksmøde øst", r.getText("title"));
      assertEquals("2099-03-01", r.getText("registration_deadline"));
    }
    String reg;
    try (Message m =
        Message.create("registration")
            .setHex("announcement_ref", announcement)
            .setEnum("answer", "tilmeldt")
            .setUint("participants", 2)
            .addToSet("roles", "ssp")
            .addToSet("roles", "skole")) {
      reg = kbh.send(m);
    }
    try (Received r = receive(team, "registration")) {
      assertEquals(reg, r.msgId());
      assertEquals(announcement, r.threadId());
      assertEquals(announcement, r.getHex("announcement_ref"));
      assertEquals("tilmeldt", r.getEnum("answer"));
      assertEquals(2, r.getUint("participants"));
      assertEquals(Set.of("skole", "ssp"), Set.copyOf(r.getSet("roles")));
      assertEquals("101", r.getText("sender_org"));
    }
    stepsDone = 4;
  }

  /**
   * 5. A follow-up sent by mistake (builder) and recalled at once (JSON), as workflow.c does.
   * The team's library hides the follow-up when the recall arrives and answers with the receipt
   * "recalled": once kbh's status of the follow-up is RECALLED, the team is offered the recall
   * and never the follow-up, whose copy is marked recalled.
   */
  @Test
  @Order(5)
  void followUpSentByMistakeAndRecalled() throws Exception {
    step(5);
    try (Message m =
        Message.create("follow_up").setHex("in_reply_to", plan).setText("text", "Forkert sag.")) {
      oops = kbh.send(m);
    }
    String recall =
        sendJson(
            kbh, "{\"kind\":\"recall\",\"about\":\"" + oops + "\",\"reason\":\"forkert_indhold\"}");
    assertEquals(Status.RECALLED, kbh.awaitStatus(oops, Status.RECALLED, WAIT_MS));
    assertTrue(kbh.status(oops).status().isFinal());
    assertTrue(kbh.statusTime(oops, Status.RECALLED) > 0);
    assertTrue(kbh.statusTime(oops, Status.DELIVERED) > 0, "recalled implies delivered");
    try (Received r = receive(team, "recall")) {
      assertEquals(recall, r.msgId());
      assertEquals(oops, r.getHex("about"));
      assertEquals(oops, r.inReplyTo());
      assertEquals(plan, r.threadId());
      assertEquals("forkert_indhold", r.getEnum("reason"));
    }
    try (Received r = team.inboxGet(oops)) {
      assertEquals("follow_up", r.kind());
      assertEquals(plan, r.threadId());
      assertTrue(r.isRecalled(), "the team's copy is marked recalled");
      assertFalse(r.isHandled());
    }
    assertEquals(0, team.inboxPending(), "the recalled follow-up is not pending");
    assertTrue(team.inboxNext().isEmpty(), "the recalled follow-up is not offered");
    stepsDone = 5;
  }

  /**
   * 5b. A follow-up the team has already read and marked handled, recalled after: the copy is
   * marked recalled all the same and kbh's status becomes RECALLED.
   */
  @Test
  @Order(6)
  void followUpReadThenRecalled() throws Exception {
    step(6);
    String late;
    try (Message m =
        Message.create("follow_up").setHex("in_reply_to", plan).setText("text", "Også forkert.")) {
      late = kbh.send(m);
    }
    try (Received r = receive(team, "follow_up")) {
      assertEquals(late, r.msgId());
      assertFalse(r.isRecalled());
    }
    try (Message m =
        Message.create("recall").setHex("about", late).setEnum("reason", "dublet")) {
      kbh.send(m);
    }
    assertEquals(Status.RECALLED, kbh.awaitStatus(late, Status.RECALLED, WAIT_MS));
    try (Received r = receive(team, "recall")) {
      assertEquals(late, r.getHex("about"));
    }
    try (Received r = team.inboxGet(late)) {
      assertTrue(r.isRecalled());
      assertTrue(r.isHandled());
    }
    stepsDone = 6;
  }

  /** 6. The citizen withdraws consent (builder, the thread set explicitly). */
  @Test
  @Order(7)
  void consentWithdrawn() throws Exception {
    step(7);
    String consent;
    try (Message m = Message.create("consent_withdrawn").setEnum("by", "borger").setThread(plan)) {
      consent = kbh.send(m);
    }
    try (Received r = receive(team, "consent_withdrawn")) {
      assertEquals(consent, r.msgId());
      assertEquals(plan, r.threadId());
      assertEquals("borger", r.getEnum("by"));
    }
    // Everything offered was taken and marked handled on both sides.
    assertEquals(0, team.inboxPending());
    assertEquals(0, kbh.inboxPending());

    // The team marked the consent_withdrawn handled (receive): its library erased the whole
    // thread there and then, the consent_withdrawn too, what it sent in it as well.
    for (String id : List.of(plan, oops, consent)) assertNotFound(() -> team.inboxGet(id));
    for (String id : List.of(ask, proposal)) assertNotFound(() -> team.status(id));
    // kbh's library erased the rest of the thread once the relay had the consent_withdrawn
    // (its ACK; the team's delivered receipt comes after it on the same connection): the
    // messages it received in the thread and those it sent are gone, the
    // consent_withdrawn alone stays, so that its progress can still be followed.
    assertTrue(kbh.awaitStatus(consent, Status.DELIVERED, WAIT_MS).atLeast(Status.DELIVERED));
    for (String id : List.of(ask, proposal)) assertNotFound(() -> kbh.inboxGet(id));
    for (String id : List.of(plan, oops)) assertNotFound(() -> kbh.status(id));
    assertEquals(
        List.of(consent),
        kbh.outbox().stream().filter(e -> e.threadId().equals(plan)).map(e -> e.msgId()).toList(),
        "kbh's outbox keeps only the consent_withdrawn of the thread");
    // The other thread (the network meeting) is untouched on both sides.
    try (Received r = kbh.inboxGet(announcement)) {
      assertEquals("network_announcement", r.kind());
    }
    assertTrue(team.status(announcement).status().atLeast(Status.DELIVERED));
    stepsDone = 7;
  }
}
