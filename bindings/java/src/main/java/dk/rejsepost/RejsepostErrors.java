// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * The library's error codes (rejsepost_errors.h), as they appear in {@link
 * RejsepostException#getCode()}, {@link StatusInfo#error()} and {@link Client#lastError()}.
 * Codes are never renumbered; a test checks these against the library's own names.
 */
public final class RejsepostErrors {
  private RejsepostErrors() {}

  /** Invalid argument. */
  public static final int EINVAL = -1;

  /** Out of memory. */
  public static final int ENOMEM = -2;

  /** Internal error. */
  public static final int EINTERNAL = -3;

  /** Input/output error. */
  public static final int EIO = -4;

  /** Value exceeds a limit. */
  public static final int ETOOBIG = -5;

  /** Input is truncated. */
  public static final int ETRUNC = -6;

  /** Malformed encoding. */
  public static final int EMALFORMED = -7;

  /** Field has the wrong type. */
  public static final int ETYPE = -8;

  /** Required field is missing. */
  public static final int EMISSING = -9;

  /** Unknown enumeration value. */
  public static final int EENUM = -10;

  /** Text is not valid UTF-8. */
  public static final int EUTF8 = -11;

  /** Unsupported version. */
  public static final int EVERSION = -12;

  /** Nesting too deep. */
  public static final int EDEPTH = -13;

  /** Cryptographic operation failed. */
  public static final int ECRYPTO = -14;

  /** Authentication failed: data was altered or the key is wrong. */
  public static final int EAUTH = -15;

  /** Signature verification failed. */
  public static final int ESIG = -16;

  /** Roster version is older than the one already held. */
  public static final int EROLLBACK = -17;

  /** Unknown member. */
  public static final int EUNKNOWNMEMBER = -18;

  /** Member has been revoked. */
  public static final int EREVOKED = -19;

  /** Envelope is not addressed to this member. */
  public static final int EWRONGRECIPIENT = -20;

  /** Envelope was not sealed by the member it names. */
  public static final int EWRONGSENDER = -21;

  /** Envelope has expired. */
  public static final int EEXPIRED = -22;

  /** Text contains a CPR number; remove it before sending. */
  public static final int ECPR = -23;

  /** Wrong passphrase or damaged key file. */
  public static final int EPASSPHRASE = -24;

  /** Key file is readable by others; run chmod 600 on it. */
  public static final int EPERM = -25;

  /** Operation not allowed in the current state. */
  public static final int ESTATE = -26;

  /** Not found. */
  public static final int ENOTFOUND = -27;

  /** Already exists. */
  public static final int EEXIST = -28;

  /** Relay spool is full; the envelope was not accepted. */
  public static final int ESPOOLFULL = -29;

  /** Connection refused. */
  public static final int ECONNREFUSED = -30;

  /** Timed out. */
  public static final int ETIMEDOUT = -31;

  /** Connection closed. */
  public static final int ECLOSED = -32;

  /** Limit reached; try again later. */
  public static final int EBUSY = -33;

  /** Duplicate message id. */
  public static final int EDUPLICATE = -34;

  /** Nonce space exhausted; a new key is needed. */
  public static final int ENONCE = -35;

  /** Durable write failed; no further writes are accepted. */
  public static final int EFSYNC = -36;

  /** Refused by the content check hook. */
  public static final int EHOOK = -37;

  /** Bad configuration. */
  public static final int ECONFIG = -38;

  /** Member kind is not allowed to do this. */
  public static final int EKIND = -39;

  /** Envelope size class or length is inconsistent. */
  public static final int ESIZE = -40;

  /** Route not allowed: municipalities write to the team, the team to municipalities. */
  public static final int EROUTE = -41;

  /** The sender's share of the recipient's relay spool is full; retry after it collects. */
  public static final int EQUOTA = -42;

  /** Attachment content does not match its sha256. */
  public static final int EDIGEST = -43;

  /** Attachment chunk out of order. */
  public static final int EORDER = -44;

  /** More attachment chunks than the message declares. */
  public static final int EEXCESS = -45;
}
