// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * Run by OfflineTest under LC_ALL=C, with an ASCII file.encoding and no jna.encoding: Danish
 * text must still reach the library as UTF-8 and come back intact. Exit 0 if it does.
 */
public final class EncodingChild {
  private EncodingChild() {}

  public static void main(String[] args) {
    String q = "Hvad gør vi? Æble, ø og å.";
    int bad = 0;
    try (Message m = Samples.request(q, "normal")) {
      String json = m.toJson();
      if (!json.contains(q)) {
        System.err.println("text changed: " + json);
        bad++;
      }
      try (Message back = Message.fromJson(json)) {
        if (!back.toJson().equals(json)) bad++;
      }
      try {
        m.setEnum("identifiability.consent", "måske");
        bad++;
      } catch (RejsepostException e) {
        if (!"EENUM".equals(e.getName()) || !e.getDetail().contains("foraeldremyndighed")) bad++;
      }
    }
    try (Message r = Samples.reply("00112233445566778899aabbccddeeff", "Svar på spørgsmålet.")) {
      if (!r.toJson().contains(Samples.RESPONSIBILITY)) {
        System.err.println("responsibility note: " + r.toJson());
        bad++;
      }
    }
    System.exit(bad == 0 ? 0 : 1);
  }
}
