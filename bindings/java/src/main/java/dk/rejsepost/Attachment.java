// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * A received attachment's descriptor (rp_received_attachment). Its bytes stay sealed in the
 * inbox until {@link Received#saveAttachment} or {@link Received#readAttachment} decrypts them.
 *
 * @param index its place in the message's attachments list
 * @param name the file name
 * @param mime the mime type
 * @param size the size in bytes
 * @param kind the attachment kind ("handlingsplan")
 */
public record Attachment(int index, String name, String mime, long size, String kind) {}
