// SPDX-License-Identifier: MIT
package dk.rejsepost;

/**
 * One active member of the roster the client trusts (rp_client_members).
 *
 * @param id the member id
 * @param kind "municipality", "team", "relay" or "admin"
 * @param municipality the municipality code (3 digits), "" for the other kinds
 * @param networks RP_MEMBER_NET_* bits: 1 east, 2 west
 */
public record Member(String id, String kind, String municipality, int networks) {
  public static final int NET_EAST = 0x1;
  public static final int NET_WEST = 0x2;

  public boolean east() {
    return (networks & NET_EAST) != 0;
  }

  public boolean west() {
    return (networks & NET_WEST) != 0;
  }
}
