// SPDX-License-Identifier: MIT
package dk.rejsepost.bench;

import dk.rejsepost.Client;
import dk.rejsepost.Config;
import dk.rejsepost.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sends per second through the Java binding: opens a client from ENVFILE (the municipality's
 * NAME=VALUE file of bindings/testnet/testnet.sh), times N sends of a small request
 * (anonymous sparring, normal urgency, no attachment; the same message as the C baseline
 * bindings/testnet/send_rate.c, receiving left on as there) and prints one line {@code
 * sends_per_s=<number>} on stdout; anything else goes to stderr.
 *
 * <pre>java -Djna.library.path=DIR -cp jna.jar:rejsepost.jar:. dk.rejsepost.bench.SendRate ENVFILE N</pre>
 */
public final class SendRate {
  private SendRate() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: SendRate ENVFILE N");
      System.exit(2);
    }
    Map<String, String> e = new HashMap<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      int eq = line.indexOf('=');
      if (eq > 0) e.put(line.substring(0, eq), line.substring(eq + 1));
    }
    int n = Integer.parseInt(args[1]);
    Client client;
    try (Config cfg =
        new Config()
            .stateDir(Path.of(e.get("STATE_DIR")))
            .relay(e.get("RELAY_HOST"), Integer.parseInt(e.get("RELAY_PORT")))
            .relayKey(e.get("RELAY_KEY"))
            .identityFile(Path.of(e.get("IDENTITY_FILE")))
            .adminKey(e.get("ADMIN_KEY"))
            .rosterFile(Path.of(e.get("ROSTER_FILE")))
            .receive(true)) {
      client = Client.open(cfg);
    }
    try (client) {
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        try (Message m = request()) {
          client.send(m);
        }
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.err.printf(Locale.ROOT, "java: %d sends in %.3f s%n", n, s);
      System.out.printf(Locale.ROOT, "sends_per_s=%.1f%n", n / s);
    }
  }

  /**
   * The request bindings/testnet/send_rate.c sends, field for field, built anew for each send
   * as the C baseline does, so that the comparison measures the same work.
   */
  public static Message request() {
    Message m = Message.create("request");
    try {
      return m.setEnum("sender_role", "myndighedsraadgiver")
          .setText("sender_ref", "bench")
          .setEnum("request_type", "anonym_sparring")
          .setEnum("urgency", "normal")
          .addToSet("categories", "negativ_social_kontrol")
          .setEnum("risk.level", "middel")
          .setEnum("risk.tool", "ingen")
          .setEnum("identifiability.mode", "anonym")
          .setEnum("identifiability.consent", "ingen")
          .setEnum("citizen.age_band", "18_22")
          .setText("question", "Hvordan griber vi samtalen an?");
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }
}
