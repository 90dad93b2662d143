// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * A sent message's current status (rp_status).
 *
 * @param status the status
 * @param error for FAILED, the refusal's negative error code; else 0
 */
public record StatusInfo(Status status, int error) {
  /** The error's name ("EROUTE"), or null when there is none. */
  public String errorName() {
    return error == 0 ? null : Rejsepost.errorName(error);
  }
}
