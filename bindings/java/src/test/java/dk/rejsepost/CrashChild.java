// SPDX-License-Identifier: MIT
package dk.rejsepost;

import java.nio.file.Path;

/**
 * The crash test's host process. "send ENVFILE": sends one request, prints "sent ID" the
 * moment send returns, and then hangs (the parent kills it -9). "deliver ENVFILE ID": opens
 * a client on the same state folder and waits until ID is relayed; prints "relayed".
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path env = Path.of(args[1]);
    Client c;
    try (Config cfg = TestNet.config(env)) {
      c = Client.open(cfg);
    }
    if (args[0].equals("send")) {
      try (Message m = Samples.request("Sendt lige før et nedbrud.", "akut")) {
        String id = c.send(m);
        System.out.println("sent " + id);
        System.out.flush();
      }
      Thread.sleep(60_000);
      System.exit(3); // not reached: killed
    }
    Status st = c.awaitStatus(args[2], Status.RELAYED, 30_000);
    System.out.println(st.label());
    c.close();
    System.exit(st.atLeast(Status.RELAYED) && !st.isFinal() ? 0 : 1);
  }
}
