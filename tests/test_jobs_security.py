"""The job cluster lets in only the server (issue 24, point 4) and listens on nothing else: no HTTP, no fixed
port, so `make test` runs beside `make run` (issue 27, point 1). A remote scheduler needs TLS, or the
operator's explicit word that it may go without."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from pathlib import Path

import dask
import distributed
import pytest
from distributed import Security

from risk.cluster import SchedulerWithoutHTTP, WorkerWithoutHTTP, remote_security
from risk.config import ServerConfig
from risk.jobs import Jobs
from risk.problems import InputError
from tests.sockets import DASK_DASHBOARD_PORT, hold, listening


def touch(path: str) -> str:
    """The canary a job runs: proof that the function ran in a worker."""
    Path(path).write_text("ran")
    return path


def _host_port(address: str) -> tuple[str, int]:
    host, port = address.split("://", 1)[1].rsplit(":", 1)
    return host, int(port)


@pytest.fixture(scope="module")
def cluster():
    """The server's local cluster as the dashboard starts it (worker processes, one here), started while
    127.0.0.1:8787 is busy; yields the Jobs and the sockets its processes listen on."""
    with hold(DASK_DASHBOARD_PORT):
        before = listening()
        jobs = Jobs(workers=1)
        try:
            client = jobs.client
            client.wait_for_workers(1, timeout=60)
            # This cluster's processes: this one (its scheduler and nanny) and the nanny's worker process. A
            # cluster an earlier test left running in this process has children of its own: not counted.
            mine = {os.getpid()} | {n.process.process.pid for n in jobs._cluster.workers.values()}
            opened = {s for s in listening() - before if s[0] in mine}
            yield jobs, opened
        finally:
            jobs.close()


def _addresses(jobs: Jobs) -> dict[str, str]:
    """Every address the cluster told us about: its scheduler, its workers and the nannies that run them."""
    scheduler = jobs.client.scheduler.address
    workers = list(jobs.client.scheduler_info()["workers"])
    nannies = [n.address for n in jobs._cluster.workers.values()]
    return {scheduler: "scheduler", **{w: "worker" for w in workers}, **{n: "nanny" for n in nannies}}


@pytest.mark.timeout(120)
def test_the_cluster_listens_only_on_its_tls_comms_on_loopback_and_no_http(cluster):
    jobs, opened = cluster
    addresses = _addresses(jobs)
    assert sorted(addresses.values()) == ["nanny", "scheduler", "worker"]
    assert all(a.startswith("tls://127.0.0.1:") for a in addresses), addresses
    # Exactly these sockets listen, in the server and the worker process: no HTTP server (Dask's scheduler
    # serves one on 8787 by default, each worker one more on a random port), nothing else.
    # Every comm the cluster told us of listens; under load a worker may hold one more comm listener of its
    # own (seen in the full suite), which the probe below shows demands the certificate like the rest.
    assert {_host_port(a) for a in addresses} <= {(ip, port) for _, ip, port in opened}
    assert all(ip == "127.0.0.1" for _, ip, _ in opened)
    assert DASK_DASHBOARD_PORT not in {port for _, _, port in opened}


@pytest.mark.timeout(120)
def test_the_server_runs_a_function_on_the_cluster(cluster, tmp_path):
    """The control for the refusals below: with the cluster's credentials, the same call works."""
    jobs, _ = cluster
    canary = tmp_path / "server"
    assert jobs.client.submit(touch, str(canary), pure=False).result(timeout=60) == str(canary)
    assert canary.read_text() == "ran"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("how", ["plain tcp", "tls with its own certificate"])
def test_a_client_without_the_clusters_certificate_is_refused_and_runs_nothing(cluster, tmp_path, how):
    """An intruder on the machine, with Dask's own client: plain, or with TLS credentials of its own. (One
    presenting no certificate at all is dropped too: see the probe of every listener below.)"""
    jobs, _ = cluster
    host, port = _host_port(jobs.client.scheduler.address)
    scheme, security = {"plain tcp": ("tcp", None), "tls with its own certificate": ("tls", Security.temporary())}[how]
    canary = tmp_path / "attacker"
    with (  # refused: the connection is dropped (CommClosedError is an OSError), or times out
        pytest.raises(OSError),
        distributed.Client(f"{scheme}://{host}:{port}", security=security, timeout=3, set_as_default=False) as intruder,
    ):
        intruder.submit(touch, str(canary), pure=False).result(timeout=10)
    assert not canary.exists()


