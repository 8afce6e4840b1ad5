"""How every part of wirewatch reaches Kafka: security protocol, TLS and SASL, in one place.

`client_kwargs` gives the arguments of every aiokafka client (producer, consumer, admin);
`faust_options` gives the same to the Faust app (its broker credentials). Both come from
the settings' WIREWATCH_KAFKA_* values:

- security protocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL;
- TLS: the CA file that signed the brokers' certificates (else the system's trusted CAs),
  and for mutual TLS a client certificate and key;
- SASL: mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, a user name, and a password
  from WIREWATCH_KAFKA_PASSWORD or read from WIREWATCH_KAFKA_PASSWORD_FILE.

The password is never part of a message: errors name the user, the mechanism and the file.

`check` connects once to a bootstrap broker the way the clients will, and turns what goes
wrong (nothing listening, a certificate not trusted, a refused login) into a one-line
`KafkaAccessError` within seconds, where the clients would only say "Unable to bootstrap"
or retry. `explain` does the same for an authorization error met later (a missing ACL).
"""

from __future__ import annotations

import asyncio
import ssl
from functools import cache
from pathlib import Path
from typing import Any

from aiokafka import errors
from aiokafka.conn import create_conn

from streams.settings import Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# Long enough for a TLS handshake and a SCRAM exchange on a loaded machine; short enough
# that a wrong address or a silently dropped connection is reported in seconds.
CHECK_TIMEOUT_S = 15.0


class KafkaAccessError(RuntimeError):
    """wirewatch cannot use the Kafka cluster as configured; the message says why, in one line."""


def protocol(settings: Settings) -> str:
    value = settings.kafka_security_protocol.strip().upper()
    if value not in PROTOCOLS:
        raise KafkaAccessError(
            f"WIREWATCH_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}, not {value!r}"
        )
    return value


def uses_tls(settings: Settings) -> bool:
    return protocol(settings) in ("SSL", "SASL_SSL")


def uses_sasl(settings: Settings) -> bool:
    return protocol(settings) in ("SASL_PLAINTEXT", "SASL_SSL")


def mechanism(settings: Settings) -> str:
    value = settings.kafka_sasl_mechanism.strip().upper()
    if value not in MECHANISMS:
        raise KafkaAccessError(f"WIREWATCH_KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}, not {value!r}")
    return value


