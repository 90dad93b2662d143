// SPDX-License-Identifier: MIT
package dk.rejsepost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away network for a test class: bindings/testnet/testnet.sh in a fresh temporary
 * folder, with a real relay on a free loopback port. Paths come from the system properties
 * the test runner sets: rejsepost.source (the source tree) and rejsepost.build (the CMake
 * build folder).
 */
final class TestNet implements AutoCloseable {
  final Path root;
  final Path dir;
  final Path kbhEnv;
  final Path teamEnv;

  private TestNet(Path root) {
    this.root = root;
    this.dir = root.resolve("net");
    this.kbhEnv = dir.resolve("kbh.env");
    this.teamEnv = dir.resolve("team.env");
  }

  static Path source() {
    return Path.of(System.getProperty("rejsepost.source", "../.."));
  }

  static Path build() {
    return Path.of(System.getProperty("rejsepost.build", "../../build/release"));
  }

  static TestNet up() throws Exception {
    TestNet n = new TestNet(Files.createTempDirectory("rp-java-"));
    n.script("up", n.dir.toString(), build().toString());
    return n;
  }

  void script(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add("bash");
    cmd.add(source().resolve("bindings/testnet/testnet.sh").toString());
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("testnet.log").toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("testnet.sh " + args[0] + " timed out");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "testnet.sh " + args[0] + " failed: " + Files.readString(root.resolve("testnet.log")));
    }
  }

  void relayKill() throws Exception {
    script("relay-kill", dir.toString());
  }

  void relayStart() throws Exception {
    script("relay-start", dir.toString());
  }

  /** The NAME=VALUE lines of an env file. */
  static Map<String, String> readEnv(Path env) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(env)) {
      int eq = line.indexOf('=');
      if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return m;
  }

  /** A configuration for the member of an env file, with a quick backoff for tests. */
  static Config config(Path env) throws IOException {
    Map<String, String> e = readEnv(env);
    return new Config()
        .stateDir(Path.of(e.get("STATE_DIR")))
        .relay(e.get("RELAY_HOST"), Integer.parseInt(e.get("RELAY_PORT")))
        .relayKey(e.get("RELAY_KEY"))
        .identityFile(Path.of(e.get("IDENTITY_FILE")))
        .adminKey(e.get("ADMIN_KEY"))
        .rosterFile(Path.of(e.get("ROSTER_FILE")))
        .backoff(20, 500);
  }

  @Override
  public void close() throws Exception {
    script("down", dir.toString());
    if (!Boolean.getBoolean("rejsepost.keep")) deleteTree(root);
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              q -> {
                try {
                  Files.deleteIfExists(q);
                } catch (IOException ignored) {
                  // best effort
                }
              });
    }
  }
}
