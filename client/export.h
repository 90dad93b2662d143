/* SPDX-License-Identifier: MIT */
/*
 * The export marker of the client library. The shared library is built with
 * -fvisibility=hidden and a version script (rejsepost.map): only functions marked
 * RP_PUBLIC leave it. Every public function of include/rejsepost.h is defined with it.
 */
#ifndef RP_CLIENT_EXPORT_H
#define RP_CLIENT_EXPORT_H

#define RP_PUBLIC __attribute__((visibility("default")))

#endif /* RP_CLIENT_EXPORT_H */
