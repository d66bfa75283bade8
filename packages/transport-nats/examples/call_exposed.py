#!/usr/bin/env python3
"""Call an actor that a Troupe node exposes (`troupe node --expose NAME`, or `system.expose`).

Python 3 standard library only: it speaks the NATS text protocol itself (INFO, CONNECT, SUB,
PUB, MSG) on a socket, sends the JSON body to troupe.<system>.svc.<name> with a reply inbox,
and prints the reply body, which is {"ok":true,"value":...} or {"ok":false,"error":{...}}.

    python3 call_exposed.py --nats nats://127.0.0.1:4222 shop counter '{"op":"add","n":2}'

Credentials: nats://user:pass@host:port or nats://token@host:port, or the environment
variables TROUPE_NATS_USER and TROUPE_NATS_PASS, or TROUPE_NATS_TOKEN (as for troupe node).
TLS: when the server requires it; --tls-ca FILE names the CA that signed its certificate.

Exit code: 0 for an "ok":true reply, 1 for an "ok":false reply, 2 when there is no reply
(bad arguments, no server, refused credentials, nobody exposes the name, timeout).
"""

import argparse
import json
import os
import re
import secrets
import socket
import ssl
import sys
import time
from urllib.parse import unquote, urlsplit

TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


class NatsError(Exception):
    """Why there is no reply; the message says what to check."""


class Connection:
    """One NATS connection: just enough protocol for a request and its reply."""

    def __init__(self, url: str, timeout: float, tls_ca: "str | None") -> None:
        parts = urlsplit(url if "://" in url else f"nats://{url}")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 4222
        self.deadline = time.monotonic() + timeout
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as e:
            raise NatsError(
                f"could not connect to NATS at {self.host}:{self.port} ({e}); "
                "is nats-server running there, and is the address right?"
            ) from e
        self.buf = b""
        line = self.readline()
        if not line.startswith(b"INFO "):
            raise NatsError(f"{self.host}:{self.port} does not speak NATS (it sent {line[:40]!r})")
        info = json.loads(line[5:])
        if info.get("tls_required") or parts.scheme == "tls":
            # NATS upgrades to TLS after INFO (unless the server is set to handshake first).
            context = ssl.create_default_context(cafile=tls_ca)
            try:
                self.sock = context.wrap_socket(self.sock, server_hostname=self.host)
            except ssl.SSLCertVerificationError as e:
                raise NatsError(
                    f"TLS with NATS at {self.host}:{self.port} failed: {e.verify_message}; "
                    "give the CA that signed the server's certificate with --tls-ca FILE"
                ) from e
        connect = {
            "verbose": False,
            "pedantic": False,
            "lang": "python3",
            "version": "1.0",
            "name": "call_exposed.py",
            "protocol": 1,
            "headers": True,  # lets the server answer "no responders" at once
            "no_responders": True,
        }
        if parts.username is not None:  # the URL's credentials, else the environment's
            user, password = unquote(parts.username), unquote(parts.password or "")
            token = "" if password else user
        else:
            user = os.environ.get("TROUPE_NATS_USER", "")
            password = os.environ.get("TROUPE_NATS_PASS", "")
            token = os.environ.get("TROUPE_NATS_TOKEN", "")
        if user and password:
            connect.update(user=user, **{"pass": password})
        elif token:
            connect["auth_token"] = token
        self.send(f"CONNECT {json.dumps(connect)}\r\nPING\r\n".encode())
        self.expect_pong()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def fill(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout as e:
            raise TimeoutError from e
        if not chunk:
            raise NatsError(f"NATS at {self.host}:{self.port} closed the connection")
        self.buf += chunk

    def readline(self) -> bytes:
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self, n: int) -> bytes:
        while len(self.buf) < n + 2:  # the payload and its CRLF
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n + 2 :]
        return data

    def control(self, line: bytes) -> None:
        """Lines other than MSG/HMSG: answer the server's PING, raise on -ERR."""
        if line == b"PING":
            self.send(b"PONG\r\n")
        elif line.startswith(b"-ERR"):
            said = line[5:].decode().strip()
            hint = "; check the user and password or the token" if "Authorization" in said else ""
            raise NatsError(f"NATS at {self.host}:{self.port} said {said}{hint}")

    def expect_pong(self) -> None:
        while (line := self.readline()) != b"PONG":
            self.control(line)

    def request(self, subject: str, body: bytes) -> bytes:
        inbox = f"_INBOX.{secrets.token_hex(11)}"
        self.send(f"SUB {inbox} 1\r\nPUB {subject} {inbox} {len(body)}\r\n".encode() + body + b"\r\n")
        while True:
            line = self.readline()
            if line.startswith(b"MSG "):  # MSG <subject> <sid> [reply-to] <bytes>
                return self.read(int(line.split()[-1]))
            if line.startswith(b"HMSG "):  # HMSG <subject> <sid> [reply-to] <header bytes> <total bytes>
                fields = line.split()
                data = self.read(int(fields[-1]))
                status = data[: int(fields[-2])].split(b"\r\n", 1)[0]
                if status.startswith(b"NATS/1.0 503"):
                    raise NatsError(f"nobody answers on {subject}: is an actor exposed under that name?")
                return data[int(fields[-2]) :]
            self.control(line)


def main() -> int:
    parser = argparse.ArgumentParser(description="Call an actor exposed by a Troupe node over NATS.")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222", help="NATS server URL")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the reply (default 10)"
    )
    parser.add_argument("--tls-ca", help="CA certificate to verify a TLS server with")
    parser.add_argument("system", help="the Troupe system name")
    parser.add_argument("name", help="the name the actor is exposed under")
    parser.add_argument("body", nargs="?", default="", help="the request, as JSON (empty: null)")
    args = parser.parse_args()
    for what in ("system", "name"):
        if not TOKEN.match(getattr(args, what)):
            parser.error(f"{what} must be letters, digits, '_' and '-' only, got {getattr(args, what)!r}")
    if args.body:
        try:
            json.loads(args.body)
        except ValueError as e:
            parser.error(f"the body must be JSON ({e}); quote strings: '\"text\"'")
    subject = f"troupe.{args.system}.svc.{args.name}"
    try:
        reply = Connection(args.nats, args.timeout, args.tls_ca).request(subject, args.body.encode())
    except TimeoutError:
        print(f"call_exposed.py: no reply on {subject} within {args.timeout} s", file=sys.stderr)
        return 2
    except (NatsError, OSError) as e:
        print(f"call_exposed.py: {e}", file=sys.stderr)
        return 2
    print(reply.decode())
    return 0 if json.loads(reply).get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
