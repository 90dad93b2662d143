// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * The status of a sent message (RP_STATUS_*). A message moves forward only: queued, relayed,
 * delivered, auto_replied, opened, answered; or from queued or relayed to one of the final
 * EXPIRED and FAILED; or, once recalled and hidden by its recipient, to the final RECALLED.
 * The codes are not that order: compare with {@link #rank()} (or {@link
 * #atLeast(Status)}), never with {@link #code()} or {@link #ordinal()}.
 */
public enum Status {
  /** A code this binding does not know (a newer library). */
  UNKNOWN(0),
  /** Durable in the local outbox. */
  QUEUED(1),
  /** The relay acknowledged storing it. */
  RELAYED(2),
  /** The recipient's library stored it (its receipt). */
  DELIVERED(3),
  /** The recipient opened it (its receipt). */
  OPENED(4),
  /** An advisor's reply, or a follow-up, refers to it. */
  ANSWERED(5),
  /** It expired at the relay undelivered. */
  EXPIRED(6),
  /** Refused for good; the status's error code says why. */
  FAILED(7),
  /** The team's inbox answered automatically; no advisor has answered yet. */
  AUTO_REPLIED(8),
  /** We recalled it and the recipient's library hid it (its receipt). Final; implies delivered. */
  RECALLED(9);

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The RP_STATUS_* value. */
  public int code() {
    return code;
  }

  /** The library's name: "queued", "relayed", ..., "recalled", "unknown" (rp_status_name). */
  public String label() {
    return Rejsepost.LIB.rp_status_name(code);
  }

  /**
   * The place in a message's progress (rp_status_rank): queued 1 ... answered 6, 7 for the
   * final EXPIRED, FAILED and RECALLED, 0 for UNKNOWN.
   */
  public int rank() {
    return Rejsepost.LIB.rp_status_rank(code);
  }

  /** True for EXPIRED, FAILED and RECALLED, after which nothing changes. */
  public boolean isFinal() {
    return rank() == 7;
  }

  /** Whether this status has reached at least {@code wanted} in the progress order. */
  public boolean atLeast(Status wanted) {
    return rank() >= wanted.rank();
  }

  /** The constant for an RP_STATUS_* value (UNKNOWN for one this binding does not know). */
  public static Status fromCode(int code) {
    for (Status s : values()) {
      if (s.code == code) return s;
    }
    return UNKNOWN;
  }
}
