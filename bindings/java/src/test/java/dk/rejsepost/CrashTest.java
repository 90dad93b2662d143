// SPDX-License-Identifier: MIT
package dk.rejsepost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A host process is killed -9 right after send returns, before anything could reach the relay
 * (the relay is down); a new host process on the same state folder delivers the request,
 * and the team receives it exactly once.
 */
class CrashTest {
  @Test
  void sentThenKilledIsDeliveredExactlyOnce() throws Exception {
    try (TestNet net = TestNet.up()) {
      net.relayKill();
      Process child =
          Children.java("dk.rejsepost.CrashChild", "send", net.kbhEnv.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String line;
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        line = r.readLine();
        child.destroyForcibly(); // SIGKILL, the moment send has returned
      }
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      assertEquals(137, child.exitValue(), "killed by SIGKILL");
      assertTrue(line != null && line.startsWith("sent "), "child said: " + line);
      String id = line.substring(5).trim();

      net.relayStart();
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      try (Config cfg = TestNet.config(net.teamEnv).onReceive((c, r) -> seen.add(r.msgId()));
          Client team = Client.open(cfg)) {
        Process again =
            Children.java("dk.rejsepost.CrashChild", "deliver", net.kbhEnv.toString(), id)
                .redirectErrorStream(true)
                .start();
        String out = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(again.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, again.exitValue(), out);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!seen.contains(id) && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(1000); // room for a duplicate to show up
        assertEquals(1, seen.stream().filter(id::equals).count(), "deliveries of " + id);
        int inInbox = 0;
        for (var next = team.inboxNext(); next.isPresent(); next = team.inboxNext()) {
          try (Received r = next.get()) {
            if (r.msgId().equals(id)) inInbox++;
          }
        }
        assertEquals(1, inInbox, "copies in the team's inbox");
      }
    }
  }
}
