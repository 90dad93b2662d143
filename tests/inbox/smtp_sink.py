# SPDX-License-Identifier: MIT
"""A local SMTP sink for the inbox alert tests (inboxd_alerts_test.c).

Usage: python3 smtp_sink.py FOLDER

Runs aiosmtpd's SMTP server (Debian's python3-aiosmtpd) on 127.0.0.1 at a port the
kernel picks, and writes that port to FOLDER/port once it listens. Every message it
accepts becomes FOLDER/mail-NNN.eml, written under a temporary name and renamed, so a
reader never sees half a file: first the envelope ("X-Sink-From: ..." and one
"X-Sink-Rcpt: ..." line per recipient), then the message as it came. Runs until killed.
"""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        head = "X-Sink-From: %s\r\n" % envelope.mail_from
        head += "".join("X-Sink-Rcpt: %s\r\n" % r for r in envelope.rcpt_tos)
        body = envelope.original_content or envelope.content
        if isinstance(body, str):
            body = body.encode("utf-8")
        tmp = os.path.join(self.folder, ".mail-%03d.tmp" % self.count)
        with open(tmp, "wb") as f:
            f.write(head.encode("ascii") + body)
        os.rename(tmp, os.path.join(self.folder, "mail-%03d.eml" % self.count))
        return "250 OK"


async def main(folder):
    sink = Sink(folder)
    loop = asyncio.get_running_loop()
    # hostname given: SMTP would otherwise look up this machine's name.
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test", decode_data=False), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = os.path.join(folder, ".port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, os.path.join(folder, "port"))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
