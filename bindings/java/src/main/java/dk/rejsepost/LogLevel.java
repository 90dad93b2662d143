// SPDX-License-Identifier: MIT
package dk.rejsepost;

/** Levels of the library's log lines (RP_LOG_*), most severe first. */
public enum LogLevel {
  /** The library cannot do its work (a local store or memory failed). */
  ERROR,
  /** Something was refused or failed. */
  WARN,
  /** The connection and the delivery stream. */
  INFO;

  static LogLevel fromCode(int level) {
    return level <= 1 ? ERROR : level == 2 ? WARN : INFO;
  }
}
