// SPDX-License-Identifier: MIT
package dk.rejsepost;

/** Messages the tests send. */
final class Samples {
  private Samples() {}

  static final String RESPONSIBILITY =
      "Rådgivningen er vejledende. Kommunen har myndighedsansvaret og træffer afgørelserne i sagen.";

  /** A complete request from the municipality. */
  static Message request(String question, String urgency) {
    return Message.create("request")
        .setEnum("sender_role", "myndighedsraadgiver")
        .setText("sender_ref", "java-1")
        .setEnum("request_type", "konkret_sag")
        .setEnum("urgency", urgency)
        .addToSet("categories", "trusler")
        .addToSet("categories", "vold")
        .setEnum("risk.level", "hoej")
        .setBool("risk.acute", false)
        .setEnum("risk.tool", "ingen")
        .setEnum("citizen.age_band", "18_22")
        .setBool("citizen.under_18", false)
        .setEnum("identifiability.mode", "anonym")
        .setEnum("identifiability.consent", "ingen")
        .setText("question", question);
  }

  /** The team's advisor's reply to requestId. */
  static Message reply(String requestId, String advice) {
    return Message.create("reply")
        .setHex("in_reply_to", requestId)
        .setEnum("advisor.role", "raadgiver")
        .setText("advisor.id", "R7")
        .setText("advice", advice)
        .setBool("reporting_duty", false)
        .setEnum("responsibility_note", RESPONSIBILITY);
  }
}
