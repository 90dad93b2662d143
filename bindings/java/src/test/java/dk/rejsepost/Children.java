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
    // JVM options may come first: "-Dx=y", ..., then the main class and its arguments.
    int i = 0;
    String main = mainClass;
    while (main.startsWith("-") && i < args.length) {
      cmd.add(cmd.size() - 2, main);
      main = args[i++];
    }
    cmd.add(main);
    cmd.addAll(List.of(args).subList(i, args.length));
    return new ProcessBuilder(cmd);
  }
}
