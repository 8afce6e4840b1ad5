"""The Kafka connection settings: one set of client arguments per security protocol, secrets kept out of sight."""

import ssl
import subprocess

import pytest

from streams import connection
from streams.connection import KafkaAccessError, client_kwargs, faust_options
from streams.settings import Settings


def test_plaintext_is_the_default_and_carries_no_credentials():
    kwargs = client_kwargs(Settings(broker="k:9092"), "ingest")
    assert kwargs == {"bootstrap_servers": "k:9092", "client_id": "wirewatch-ingest", "security_protocol": "PLAINTEXT"}
    assert faust_options(Settings(broker="k:9092")) == {"broker": "kafka://k:9092"}


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A CA and a client certificate signed by it, made here with openssl."""
    tmp = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=ca", "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=me", "-keyout", "me.key", "-out", "me.csr")
    openssl("x509", "-req", "-in", "me.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "me.pem")
    return tmp


def test_sasl_ssl_with_scram_and_mutual_tls(certificates, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("s3cret-from-file\n")
    settings = Settings(
        broker="k:9093",
        kafka_security_protocol="sasl_ssl",
        kafka_ca_file=str(certificates / "ca.pem"),
        kafka_cert_file=str(certificates / "me.pem"),
        kafka_key_file=str(certificates / "me.key"),
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_username="worker",
        kafka_password="ignored-when-a-file-is-given",
        kafka_password_file=str(secret),
    )
    kwargs = client_kwargs(settings, "subscriber")
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-256"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("worker", "s3cret-from-file")
    context = kwargs["ssl_context"]
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "ca"),),)]

    credentials = faust_options(settings)["broker_credentials"]
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    assert credentials_to_aiokafka_auth(credentials) == {
        key: kwargs[key]
        for key in ("security_protocol", "sasl_mechanism", "sasl_plain_username", "sasl_plain_password", "ssl_context")
    }
    # Neither the settings nor the credentials nor a message show the password.
    assert "s3cret" not in repr(settings) + repr(credentials) + connection.describe(settings)
    assert "ignored" not in repr(settings)


def test_sasl_plaintext_and_ssl_alone():
    sasl = Settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="PLAIN", kafka_username="u")
    kwargs = connection.security_kwargs(sasl)
    assert kwargs["security_protocol"] == "SASL_PLAINTEXT" and "ssl_context" not in kwargs
    assert faust_options(sasl)["broker_credentials"].protocol.value == "SASL_PLAINTEXT"
    tls = connection.security_kwargs(Settings(kafka_security_protocol="SSL"))
    assert tls["security_protocol"] == "SSL" and "sasl_mechanism" not in tls


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"kafka_security_protocol": "TLS"}, "must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
        ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "GSSAPI", "kafka_username": "u"}, "GSSAPI"),
        ({"kafka_security_protocol": "SASL_SSL"}, "needs a user name"),
        ({"kafka_security_protocol": "SSL", "kafka_ca_file": "/no/such/ca.pem"}, "cannot use WIREWATCH_KAFKA_CA_FILE"),
        ({"kafka_security_protocol": "SSL", "kafka_cert_file": "/some/cert.pem"}, "needs both"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_username": "u", "kafka_password_file": "/no/such/file"},
            "cannot read the Kafka password from WIREWATCH_KAFKA_PASSWORD_FILE=/no/such/file",
        ),
    ],
)
def test_unusable_settings_say_which_and_why(given, said):
    with pytest.raises(KafkaAccessError, match=said.replace("(", r"\(")):
        client_kwargs(Settings(**given), "ingest")


def test_help_and_errors_show_no_password():
    import os
    import sys

    env = {
        **os.environ,
        "WIREWATCH_BROKER": "127.0.0.1:1",
        "WIREWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "WIREWATCH_KAFKA_USERNAME": "u",
        "WIREWATCH_KAFKA_PASSWORD": "s3cret-in-env",
    }
    for args in (["--help"], ["worker", "--help"], ["subscribe", "--help"], ["subscribe", "--idle-exit", "1"]):
        done = subprocess.run([sys.executable, "-m", "streams", *args], env=env, capture_output=True, text=True)
        assert done.stdout or done.stderr
        assert "s3cret" not in done.stdout + done.stderr, args
    assert done.returncode == 1 and "no Kafka broker answers at 127.0.0.1:1" in done.stderr