def password(settings: Settings) -> str:
    """The SASL password: WIREWATCH_KAFKA_PASSWORD_FILE's first line when set, else WIREWATCH_KAFKA_PASSWORD."""
    if settings.kafka_password_file:
        try:
            return Path(settings.kafka_password_file).read_text().splitlines()[0]
        except (OSError, IndexError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is empty"
            raise KafkaAccessError(
                f"cannot read the Kafka password from WIREWATCH_KAFKA_PASSWORD_FILE={settings.kafka_password_file}: "
                f"{reason}"
            ) from None
    return settings.kafka_password


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if not uses_tls(settings):
        return None
    return _ssl_context(settings.kafka_ca_file, settings.kafka_cert_file, settings.kafka_key_file)


@cache  # one context per file set: every client of a process shares it
def _ssl_context(ca_file: str, cert_file: str, key_file: str) -> ssl.SSLContext:
    try:
        # With a CA file, only that CA is trusted (a private cluster's); without, the system's.
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise KafkaAccessError(f"cannot use WIREWATCH_KAFKA_CA_FILE={ca_file}: {_reason(exc)}") from None
    if bool(cert_file) != bool(key_file):
        raise KafkaAccessError("mutual TLS needs both WIREWATCH_KAFKA_CERT_FILE and WIREWATCH_KAFKA_KEY_FILE")
    if cert_file:
        try:
            context.load_cert_chain(cert_file, key_file)
        except (OSError, ssl.SSLError) as exc:
            raise KafkaAccessError(
                f"cannot use the client certificate WIREWATCH_KAFKA_CERT_FILE={cert_file} "
                f"with WIREWATCH_KAFKA_KEY_FILE={key_file}: {_reason(exc)}"
            ) from None
    return context


def security_kwargs(settings: Settings) -> dict[str, Any]:
    """aiokafka's security arguments (protocol, TLS context, SASL) for these settings."""
    kwargs: dict[str, Any] = {"security_protocol": protocol(settings)}
    if uses_tls(settings):
        kwargs["ssl_context"] = ssl_context(settings)
    if uses_sasl(settings):
        if not settings.kafka_username:
            raise KafkaAccessError(f"{protocol(settings)} needs a user name: set WIREWATCH_KAFKA_USERNAME")
        kwargs.update(
            sasl_mechanism=mechanism(settings),
            sasl_plain_username=settings.kafka_username,
            sasl_plain_password=password(settings),
        )
    return kwargs


def client_kwargs(settings: Settings, role: str) -> dict[str, Any]:
    """Bootstrap servers, a client id naming the role (ingest, subscriber, admin...) and security."""
    return {
        "bootstrap_servers": settings.broker,
        "client_id": f"{settings.app_id}-{role}",
        **security_kwargs(settings),
    }


def faust_options(settings: Settings) -> dict[str, Any]:
    """faust.App arguments: the broker URL and the same security as the plain clients."""
    from faust.auth import SASLCredentials, SSLCredentials

    options: dict[str, Any] = {"broker": f"kafka://{settings.broker}"}
    if uses_sasl(settings):
        security = security_kwargs(settings)
        # Faust takes SASL_SSL from the presence of an SSL context, SASL_PLAINTEXT without one.
        credentials = SASLCredentials(
            username=security["sasl_plain_username"],
            password=security["sasl_plain_password"],
            ssl_context=security.get("ssl_context"),
            mechanism=security["sasl_mechanism"],
        )
        options["broker_credentials"] = credentials
    elif uses_tls(settings):
        options["broker_credentials"] = SSLCredentials(ssl_context(settings))
    return options


def describe(settings: Settings) -> str:
    """Who connects where and how, without the password: for messages."""
    text = f"{settings.broker} over {protocol(settings)}"
    if uses_sasl(settings):
        text += f" as {settings.kafka_username!r} ({mechanism(settings)})"
    return text


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or str(exc)
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def explain(exc: BaseException, settings: Settings) -> str:
    """One line saying what a Kafka failure means for these settings."""
    who = describe(settings)
    if isinstance(exc, KafkaAccessError):
        return str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        trusted = f"WIREWATCH_KAFKA_CA_FILE={settings.kafka_ca_file}" if settings.kafka_ca_file else "the system CAs"
        return f"Kafka at {settings.broker}: the broker's TLS certificate is not trusted by {trusted} ({_reason(exc)})"
    if isinstance(exc, ssl.SSLError):
        return f"Kafka at {settings.broker}: the TLS handshake failed ({_reason(exc)}); is the listener TLS?"
    if isinstance(exc, errors.SaslAuthenticationFailed | errors.AuthenticationFailedError):
        return f"Kafka refused the login to {who}: wrong user name or password, or a mechanism the broker lacks"
    if isinstance(exc, errors.UnsupportedSaslMechanismError | errors.AuthenticationMethodNotSupported):
        return f"Kafka at {settings.broker} does not offer SASL mechanism {mechanism(settings)} on this listener"
    if isinstance(exc, errors.TopicAuthorizationFailedError | errors.GroupAuthorizationFailedError):
        kind = "topic" if isinstance(exc, errors.TopicAuthorizationFailedError) else "consumer group"
        return f"Kafka denied {who} access to a {kind}: missing ACL ({_reason(exc)})"
    if isinstance(exc, errors.ClusterAuthorizationFailedError | errors.TransactionalIdAuthorizationFailed):
        return f"Kafka denied {who} an operation: missing ACL ({_reason(exc)})"
    if isinstance(exc, ConnectionRefusedError):
        return f"no Kafka broker answers at {settings.broker}: set WIREWATCH_BROKER, or start one with `make up`"
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return f"Kafka at {settings.broker} did not answer within {CHECK_TIMEOUT_S:.0f} s; is it a Kafka listener?"
    if isinstance(exc, errors.KafkaConnectionError):
        if str(exc).endswith("closed"):  # the broker hung up on the first request
            return (
                f"Kafka at {settings.broker} closed the connection: does its listener expect another security "
                f"protocol than {protocol(settings)}? (WIREWATCH_KAFKA_SECURITY_PROTOCOL)"
            )
        return f"cannot reach Kafka at {who}: {_reason(exc)}"
    return f"Kafka at {who}: {type(exc).__name__}: {_reason(exc)}"


async def check(settings: Settings) -> None:
    """Connect to the first bootstrap broker as the clients will (TLS handshake and SASL
    login included); KafkaAccessError (one line) when that fails."""
    security = security_kwargs(settings)
    host, _, port = settings.broker.split(",")[0].strip().rpartition(":")
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            conn = await create_conn(
                host.strip("[]") or "localhost",
                int(port),
                client_id=f"{settings.app_id}-check",
                request_timeout_ms=int(CHECK_TIMEOUT_S * 1000),
                **security,
            )
            conn.close()
    except (OSError, errors.KafkaError, TimeoutError) as exc:
        raise KafkaAccessError(explain(exc, settings)) from None


async def check_group(settings: Settings) -> None:
    """The worker's consumer group (its app id) can be looked up: without an ACL for it Faust
    would retry joining for good. KafkaAccessError (one line) when not."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**client_kwargs(settings, "admin"))
    await admin.start()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            while True:
                try:
                    await admin.describe_consumer_groups([settings.app_id])
                    return
                except errors.KafkaError as exc:
                    if not exc.retriable:  # a new cluster has no group coordinator yet: retriable
                        raise
                await asyncio.sleep(0.5)
    except (errors.KafkaError, TimeoutError) as exc:
        raise KafkaAccessError(explain(exc, settings)) from None
    finally:
        await admin.close()