def _says_anything(host: str, port: int, context: ssl.SSLContext | None) -> bytes:
    """What a listener sends to a client that connects (over TLS when `context` is given, presenting no
    certificate) and writes a few bytes: a Dask comm greets every client with its handshake, so anything
    other than nothing means it talks to strangers."""
    with contextlib.ExitStack() as closing:
        try:
            stream = closing.enter_context(socket.create_connection((host, port), timeout=5))
        except ConnectionRefusedError:  # no longer listening (a worker's start-up port): nothing to talk to
            return b""
        try:
            if context:
                stream = closing.enter_context(context.wrap_socket(stream))
            stream.sendall(b"\x00" * 16)
            return stream.recv(64)
        except (ssl.SSLError, ConnectionError):  # dropped: the listener wants the cluster's certificate
            return b""
        except TimeoutError:  # waited and said nothing: not a Dask comm that greets strangers
            return b""


@pytest.mark.timeout(120)
def test_every_listener_demands_the_clusters_certificate(cluster):
    """Not just the scheduler: a worker or a nanny runs code too. Each one drops a plain TCP client and a TLS
    client without the cluster's certificate, before a word of Dask is exchanged."""
    jobs, opened = cluster
    anyone = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    anyone.check_hostname = False
    anyone.verify_mode = ssl.CERT_NONE  # an intruder who does not care whom it talks to
    assert len(opened) >= 3
    for _, ip, port in sorted(opened):
        assert _says_anything(ip, port, None) == b"", (ip, port)
        assert _says_anything(ip, port, anyone) == b"", (ip, port)


def test_the_check_of_listeners_hears_a_plain_dask_comm():
    """The probe above can fail: a Dask listener without TLS greets a stranger at once."""

    from distributed.comm import listen

    async def handle(comm):
        await comm.close()

    async def serve():
        async with listen("tcp://127.0.0.1:0", handle) as listener:
            host, port = _host_port(listener.contact_address)
            return await asyncio.get_running_loop().run_in_executor(None, _says_anything, host, port, None)

    assert asyncio.run(serve()) != b""


@pytest.mark.timeout(60)
def test_job_tests_pass_beside_a_running_server_holding_8787():
    """`make test` beside `make run`: Dask's default HTTP port is taken and the cluster starts anyway, with no
    'port in use' (warnings are errors in the tests), and runs a job."""
    with hold(DASK_DASHBOARD_PORT):
        jobs = Jobs(workers=1, processes=False)
        try:
            assert jobs.client.submit(sum, [1, 2], pure=False).result(timeout=30) == 3
        finally:
            jobs.close()


# A remote scheduler (LYNCHPIN_SCHEDULER): TLS with the operator's files, or plain only when allowed.


def _config(**values) -> ServerConfig:
    return ServerConfig.model_construct(**{**ServerConfig().model_dump(), **values})


def _refusal(address: str, **values) -> str:
    with pytest.raises(InputError) as caught:
        remote_security(address, _config(**values))
    return "\n".join(str(p) for p in caught.value.problems)


@pytest.fixture(scope="module")
def credentials(tmp_path_factory) -> dict[str, str]:
    """An operator's TLS files: a certificate authority and a certificate and key it signed (one self-signed
    pair, as Security.temporary makes, serves all roles)."""
    made = Security.temporary()
    folder = tmp_path_factory.mktemp("tls")
    (folder / "ca.pem").write_text(made.tls_ca_file)
    (folder / "cert.pem").write_text(made.tls_client_cert)
    (folder / "key.pem").write_text(made.tls_client_key)
    return {k: str(folder / f"{k}.pem") for k in ("ca", "cert", "key")}


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "ws://10.0.0.5:8786"])
def test_a_plain_remote_scheduler_is_refused_unless_the_operator_allows_it(address):
    text = _refusal(address)
    assert "LYNCHPIN_SCHEDULER" in text and "without TLS" in text and "LYNCHPIN_SCHEDULER_INSECURE=1" in text
    assert remote_security(address, _config(scheduler_insecure=True)).require_encryption is False


def test_a_plain_address_with_tls_files_set_is_refused_with_the_tls_address(credentials):
    text = _refusal("tcp://10.0.0.5:8786", scheduler_tls_ca_file=credentials["ca"], scheduler_insecure=True)
    assert "write the address as tls://10.0.0.5:8786" in text


