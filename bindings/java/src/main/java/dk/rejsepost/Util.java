// SPDX-License-Identifier: MIT
package dk.rejsepost;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;

/** Helpers shared by the wrappers. */
final class Util {
  private Util() {}

  /** The safety net for handles that were never closed. */
  static final Cleaner CLEANER = Cleaner.create();

  private static final ThreadLocal<int[]> CALLBACK_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  /** Marks the current thread as running one of our callbacks (the library's thread). */
  static void enterCallback() {
    CALLBACK_DEPTH.get()[0]++;
  }

  static void exitCallback() {
    CALLBACK_DEPTH.get()[0]--;
  }

  static boolean inCallback() {
    return CALLBACK_DEPTH.get()[0] > 0;
  }

  /** A NUL-terminated UTF-8 string the library owns (or lends), copied; null stays null. */
  static String utf8(Pointer p) {
    return p == null ? null : p.getString(0, "UTF-8");
  }

  /** len bytes of UTF-8 at p, copied. */
  static String utf8(Pointer p, long len) {
    if (p == null || len == 0) return "";
    return new String(p.getByteArray(0, (int) len), StandardCharsets.UTF_8);
  }

  /** A string the caller owns (char **): copied, then freed with rp_free. */
  static String takeString(PointerByReference ref) {
    Pointer p = ref.getValue();
    if (p == null) return null;
    try {
      return p.getString(0, "UTF-8");
    } finally {
      Rejsepost.LIB.rp_free(p);
    }
  }

  /** Writes a size_t at p. */
  static void setSizeT(Pointer p, long v) {
    if (p == null) return;
    if (Native.SIZE_T_SIZE == 8) p.setLong(0, v);
    else p.setInt(0, (int) v);
  }

  /** The UTF-8 byte offset of Java char index idx in s (clamped to s). */
  static long byteOffset(String s, int idx) {
    if (idx <= 0) return 0;
    if (idx > s.length()) idx = s.length();
    return s.substring(0, idx).getBytes(StandardCharsets.UTF_8).length;
  }

  /** Hands a callback's exception to the handler; never throws. */
  static void report(CallbackErrorHandler h, String callback, Throwable t) {
    try {
      if (h != null) {
        h.onCallbackError(callback, t);
      } else {
        System.err.println("rejsepost: the " + callback + " callback threw:");
        t.printStackTrace();
      }
    } catch (Throwable ignored) {
      // A handler that throws has nowhere further to report to.
    }
  }

  static final CallbackErrorHandler DEFAULT_HANDLER =
      (callback, t) -> {
        System.err.println("rejsepost: the " + callback + " callback threw:");
        t.printStackTrace();
      };
}
