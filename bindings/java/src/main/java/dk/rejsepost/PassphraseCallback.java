// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Asks the host for the passphrase of an encrypted identity key file
 * (rp_config_set_passphrase_callback). Called once, from {@link Client#open}, on the thread
 * that opens the client. The returned array is wiped after use. Return null (or throw) to
 * refuse: opening then fails with EPASSPHRASE.
 */
@FunctionalInterface
public interface PassphraseCallback {
  char[] passphrase() throws Exception;
}
