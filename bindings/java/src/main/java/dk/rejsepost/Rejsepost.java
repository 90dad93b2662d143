// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Library-wide facts: versions and error names. Loading this class loads librejsepost
 * (found in {@code -Djna.library.path=DIR}, or named by {@code -Drejsepost.library=FILE})
 * and checks that its major version is the one this binding was written for.
 */
public final class Rejsepost {
  /** The C API version this binding covers (include/rejsepost.h). */
  public static final int BINDING_MAJOR = 0;

  public static final int BINDING_MINOR = 1;

  static final NativeLib LIB = NativeLib.LIB;

  static {
    int v = LIB.rp_version();
    int major = (v >>> 16) & 0xff;
    int minor = (v >>> 8) & 0xff;
    if (major != BINDING_MAJOR || minor < BINDING_MINOR) {
      throw new UnsatisfiedLinkError(
          "librejsepost "
              + LIB.rp_version_string()
              + " is not compatible with this binding (needs "
              + BINDING_MAJOR
              + "."
              + BINDING_MINOR
              + ".x or a later minor)");
    }
  }

  private Rejsepost() {}

  /** The library's version as (major &lt;&lt; 16) | (minor &lt;&lt; 8) | patch (rp_version). */
  public static int version() {
    return LIB.rp_version();
  }

  /** The library's version as "0.1.0" (rp_version_string). */
  public static String versionString() {
    return LIB.rp_version_string();
  }

  /**
   * This binding's version (the library version it was built with: the build writes it into
   * the jar as dk/rejsepost/version.properties), or null when it runs from loose classes.
   */
  public static String bindingVersion() {
    try (java.io.InputStream in = Rejsepost.class.getResourceAsStream("version.properties")) {
      if (in == null) return null;
      java.util.Properties p = new java.util.Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** The symbolic name of an error code ("EINVAL"; "UNKNOWN" for values not in the map). */
  public static String errorName(int code) {
    return LIB.rp_err_name(code);
  }

  /** The sentence for an error code (rp_strerror). */
  public static String strerror(int code) {
    return LIB.rp_strerror(code);
  }

  /** Throws a RejsepostException for a negative code. */
  static void check(int rc) {
    if (rc != 0) throw new RejsepostException(rc);
  }
}
