// SPDX-License-Identifier: MIT
package dk.rejsepost;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A client configuration (rp_config). Every setter copies its arguments into the library at
 * once and checks them there: a wrong value throws {@link RejsepostException} ECONFIG whose
 * {@link RejsepostException#getDetail() detail} says which setting and why. Setters return
 * this, so they chain. Required: {@link #stateDir}, {@link #relay}, {@link #relayKey}, {@link
 * #identityFile}, {@link #adminKey}, and {@link #rosterFile} on first start.
 *
 * <p>Callbacks are held here as Java objects and installed into the library when {@link
 * Client#open} makes a client, which keeps them strongly referenced until it is closed; this
 * configuration may be closed as soon as the client is open. Not thread-safe: use one
 * Config from one thread at a time. Close it (try-with-resources) to free it at once.
 */
public final class Config implements AutoCloseable {
  private static final NativeLib LIB = Rejsepost.LIB;

  private static final class State implements Runnable {
    volatile Pointer handle;

    State(Pointer handle) {
      this.handle = handle;
    }

    @Override
    public void run() {
      Pointer h = handle;
      handle = null;
      if (h != null) LIB.rp_config_free(h);
    }
  }

  private final State state;
  private final Cleaner.Cleanable cleanable;

  ReceiveCallback receiveCallback;
  StatusCallback statusCallback;
  LogCallback logCallback;
  ProgressCallback progressCallback;
  PassphraseCallback passphraseCallback;
  ContentHook contentHook;
  AttachmentHook attachmentHook;
  CallbackErrorHandler errorHandler = Util.DEFAULT_HANDLER;

  /** An empty configuration (rp_config_new). */
  public Config() {
    PointerByReference out = new PointerByReference();
    Rejsepost.check(LIB.rp_config_new(out));
    state = new State(out.getValue());
    cleanable = Util.CLEANER.register(this, state);
  }

  Pointer handle() {
    Pointer h = state.handle;
    if (h == null) throw new IllegalStateException("the configuration is closed");
    return h;
  }

  private Config check(int rc) {
    if (rc != 0) {
      String detail = LIB.rp_config_error(handle());
      throw new RejsepostException(rc, detail == null || detail.isEmpty() ? null : detail);
    }
    return this;
  }

  /** The text of the last setter error, or "" if the last call succeeded (rp_config_error). */
  public String error() {
    String e = LIB.rp_config_error(handle());
    return e == null ? "" : e;
  }

  /** The state folder holding the outbox and inbox (created mode 0700 if missing). */
  public Config stateDir(Path path) {
    return check(LIB.rp_config_set_state_dir(handle(), path.toString()));
  }

  /**
   * The relay's host name or IP literal and TCP port: sets (or replaces) the first address;
   * addresses added with {@link #addRelay} stay.
   */
  public Config relay(String host, int port) {
    Objects.requireNonNull(host, "host");
    return check(LIB.rp_config_set_relay(handle(), host, port));
  }

  /**
   * A further address of the same relay (same relay key), tried after the ones set so far; at
   * most 8 in all (ECONFIG past that). On each connect the client tries them in order and
   * moves to the next at once when one fails; the backoff follows only after all failed.
   */
  public Config addRelay(String host, int port) {
    Objects.requireNonNull(host, "host");
    return check(LIB.rp_config_add_relay(handle(), host, port));
  }

  /** The relay's transport public key: 64 hex characters, or the path of its key export. */
  public Config relayKey(String hexOrPath) {
    Objects.requireNonNull(hexOrPath, "hexOrPath");
    return check(LIB.rp_config_set_relay_key(handle(), hexOrPath));
  }

  /** The member's identity key file (written by {@code rejsepost keys}). */
  public Config identityFile(Path path) {
    return check(LIB.rp_config_set_identity_file(handle(), path.toString()));
  }

  /** Reads the passphrase from the first line of a file (not readable by group or others). */
  public Config passphraseFile(Path path) {
    passphraseCallback = null;
    return check(LIB.rp_config_set_passphrase_file(handle(), path.toString()));
  }

  /** Reads the passphrase from an environment variable when the client opens. */
  public Config passphraseEnv(String name) {
    Objects.requireNonNull(name, "name");
    passphraseCallback = null;
    return check(LIB.rp_config_set_passphrase_env(handle(), name));
  }

  /**
   * Asks the host for the passphrase when the client opens (on the opening thread). The last
   * passphrase source set wins; null removes this one.
   */
  public Config passphraseCallback(PassphraseCallback callback) {
    // Installed for real by Client.open, which keeps the trampoline alive; check the setter.
    passphraseCallback = callback;
    return this;
  }

  /** The administrator's identity public key (64 hex or its key export), pinning the roster. */
  public Config adminKey(String hexOrPath) {
    Objects.requireNonNull(hexOrPath, "hexOrPath");
    return check(LIB.rp_config_set_admin_key(handle(), hexOrPath));
  }

  /** The signed roster file to start from when the state folder holds none (or an older one). */
  public Config rosterFile(Path path) {
    return check(LIB.rp_config_set_roster_file(handle(), path.toString()));
  }

  /** Reconnection backoff: from minMs doubling to maxMs (10 .. 3600000; default 500..60000). */
  public Config backoff(int minMs, int maxMs) {
    return check(LIB.rp_config_set_backoff(handle(), minMs, maxMs));
  }

  /** How long an envelope may wait at the relay, in ms (60000 .. 90 days; default 30 days). */
  public Config expiry(long ms) {
    return check(LIB.rp_config_set_expiry(handle(), ms));
  }

  /**
   * How long the client store keeps a finished message, in ms (0 .. 10 years; default 30
   * days). Once that long has passed since it finished, the message is deleted with its
   * attachment chunks, and no byte of it stays in the state folder's files. Finished means: a
   * received message marked handled; a sent one whose status can no longer change (answered,
   * expired, failed); any message of a thread closed by a closure or a consent_withdrawn.
   * Never deleted by retention: a message still queued for the relay, an unhandled one, one
   * still waiting for its receipts in an open thread. With 0 a message goes at the next sweep
   * after it finished; the sweep runs at start, at every connection and every quarter of the
   * retention (1 s .. 1 h apart), on the library's thread. The store is a transit store: file
   * what you handle in your own case system. See also {@link Client#eraseThread}.
   */
  public Config retention(long ms) {
    return check(LIB.rp_config_set_retention(handle(), ms));
  }

  /** Whether the client asks the relay for deliveries (default true) or only sends. */
  public Config receive(boolean on) {
    return check(LIB.rp_config_set_receive(handle(), on ? 1 : 0));
  }

  /** The cap on each attachment, sent or received, in bytes (default 100 MiB). */
  public Config attachmentMax(long bytes) {
    return check(LIB.rp_config_set_attachment_max(handle(), bytes));
  }

  /** The cap on all of one message's attachments together, in bytes (default 256 MiB). */
  public Config messageAttachmentsMax(long bytes) {
    return check(LIB.rp_config_set_message_attachments_max(handle(), bytes));
  }

  /** Messages as they arrive; runs on the library's thread (see {@link ReceiveCallback}). */
  public Config onReceive(ReceiveCallback callback) {
    receiveCallback = callback;
    return this;
  }

  /** Status changes of sent messages; runs on the library's thread. */
  public Config onStatus(StatusCallback callback) {
    statusCallback = callback;
    return this;
  }

  /** The library's log lines; runs on the library's thread. Default: no logging. */
  public Config onLog(LogCallback callback) {
    logCallback = callback;
    return this;
  }

  /** Attachment transfer progress; runs on the library's thread. */
  public Config onProgress(ProgressCallback callback) {
    progressCallback = callback;
    return this;
  }

  /** A further check of outgoing texts, after the CPR guard; runs on the sending thread. */
  public Config contentHook(ContentHook hook) {
    contentHook = hook;
    return this;
  }

  /** A check of outgoing attachments' bytes; runs on the sending thread. */
  public Config attachmentHook(AttachmentHook hook) {
    attachmentHook = hook;
    return this;
  }

  /** Where exceptions thrown by callbacks go (default: printed to System.err). */
  public Config onCallbackError(CallbackErrorHandler handler) {
    errorHandler = handler == null ? Util.DEFAULT_HANDLER : handler;
    return this;
  }

  /** Frees the configuration (wiping any passphrase it holds). Idempotent. */
  @Override
  public void close() {
    cleanable.clean();
  }
}
