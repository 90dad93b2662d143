// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * A failure reported by librejsepost: one of the library's negative error codes, with its
 * symbolic name ({@code "ECPR"}, from {@code rp_err_name}) and its sentence ({@code
 * rp_strerror}). For a message error, {@link #getField()} names the field at fault ({@code
 * "urgency"}, {@code "attachments.1"}) and {@link #getDetail()} is the library's line for a
 * person ({@code rp_msg_error_text}: for an unknown enumeration value it lists the allowed
 * ones). For a configuration error, the detail is {@code rp_config_error}'s text. The detail
 * never repeats the text a CPR or content-hook refusal objects to.
 */
public class RejsepostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String name;
  private final String field;
  private final String detail;
  private final long offset;

  RejsepostException(int code, String field, String detail, long offset, Throwable cause) {
    super(format(code, field, detail), cause);
    this.code = code;
    this.name = Rejsepost.errorName(code);
    this.field = field;
    this.detail = detail;
    this.offset = offset;
  }

  RejsepostException(int code) {
    this(code, null, null, -1, null);
  }

  RejsepostException(int code, String detail) {
    this(code, null, detail, -1, null);
  }

  private static String format(int code, String field, String detail) {
    StringBuilder sb = new StringBuilder();
    sb.append(Rejsepost.errorName(code)).append(": ").append(Rejsepost.strerror(code));
    if (detail != null && !detail.isEmpty()) {
      sb.append(" (").append(detail).append(')');
    } else if (field != null) {
      sb.append(" (field ").append(field).append(')');
    }
    return sb.toString();
  }

  /** The symbolic name without the RP_ prefix: "EINVAL", "ECPR", ... ("UNKNOWN" if new). */
  public String getName() {
    return name;
  }

  /** The library's negative error code (RP_E*). */
  public int getCode() {
    return code;
  }

  /** The field at fault (rp_msg_error_field), or null if the error names none. */
  public String getField() {
    return field;
  }

  /** The library's explanation (rp_msg_error_text or rp_config_error), or null. */
  public String getDetail() {
    return detail;
  }

  /**
   * For a CPR or content-hook refusal, the byte offset (UTF-8) in the field's text that was
   * refused (rp_msg_error_offset); -1 when not a message error.
   */
  public long getOffset() {
    return offset;
  }
}
