/* SPDX-License-Identifier: MIT */
/* Shared between transport.c and transport_schemas.c only: the field tables. */
#ifndef RP_TRANSPORT_INT_H
#define RP_TRANSPORT_INT_H

#include "transport.h"

extern const rp__schema rp__tmsg_send_schema;
extern const rp__schema rp__tmsg_ack_schema;
extern const rp__schema rp__tmsg_nack_schema;
extern const rp__schema rp__tmsg_deliver_schema;
extern const rp__schema rp__tmsg_delivered_schema;
extern const rp__schema rp__tmsg_roster_get_schema;
extern const rp__schema rp__tmsg_roster_schema;
extern const rp__schema rp__tmsg_ping_schema;
extern const rp__schema rp__tmsg_pong_schema;
extern const rp__schema rp__tmsg_bye_schema;
extern const rp__schema rp__tmsg_expired_schema;
extern const rp__schema rp__tmsg_welcome_schema;
extern const rp__schema rp__tmsg_receive_schema;
extern const rp__schema rp__tmsg_chunk_schema;
extern const rp__schema rp__tmsg_chunk_ack_schema;
extern const rp__schema rp__tmsg_chunk_get_schema;
extern const rp__schema rp__tmsg_chunk_data_schema;
extern const rp__schema rp__tmsg_purge_schema;
extern const rp__schema rp__tmsg_purged_schema;

#endif /* RP_TRANSPORT_INT_H */