def test_a_tls_remote_scheduler_needs_the_ca_and_the_certificate(credentials):
    assert "LYNCHPIN_SCHEDULER_TLS_CA_FILE and LYNCHPIN_SCHEDULER_TLS_CERT are not set" in _refusal("tls://h:8786")
    text = _refusal("tls://h:8786", scheduler_tls_cert=credentials["cert"])
    assert "LYNCHPIN_SCHEDULER_TLS_CA_FILE is not set" in text
    text = _refusal("tls://h:8786", scheduler_tls_ca_file=credentials["ca"], scheduler_tls_cert="/nowhere/cert.pem")
    assert "LYNCHPIN_SCHEDULER_TLS_CERT names /nowhere/cert.pem, which cannot be read" in text


def test_tls_files_that_are_not_a_certificate_and_key_are_named(credentials, tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    tls = {"scheduler_tls_ca_file": credentials["ca"], "scheduler_tls_key": credentials["key"]}
    assert "the TLS files for the scheduler cannot be used" in _refusal(
        "tls://h:8786", **tls, scheduler_tls_cert=str(junk)
    )
    text = _refusal("tls://h:8786", scheduler_tls_ca_file=credentials["ca"], scheduler_tls_cert=credentials["cert"])
    assert "LYNCHPIN_SCHEDULER_TLS_KEY is not set and the certificate file holds no private key" in text
    both = tmp_path / "both.pem"  # a certificate with its key in the same file needs no LYNCHPIN_SCHEDULER_TLS_KEY
    both.write_text(Path(credentials["cert"]).read_text() + Path(credentials["key"]).read_text())
    security = remote_security(
        "tls://h:8786", _config(scheduler_tls_ca_file=credentials["ca"], scheduler_tls_cert=str(both))
    )
    assert security.require_encryption and security.tls_client_cert == str(both)


def test_jobs_refuse_a_plain_remote_scheduler_before_connecting(monkeypatch):
    monkeypatch.setenv("LYNCHPIN_SCHEDULER", "tcp://127.0.0.1:9")  # the discard port: nothing to reach
    jobs = Jobs(address="tcp://127.0.0.1:9")
    with pytest.raises(InputError, match="without TLS"):
        jobs.client  # noqa: B018 - the connection is made (or refused) on first use


@contextlib.contextmanager
def _tls_scheduler(credentials):
    """A remote cluster as an operator would run it with the files above (threads here, for speed)."""
    security = Security(
        require_encryption=True,
        tls_ca_file=credentials["ca"],
        **{
            f"tls_{role}_{part}": credentials[part]
            for role in ("scheduler", "worker", "client")
            for part in ("cert", "key")
        },
    )
    where = {"host": "127.0.0.1", "protocol": "tls://", "security": security, "dashboard_address": None}
    cluster = distributed.SpecCluster(
        scheduler={"cls": SchedulerWithoutHTTP, "options": {**where, "port": 0}},
        workers={0: {"cls": WorkerWithoutHTTP, "options": {**where, "nthreads": 1}}},
        security=security,
        silence_logs=40,
    )
    try:
        yield cluster.scheduler.address
    finally:
        cluster.close()


@pytest.mark.timeout(120)
def test_a_tls_remote_scheduler_runs_jobs_with_the_operators_files_only(credentials, monkeypatch, tmp_path):
    with _tls_scheduler(credentials) as address:
        assert address.startswith("tls://127.0.0.1:")
        monkeypatch.setenv("LYNCHPIN_SCHEDULER_TLS_CA_FILE", credentials["ca"])
        monkeypatch.setenv("LYNCHPIN_SCHEDULER_TLS_CERT", credentials["cert"])
        monkeypatch.setenv("LYNCHPIN_SCHEDULER_TLS_KEY", credentials["key"])
        jobs = Jobs(address=address)
        try:
            canary = tmp_path / "remote"
            assert jobs.client.submit(touch, str(canary), pure=False).result(timeout=60) == str(canary)
        finally:
            jobs.close()
        # The same scheduler as a plain address, even with the operator's permission: nothing runs.
        monkeypatch.delenv("LYNCHPIN_SCHEDULER_TLS_CA_FILE")
        monkeypatch.delenv("LYNCHPIN_SCHEDULER_TLS_CERT")
        monkeypatch.delenv("LYNCHPIN_SCHEDULER_TLS_KEY")
        monkeypatch.setenv("LYNCHPIN_SCHEDULER_INSECURE", "1")
        plain = Jobs(address="tcp://" + address.split("://", 1)[1])
        with pytest.raises(OSError), _short_connect():
            plain.client.submit(touch, str(tmp_path / "plain"), pure=False).result(timeout=10)
        plain.close()
        assert not (tmp_path / "plain").exists()


@contextlib.contextmanager
def _short_connect():
    with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):
        yield
