#!/usr/bin/python3
"""A slow SMTP capture relay for the topology test (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 (a free port), writes {"port": N} to --ready-file, and takes --delay
seconds to answer the end of each DATA, like a relay doing spam and virus checks. Every
accepted message appends one JSON line {"message_id": …, "rcpt": […]} to --log, after the
delay and just before the 250 reply, so the log is what the relay acknowledged. SIGTERM stops it.
"""

import argparse
import asyncio
import email.parser
import json
import signal

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, options):
        self.options = options

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.options.delay)
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.content)
        line = json.dumps({"message_id": headers.get("Message-ID", ""), "rcpt": envelope.rcpt_tos})
        with open(self.options.log, "a") as log:
            log.write(line + "\n")
        return "250 2.0.0 OK: queued"


async def main(options):
    loop = asyncio.get_running_loop()
    handler = Handler(options)
    server = await loop.create_server(lambda: SMTP(handler, hostname="relay.topology.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(options.ready_file, "w") as ready:
        json.dump({"port": port}, ready)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--delay", type=float, default=3.0)
    asyncio.run(main(parser.parse_args()))
