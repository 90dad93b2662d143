// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * One message of the outbox (rp_outbox_foreach), receipts excepted.
 *
 * @param msgId the message id (32 hex)
 * @param kind the payload kind ("request")
 * @param threadId the thread id (32 hex)
 * @param recipient the recipient's member id
 * @param status its current status
 * @param queuedAt when it was queued, unix ms
 */
public record OutboxEntry(
    String msgId, String kind, String threadId, String recipient, Status status, long queuedAt) {}
