// SPDX-License-Identifier: MIT
package dk.rejsepost;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Child JVMs (the example, the crash test's hosts), with the runner's settings. */
final class Children {
  private Children() {}

  static ProcessBuilder java(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String p :
        new String[] {"jna.library.path", "jna.encoding", "rejsepost.library", "rejsepost.source"}) {
      String v = System.getProperty(p);
      if (v != null) cmd.add("-D" + p + "=" + v);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("rejsepost.classpath", System.getProperty("java.class.path")));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd);
  }
}
