// SPDX-License-Identifier: MIT
package dk.rejsepost;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A client of the relay (rp_client): opens the state folder, loads the identity and the
 * roster, and runs the library's own loop thread, which talks to the relay in the background,
 * delivers what {@link #send} queued, and stores what arrives. Close it exactly once
 * (try-with-resources); closing stops the loop cleanly, and nothing stored is lost.
 *
 * <p>Thread safety: every method may be called from any thread, concurrently. {@link #close}
 * waits for calls in progress on other threads and makes later calls throw {@link
 * IllegalStateException}. From inside a callback (the library's thread), {@link #close},
 * {@link #flush} and {@link #refreshRoster} are refused with IllegalStateException: they wait
 * for that very thread.
 *
 * <p>The callbacks of the {@link Config} are held by the client, strongly referenced, until it
 * is closed. A client that is never closed is not freed by the garbage collector while it has
 * callbacks (its loop may still call them): always close it.
 */
public final class Client implements AutoCloseable {
  private static final NativeLib LIB = Rejsepost.LIB;

  /** What the cleaner needs: the handle and every callback the library may still call. */
  private static final class State implements Runnable {
    volatile Pointer handle;
    final List<Callback> keepAlive = new ArrayList<>();

    @Override
    public void run() {
      // The handle stays set during rp_client_free: callbacks that run while the loop stops
      // may still call the client (the library allows it from its own thread).
      Pointer h = handle;
      if (h != null) LIB.rp_client_free(h);
      handle = null;
      Reference.reachabilityFence(keepAlive);
    }
  }

  private final State state = new State();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile boolean closed;
  private final CallbackErrorHandler errorHandler;
  private final ReceiveCallback receiveCallback;
  private final StatusCallback statusCallback;
  private final LogCallback logCallback;
  private final ProgressCallback progressCallback;
  private final PassphraseCallback passphraseCallback;
  private final ContentHook contentHook;
  private final AttachmentHook attachmentHook;
  private volatile Object userData;
  private java.lang.ref.Cleaner.Cleanable cleanable;

  private Client(Config cfg) {
    errorHandler = cfg.errorHandler;
    receiveCallback = cfg.receiveCallback;
    statusCallback = cfg.statusCallback;
    logCallback = cfg.logCallback;
    progressCallback = cfg.progressCallback;
    passphraseCallback = cfg.passphraseCallback;
    contentHook = cfg.contentHook;
    attachmentHook = cfg.attachmentHook;
  }

  /**
   * Opens a client (rp_client_new). The configuration is read and may be closed afterwards.
   * The receive callback may fire before this returns (for stored, unhandled messages).
   *
   * @throws RejsepostException ECONFIG (a missing or unusable setting; the detail names it),
   *     the key file's errors (EPASSPHRASE, EPERM, ENOTFOUND), the roster's (ESIG,
   *     EROLLBACK), EUNKNOWNMEMBER, EIO
   */
  public static Client open(Config cfg) {
    Objects.requireNonNull(cfg, "cfg");
    Client c = new Client(cfg);
    Pointer ch = cfg.handle();
    try {
      c.install(cfg, ch);
    } catch (RuntimeException e) {
      c.uninstall(ch);
      throw e;
    }
    PointerByReference out = new PointerByReference();
    int rc = LIB.rp_client_new(ch, out);
    String detail = rc != 0 ? LIB.rp_config_error(ch) : null; // before the setters clear it
    c.uninstall(ch);
    if (rc != 0) {
      c.closed = true;
      c.state.handle = null;
      throw new RejsepostException(rc, detail == null || detail.isEmpty() ? null : detail);
    }
    c.state.handle = out.getValue();
    c.cleanable = Util.CLEANER.register(c, c.state);
    return c;
  }

  /** Installs trampolines for the configured callbacks into cfg, kept alive by this client. */
  private void install(Config cfg, Pointer ch) {
    List<Callback> keep = state.keepAlive;
    NativeLib.ReceiveFn recv = null;
    if (receiveCallback != null) {
      recv =
          (data, cp, rp) -> {
            adopt(cp);
            Util.enterCallback();
            Received r = new Received(rp, this, false);
            try {
              receiveCallback.onReceive(this, r);
            } catch (Throwable t) {
              Util.report(errorHandler, "receive", t);
            } finally {
              r.invalidate();
              Util.exitCallback();
            }
          };
      keep.add(recv);
    }
    NativeLib.StatusFn st = null;
    if (statusCallback != null) {
      st =
          (data, cp, id, status, error) -> {
            adopt(cp);
            Util.enterCallback();
            try {
              statusCallback.onStatus(this, Util.utf8(id), Status.fromCode(status), error);
            } catch (Throwable t) {
              Util.report(errorHandler, "status", t);
            } finally {
              Util.exitCallback();
            }
          };
      keep.add(st);
    }
    NativeLib.LogFn log = null;
    if (logCallback != null) {
      log =
          (data, level, line) -> {
            Util.enterCallback();
            try {
              logCallback.onLog(LogLevel.fromCode(level), Util.utf8(line));
            } catch (Throwable t) {
              Util.report(errorHandler, "log", t);
            } finally {
              Util.exitCallback();
            }
          };
      keep.add(log);
    }
    NativeLib.ProgressFn prog = null;
    if (progressCallback != null) {
      prog =
          (data, cp, id, dir, done, total) -> {
            adopt(cp);
            Util.enterCallback();
            try {
              progressCallback.onProgress(
                  this,
                  Util.utf8(id),
                  dir == 2 ? ProgressCallback.Direction.RECEIVE : ProgressCallback.Direction.SEND,
                  done,
                  total);
            } catch (Throwable t) {
              Util.report(errorHandler, "progress", t);
            } finally {
              Util.exitCallback();
            }
          };
      keep.add(prog);
    }
    NativeLib.ContentHookFn hook = null;
    if (contentHook != null) {
      hook =
          (data, field, text, len, offset) -> {
            String s = Util.utf8(text, len.longValue());
            try {
              int at = contentHook.check(Util.utf8(field), s);
              if (at < 0) return 0;
              Util.setSizeT(offset, Util.byteOffset(s, at));
              return 1;
            } catch (Throwable t) {
              Util.report(errorHandler, "content_hook", t);
              Util.setSizeT(offset, 0);
              return 1;
            }
          };
      keep.add(hook);
    }
    NativeLib.AttachmentHookFn ahook = null;
    if (attachmentHook != null) {
      ahook =
          (data, name, mime, buf, len, offset, last, bad) -> {
            long n = len.longValue();
            ByteBuffer piece =
                n == 0 || buf == null
                    ? ByteBuffer.allocate(0).asReadOnlyBuffer()
                    : buf.getByteBuffer(0, n).asReadOnlyBuffer();
            try {
              long at =
                  attachmentHook.check(Util.utf8(name), Util.utf8(mime), piece, offset, last != 0);
              if (at < 0) return 0;
              Util.setSizeT(bad, at);
              return 1;
            } catch (Throwable t) {
              Util.report(errorHandler, "attachment_hook", t);
              Util.setSizeT(bad, offset);
              return 1;
            }
          };
      keep.add(ahook);
    }
    check(LIB.rp_config_set_receive_callback(ch, recv, null), ch);
    check(LIB.rp_config_set_status_callback(ch, st, null), ch);
    check(LIB.rp_config_set_log(ch, log, null), ch);
    check(LIB.rp_config_set_progress(ch, prog, null), ch);
    check(LIB.rp_config_set_content_hook(ch, hook, null), ch);
    check(LIB.rp_config_set_attachment_hook(ch, ahook, null), ch);
    if (passphraseCallback != null) {
      NativeLib.PassphraseFn pass =
          (data, buf, cap, len) -> {
            char[] pw = null;
            byte[] bytes = null;
            try {
              pw = passphraseCallback.passphrase();
              if (pw == null) return 1;
              ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pw));
              bytes = new byte[bb.remaining()];
              bb.get(bytes);
              if (bb.hasArray()) Arrays.fill(bb.array(), (byte) 0);
              if (bytes.length > cap.longValue()) return 1;
              buf.write(0, bytes, 0, bytes.length);
              Util.setSizeT(len, bytes.length);
              return 0;
            } catch (Throwable t) {
              Util.report(errorHandler, "passphrase", t);
              return 1;
            } finally {
              if (pw != null) Arrays.fill(pw, '\0');
              if (bytes != null) Arrays.fill(bytes, (byte) 0);
            }
          };
      keep.add(pass);
      check(LIB.rp_config_set_passphrase_callback(ch, pass, null), ch);
    }
  }

  /**
   * Takes this client's trampolines out of cfg again once rp_client_new has read them (the
   * client has its copy): the configuration never points at callbacks that only this client
   * keeps alive, so it can be used again after the client is closed.
   */
  private void uninstall(Pointer ch) {
    LIB.rp_config_set_receive_callback(ch, null, null);
    LIB.rp_config_set_status_callback(ch, null, null);
    LIB.rp_config_set_log(ch, null, null);
    LIB.rp_config_set_progress(ch, null, null);
    LIB.rp_config_set_content_hook(ch, null, null);
    LIB.rp_config_set_attachment_hook(ch, null, null);
    // The library takes no NULL here: a static source that refuses stands in.
    if (passphraseCallback != null) LIB.rp_config_set_passphrase_callback(ch, NO_PASSPHRASE, null);
  }

  /** A passphrase source that always refuses; static, so it is never collected. */
  private static final NativeLib.PassphraseFn NO_PASSPHRASE = (data, buf, cap, len) -> 1;

  private static void check(int rc, Pointer cfg) {
    if (rc != 0) throw new RejsepostException(rc, LIB.rp_config_error(cfg));
  }

  /** A callback during rp_client_new runs before the handle is ours: it is the same handle. */
  private void adopt(Pointer cp) {
    if (state.handle == null && !closed && cp != null) state.handle = cp;
  }

  // ---- the lock around every call: close() must be the last call and alone ----

  @FunctionalInterface
  private interface Op<T> {
    T run(Pointer h);
  }

  @FunctionalInterface
  private interface IntOp {
    int run(Pointer h);
  }

  private <T> T call(Op<T> op) {
    boolean locked = !Util.inCallback();
    if (locked) lock.readLock().lock();
    try {
      Pointer h = state.handle;
      if (h == null || (closed && locked)) throw new IllegalStateException("the client is closed");
      return op.run(h);
    } finally {
      if (locked) lock.readLock().unlock();
    }
  }

  /** Runs op and returns its (non-negative) result, throwing for a negative one. */
  private int run(IntOp op) {
    int rc = call(h -> op.run(h));
    if (rc < 0) throw new RejsepostException(rc);
    return rc;
  }

  /** Runs op on the handle under the client's lock (for Received's attachment calls). */
  <T> T with(java.util.function.Function<Pointer, T> op) {
    return call(op::apply);
  }

  // ---- the client ----

  /** Our member id, as in the roster. */
  public String memberId() {
    return call(LIB::rp_client_member_id);
  }

  /** The connection state. */
  public ConnState connState() {
    return ConnState.fromCode(call(LIB::rp_client_conn_state));
  }

  /**
   * The error of the last failed connection attempt, or why the last connection ended (a
   * negative code, see {@link Rejsepost#errorName}); 0 if none since the last welcome.
   */
  public int lastError() {
    return call(LIB::rp_client_last_error);
  }

  /** The version of the roster the client holds and trusts. */
  public long rosterVersion() {
    LongByReference v = new LongByReference();
    run(h -> LIB.rp_client_roster_version(h, v));
    return v.getValue();
  }

  /**
   * Fetches the relay's newest roster now and waits for it (verified, stored).
   *
   * @throws RejsepostException ETIMEDOUT (for example not connected) or the verification error
   * @throws IllegalStateException from a callback
   */
  public void refreshRoster(int timeoutMs) {
    if (Util.inCallback()) throw new IllegalStateException("refreshRoster from a callback");
    run(h -> LIB.rp_client_refresh_roster(h, timeoutMs));
  }

  /** The active members of the roster the client trusts, in roster order. */
  public List<Member> members() {
    List<Member> out = new ArrayList<>();
    NativeLib.MemberFn fn =
        (data, id, kind, muni, nets) -> {
          out.add(new Member(Util.utf8(id), Util.utf8(kind), Util.utf8(muni), nets));
          return 0;
        };
    run(h -> LIB.rp_client_members(h, fn, null));
    Reference.reachabilityFence(fn);
    return out;
  }

  /**
   * Waits until no sent message is waiting for the relay, at most timeoutMs (negative:
   * forever).
   *
   * @return true when flushed, false on timeout
   * @throws IllegalStateException from a callback
   */
  public boolean flush(int timeoutMs) {
    if (Util.inCallback()) throw new IllegalStateException("flush from a callback");
    int rc = call(h -> LIB.rp_client_flush(h, timeoutMs));
    if (rc == RejsepostErrors.ETIMEDOUT) return false;
    if (rc != 0) throw new RejsepostException(rc);
    return true;
  }

  /** The host's own object, for callbacks; the library never sees it. */
  public void setUserData(Object data) {
    userData = data;
  }

  public Object getUserData() {
    return userData;
  }

  /** The raw host pointer of rp_client_set_data, for hosts that share it with C code. */
  public void setNativeData(Pointer data) {
    call(
        h -> {
          LIB.rp_client_set_data(h, data);
          return null;
        });
  }

  public Pointer getNativeData() {
    return call(LIB::rp_client_get_data);
  }

  // ---- sending ----

  /**
   * Checks, seals and durably queues a message (rp_send); the library's loop delivers it.
   * Attachments are read here, on this thread. The message stays the caller's and may be
   * sent again (as a new message).
   *
   * @return the new message's id (32 hex)
   * @throws RejsepostException ECPR, EHOOK, schema errors (EMISSING, EINVAL, ...), EKIND,
   *     EUNKNOWNMEMBER, EREVOKED, ETOOBIG, EIO, ...; with the field at fault and the
   *     library's explanation
   */
  public String send(Message m) {
    Objects.requireNonNull(m, "m");
    byte[] id = new byte[33];
    Pointer mh = m.handle();
    m.beginSend();
    int rc;
    try {
      rc = call(h -> LIB.rp_send(h, mh, id));
    } finally {
      m.endSend();
    }
    if (rc != 0) throw m.error(rc);
    return new String(id, 0, 32, StandardCharsets.US_ASCII);
  }

  /** The current status of sent message msgId, and for FAILED the refusal's code. */
  public StatusInfo status(String msgId) {
    IntByReference st = new IntByReference();
    IntByReference err = new IntByReference();
    run(h -> LIB.rp_status(h, msgId, st, err));
    return new StatusInfo(Status.fromCode(st.getValue()), err.getValue());
  }

  /** When msgId reached status (unix ms), or 0 if it has not (yet). */
  public long statusTime(String msgId, Status status) {
    LongByReference when = new LongByReference();
    run(h -> LIB.rp_status_time(h, msgId, status.code(), when));
    return when.getValue();
  }

  /**
   * Waits (polling) until msgId has reached at least status {@code wanted} or a final one.
   *
   * @return the status it has when this returns (check it: it may be final, or short of
   *     wanted on timeout)
   */
  public Status awaitStatus(String msgId, Status wanted, long timeoutMs)
      throws InterruptedException {
    long end = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      Status s = status(msgId).status();
      if (s.atLeast(wanted) || s.isFinal() || System.nanoTime() >= end) return s;
      Thread.sleep(10);
    }
  }

  /** The outbox (receipts excepted), oldest first (rp_outbox_foreach). */
  public List<OutboxEntry> outbox() {
    List<OutboxEntry> out = new ArrayList<>();
    NativeLib.OutboxFn fn =
        (data, id, kind, thread, rcpt, status, queuedAt) -> {
          out.add(
              new OutboxEntry(
                  Util.utf8(id),
                  Util.utf8(kind),
                  Util.utf8(thread),
                  Util.utf8(rcpt),
                  Status.fromCode(status),
                  queuedAt));
          return 0;
        };
    run(h -> LIB.rp_outbox_foreach(h, fn, null));
    Reference.reachabilityFence(fn);
    return out;
  }

  /** Sends the receipt "opened" for received message msgId to its sender (rp_send_opened). */
  public void sendOpened(String msgId) {
    run(h -> LIB.rp_send_opened(h, msgId));
  }

  // ---- receiving ----

  /**
   * The oldest inbox message not marked handled that this client has not returned yet, or
   * empty. The Received is yours: close it.
   */
  public Optional<Received> inboxNext() {
    PointerByReference out = new PointerByReference();
    int rc = call(h -> LIB.rp_inbox_next(h, out));
    if (rc == RejsepostErrors.ENOTFOUND) return Optional.empty();
    if (rc != 0) throw new RejsepostException(rc);
    return Optional.of(new Received(out.getValue(), this, true));
  }

  /** The inbox message msgId, handled or not (ENOTFOUND). The Received is yours: close it. */
  public Received inboxGet(String msgId) {
    PointerByReference out = new PointerByReference();
    run(h -> LIB.rp_inbox_get(h, msgId, out));
    return new Received(out.getValue(), this, true);
  }

  /**
   * Marks msgId handled, durably: it is never offered again. Idempotent. A handled message is
   * deleted after the retention ({@link Config#retention}); a handled consent_withdrawn erases
   * its whole thread at once ({@link #eraseThread}).
   */
  public void markHandled(String msgId) {
    run(h -> LIB.rp_inbox_mark_handled(h, msgId));
  }

  // ---- erasure ----

  /**
   * Erases thread threadId (32 hex) from the client store (rp_thread_erase): every message of
   * the thread, sent and received, with its attachment chunks, leaving no byte of them in the
   * state folder's files. Afterwards {@link #inboxGet} and {@link #status} of those messages
   * throw ENOTFOUND; one still on its way is not sent, and the library asks the relay to delete
   * the ones it may still hold. Kept: a consent_withdrawn or a receipt still queued, which must
   * still go out. A thread with nothing stored is no error.
   *
   * <p>The library also erases by itself when consent is withdrawn: the sender of a
   * consent_withdrawn once the relay has it (the rest of the thread; the consent_withdrawn
   * stays, so its status can be followed until retention deletes it), its recipient when it
   * marks the consent_withdrawn handled (the whole thread).
   *
   * <p>It holds the store while it works (seconds for a thread with a large attachment), so
   * other calls on this client wait. Callable from any thread, a callback included.
   *
   * @throws RejsepostException EINVAL for a malformed id, EIO
   */
  public void eraseThread(String threadId) {
    Objects.requireNonNull(threadId, "threadId");
    run(h -> LIB.rp_thread_erase(h, threadId));
  }

  /** The number of inbox messages not marked handled. */
  public long inboxPending() {
    LongByReference n = new LongByReference();
    run(h -> LIB.rp_inbox_pending(h, n));
    return n.getValue();
  }

  /**
   * Stops the loop cleanly and frees the client (rp_client_free): waits for calls in
   * progress, then at most about 5 seconds for the relay. Idempotent.
   *
   * @throws IllegalStateException from a callback (the loop would wait for itself)
   */
  @Override
  public void close() {
    if (Util.inCallback()) throw new IllegalStateException("close from a callback");
    lock.writeLock().lock();
    try {
      if (closed) return;
      closed = true;
      if (cleanable != null) cleanable.clean();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
