/* SPDX-License-Identifier: MIT */
/* The store's attachment rows (ibx_store_att.c), shared with ibx_store.c. */
#ifndef RP_IBX_STORE_ATT_H
#define RP_IBX_STORE_ATT_H

#include "ibx_store_int.h"

/* Stores m's attachments through m->att_src; called with the store's lock held, inside
 * the transaction that inserts m. */
int rp__ibx_store_add_atts(rp__ibx_store *st, const rp__ibx_msg *m);

#endif
