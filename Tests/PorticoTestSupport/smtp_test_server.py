#!/usr/bin/python3
"""A real SMTP server for Portico's tests, built on Debian's python3-aiosmtpd.

Started by SMTPTestServer.swift. It listens on 127.0.0.1 (port 0 = any free port), then
writes {"port": N} to --ready-file. Every accepted message n (1, 2, ...) is saved in
--directory as n.json (envelope: mail_from, rcpt_tos, tls, auth_user) and then n.eml: the
DATA exactly as received, after SMTP dot-unstuffing, with no Received header added. Both
files are written under a temporary name and renamed, and the .json first, so a reader
that sees n.eml can read n.json. SIGTERM stops the server.

Modes (flags may be combined):
  --starttls --cert C --key K   offer and require STARTTLS (without it: plain SMTP only)
  --implicit-tls --cert C --key K   TLS from the first byte (smtps)
  --reject-rcpt ADDR            550 for that recipient (repeatable)
  --tempfail-rcpt ADDR          451 for that recipient (repeatable)
  --reject-data                 554 after the message was received
  --auth USER:PASS              require AUTH (offered only after STARTTLS)
  --hang {rcpt,data}            never answer RCPT, or never answer the end of DATA
                                (the message is saved first)
  --drop-after-data             save the message, then close the connection without a reply
  --delay SECONDS               a slow relay: wait this long after the end of DATA before
                                saving the message and replying (a client that gives up
                                while it waits leaves nothing saved)
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


class Handler:
    def __init__(self, options):
        self.options = options
        self.reject = {address.lower() for address in options.reject_rcpt}
        self.tempfail = {address.lower() for address in options.tempfail_rcpt}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: recipient address rejected" % address
        if address.lower() in self.tempfail:
            return "451 4.3.0 <%s>: temporary failure, try again later" % address
        if self.options.hang == "rcpt":
            await asyncio.sleep(3600)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.options.reject_data:
            return "554 5.6.0 message refused"
        if self.options.delay:
            await asyncio.sleep(self.options.delay)
        self.count += 1
        number = self.count
        transport = server.transport
        tls = session.ssl is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None
        )
        auth_user = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            auth_user = session.auth_data.login.decode("utf-8", "replace")
        envelope_info = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": tls,
            "auth_user": auth_user,
        }
        base = os.path.join(self.options.directory, str(number))
        write_atomically(base + ".json", json.dumps(envelope_info).encode("utf-8"))
        write_atomically(base + ".eml", envelope.original_content)
        if self.options.hang == "data":
            await asyncio.sleep(3600)
        if self.options.drop_after_data:
            transport.abort()
            await asyncio.sleep(3600)
        return "250 2.0.0 OK: queued as %d" % number


def make_authenticator(credentials):
    user, _, password = credentials.partition(":")

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode("utf-8", "replace") == user
            and auth_data.password.decode("utf-8", "replace") == password
        ):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return authenticator


def tls_context(options):
    if not (options.cert and options.key):
        sys.exit("--starttls and --implicit-tls need --cert and --key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(options.cert, options.key)
    return context


async def serve(options):
    handler = Handler(options)
    context = tls_context(options) if (options.starttls or options.implicit_tls) else None

    def factory():
        return SMTP(
            handler,
            hostname="portico-test-smtp",
            tls_context=context if options.starttls else None,
            require_starttls=options.starttls,
            authenticator=make_authenticator(options.auth) if options.auth else None,
            auth_required=bool(options.auth),
            auth_require_tls=True,
            data_size_limit=50 * 1024 * 1024,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host=options.host, port=options.port,
        ssl=context if options.implicit_tls else None,
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    write_atomically(options.ready_file, json.dumps({"port": port, "pid": os.getpid()}).encode("utf-8"))
    await stop.wait()
    server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--ready-file", required=True)
    security = parser.add_mutually_exclusive_group()
    security.add_argument("--starttls", action="store_true")
    security.add_argument("--no-starttls", action="store_true")
    security.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--reject-rcpt", action="append", default=[])
    parser.add_argument("--tempfail-rcpt", action="append", default=[])
    parser.add_argument("--reject-data", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--hang", choices=["rcpt", "data"])
    parser.add_argument("--drop-after-data", action="store_true")
    parser.add_argument("--delay", type=float, default=0)
    options = parser.parse_args()
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
