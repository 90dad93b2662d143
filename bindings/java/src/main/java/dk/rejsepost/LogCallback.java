// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * One log line of the library ("event key=value ...", no content of any message), for an
 * ordinary log (rp_config_set_log). <b>Runs on the library's own loop thread</b>; return
 * quickly. An exception thrown here is caught and handed to the {@link CallbackErrorHandler}.
 */
@FunctionalInterface
public interface LogCallback {
  void onLog(LogLevel level, String line) throws Exception;
}
