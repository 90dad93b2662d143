// SPDX-License-Identifier: MIT
package dk.rejsepost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every symbol the library exports (tests/client/abi.symbols) is bound by this binding: it is
 * declared in NativeLib and called by the public classes (src/main/java). A symbol added to
 * the library fails this test until the binding covers it or it is excluded below with a
 * reason.
 */
class CoverageTest {
  /** Symbols deliberately not bound, each with its reason. None today. */
  static final Map<String, String> EXCLUDED = Map.of();

  @Test
  void everyExportedSymbolIsBound() throws Exception {
    Path src = TestNet.source();
    List<String> exported =
        Files.readAllLines(src.resolve("tests/client/abi.symbols")).stream()
            .map(String::trim)
            .filter(s -> !s.isEmpty() && !s.startsWith("#"))
            .toList();
    assertTrue(exported.size() > 90, "abi.symbols read: " + exported.size());

    Set<String> declared = new TreeSet<>();
    for (Method m : NativeLib.class.getDeclaredMethods()) declared.add(m.getName());

    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(src.resolve("bindings/java/src/main/java"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        all.append(Files.readString(p)).append('\n');
      }
    }
    String code = all.toString();

    List<String> missing = new ArrayList<>();
    for (String sym : exported) {
      if (EXCLUDED.containsKey(sym)) continue;
      boolean called = code.contains("LIB." + sym + "(") || code.contains("LIB::" + sym + ")");
      if (!declared.contains(sym) || !called) missing.add(sym);
    }
    assertEquals(List.of(), missing, "exported symbols the Java binding does not cover");

    // Nothing bound that the library does not export (a typo would fail only when called).
    List<String> extra = new ArrayList<>(declared);
    extra.removeAll(exported);
    assertEquals(List.of(), extra, "NativeLib methods that are not exported symbols");
  }
}
