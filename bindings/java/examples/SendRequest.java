// SPDX-License-Identifier: MIT
package dk.rejsepost.examples;

import dk.rejsepost.Client;
import dk.rejsepost.Config;
import dk.rejsepost.Message;
import dk.rejsepost.RejsepostException;
import dk.rejsepost.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The smallest Java program that sends an advisory request with an attachment and waits for
 * its status.
 *
 * <pre>
 *   java -Djna.library.path=DIR -Djna.encoding=UTF-8 \
 *        -cp jna.jar:rejsepost.jar:. dk.rejsepost.examples.SendRequest SETTINGS FILE
 * </pre>
 *
 * SETTINGS is a file of NAME=VALUE lines: STATE_DIR, RELAY_HOST, RELAY_PORT, RELAY_KEY,
 * IDENTITY_FILE, ADMIN_KEY, ROSTER_FILE (the files bindings/testnet/testnet.sh writes have
 * this form). FILE is attached as a plain-text "andet". Exit status 0 once the team's library
 * has stored the request ("delivered"), 1 if it failed or did not get there in 30 seconds.
 */
public final class SendRequest {
  private SendRequest() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  static Map<String, String> settings(Path file) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("#")) m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return m;
  }

  static int run(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: SendRequest SETTINGS FILE");
      return 2;
    }
    Map<String, String> s = settings(Path.of(args[0]));
    Path file = Path.of(args[1]);

    // The configuration is only needed while the client opens.
    Client client;
    try (Config cfg =
        new Config()
            .stateDir(Path.of(s.get("STATE_DIR")))
            .relay(s.get("RELAY_HOST"), Integer.parseInt(s.get("RELAY_PORT")))
            .relayKey(s.get("RELAY_KEY"))
            .identityFile(Path.of(s.get("IDENTITY_FILE")))
            .passphraseEnv("REJSEPOST_PASSPHRASE")
            .adminKey(s.get("ADMIN_KEY"))
            .rosterFile(Path.of(s.get("ROSTER_FILE")))
            // Runs on the library's own thread: print only.
            .onStatus((c, id, status, error) -> System.out.println("status " + status.label()))) {
      client = Client.open(cfg);
    }

    try (client;
        Message m =
            Message.create("request")
                .setEnum("sender_role", "myndighedsraadgiver")
                .setText("sender_ref", "java-example-1")
                .setEnum("request_type", "konkret_sag")
                .setEnum("urgency", "akut")
                .addToSet("categories", "trusler")
                .setEnum("risk.level", "hoej")
                .setBool("risk.acute", true)
                .setEnum("risk.tool", "ingen")
                .setEnum("citizen.age_band", "18_22")
                .setBool("citizen.under_18", false)
                .setEnum("identifiability.mode", "anonym")
                .setEnum("identifiability.consent", "ingen")
                .setText("question", "Borgeren frygter en rejse til udlandet. Hvad gør vi nu?")
                .attach(file, null, "text/plain", "andet")) {
      String id = client.send(m);
      System.out.println("queued " + id);
      Status st = client.awaitStatus(id, Status.DELIVERED, 30_000);
      System.out.println("final " + st.label());
      return st.atLeast(Status.DELIVERED) && !st.isFinal() ? 0 : 1;
    } catch (RejsepostException e) {
      // getName() is the library's error name; getField() the field at fault, if any.
      System.err.println("send failed: " + e.getName() + " " + e.getMessage());
      return 1;
    }
  }
}
