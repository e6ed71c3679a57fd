"""The job cluster's processes (risk.jobs), closed to everyone but the server (issue 24, point 4; issue 27).

A Dask scheduler, its workers and their nannies each listen on a port, and whoever can talk to one of them
can run any Python function there, with the server's environment (its database URL, every workspace). So:

- **Mutual TLS with credentials made at start-up.** The local cluster's scheduler, workers and nannies use
  `distributed.Security.temporary()`: a key and a self-signed certificate made in memory when the cluster
  starts (written only for an instant to a private temporary directory, for Python's `ssl` to read, and
  not kept on disk), and handed to the worker processes through the pipe that starts them. Every listener
  accepts only a peer presenting that certificate (`ssl.CERT_REQUIRED`), so a client without it (a plain
  `tcp://` one, or one with its own certificate) is refused before it can send a message. Processes running
  as the server's own OS user can read its memory and are not kept out by this; other users are.
- **No HTTP.** Dask's scheduler always starts an HTTP server (health, Prometheus, JSON and info routes), on
  127.0.0.1:8787 when no address is given, and every worker another on a random port, even with the
  dashboard off. Nobody asked for them here, so these classes start none: what listens is the TLS comms of
  the scheduler, each worker and each worker's nanny, on 127.0.0.1, on ports the system picks.

In-process workers (threads, `processes=False`, used by tests) talk over `inproc://` and listen on nothing.
A remote scheduler (LYNCHPIN_SCHEDULER) is the operator's to secure: see `remote_security` and
docs/deployment.md, "Securing a remote scheduler".
"""

from __future__ import annotations

import os
from pathlib import Path

from distributed import Nanny, Scheduler, Security, SpecCluster, Worker

from risk.config import ServerConfig
from risk.problems import InputError, Location, Problem

__all__ = ["SchedulerWithoutHTTP", "WorkerWithoutHTTP", "local_cluster", "remote_security", "TLS_SCHEMES"]

#: Dask address schemes that encrypt and authenticate (the others send everything in the clear).
TLS_SCHEMES = ("tls", "wss")


class SchedulerWithoutHTTP(Scheduler):
    """A Dask scheduler that serves no HTTP (Dask starts an HTTP server even with its dashboard off)."""

    def start_http_server(self, *args, **kwargs) -> None:
        return None


class WorkerWithoutHTTP(Worker):
    """A Dask worker that serves no HTTP (each worker would otherwise listen on one more port)."""

    def start_http_server(self, *args, **kwargs) -> None:
        return None


def local_cluster(workers: int, processes: bool = True, silence_logs: int = 40) -> SpecCluster:
    """The server's own cluster: `workers` single-threaded workers (processes, each under a nanny, or threads
    in this process), a scheduler in this process, TLS on 127.0.0.1 with fresh credentials, and no HTTP."""
    if processes:
        security = Security.temporary()
        where = {"host": "127.0.0.1", "protocol": "tls://", "security": security}
    else:
        security = Security()
        where = {"host": None, "protocol": "inproc://", "security": security}
    options = {
        **where,
        "nthreads": 1,
        "dashboard": False,
        "dashboard_address": None,
        "memory_limit": 1 / workers,  # a fraction of the machine's memory each, as LocalCluster gives them
        "silence_logs": silence_logs,
    }
    worker = (
        {"cls": Nanny, "options": {**options, "worker_class": WorkerWithoutHTTP}}
        if processes
        else {"cls": WorkerWithoutHTTP, "options": options}
    )
    scheduler = {
        "cls": SchedulerWithoutHTTP,
        "options": {**where, "port": 0, "dashboard": False, "dashboard_address": None},
    }
    return SpecCluster(
        scheduler=scheduler,
        workers={i: worker for i in range(workers)},
        worker=worker,
        security=security,
        silence_logs=silence_logs,
        name="lynchpin",
    )


def remote_security(address: str, config: ServerConfig) -> Security:
    """How the server talks to the remote scheduler at `address` (LYNCHPIN_SCHEDULER): TLS with the
    operator's files for a tls:// (or wss://) address; a plain address only when the operator said so
    (LYNCHPIN_SCHEDULER_INSECURE), since anyone who reaches such a scheduler runs code on its workers.
    Anything else is refused with what to set."""
    where = Location("LYNCHPIN_SCHEDULER", path=address)
    scheme = address.split("://", 1)[0].lower() if "://" in address else "tcp"
    files = {
        "LYNCHPIN_SCHEDULER_TLS_CA_FILE": config.scheduler_tls_ca_file,
        "LYNCHPIN_SCHEDULER_TLS_CERT": config.scheduler_tls_cert,
        "LYNCHPIN_SCHEDULER_TLS_KEY": config.scheduler_tls_key,
    }
    given: dict[str, str] = {k: v for k, v in files.items() if v}
    if scheme not in TLS_SCHEMES:
        if given:
            raise InputError(
                [
                    Problem(
                        f"the scheduler address is {scheme}://, which does not use the TLS files that are set "
                        f"({', '.join(given)})",
                        where,
                        f"write the address as tls://{address.split('://', 1)[-1]} (the scheduler must be started "
                        "with TLS: see docs/deployment.md, 'Securing a remote scheduler')",
                    )
                ]
            )
        if not config.scheduler_insecure:
            raise InputError(
                [
                    Problem(
                        f"the scheduler address is {scheme}://, without TLS: anyone who can reach it could run code "
                        "on its workers with this server's data",
                        where,
                        "start the scheduler and workers with TLS and give tls://host:port with "
                        "LYNCHPIN_SCHEDULER_TLS_CA_FILE, LYNCHPIN_SCHEDULER_TLS_CERT and LYNCHPIN_SCHEDULER_TLS_KEY "
                        "(docs/deployment.md, 'Securing a remote scheduler'); or, on a network where that risk is "
                        "accepted, set LYNCHPIN_SCHEDULER_INSECURE=1",
                    )
                ]
            )
        return Security(require_encryption=False)
    missing = [k for k in ("LYNCHPIN_SCHEDULER_TLS_CA_FILE", "LYNCHPIN_SCHEDULER_TLS_CERT") if not files[k]]
    if missing:
        raise InputError(
            [
                Problem(
                    f"the scheduler address is {scheme}:// but {' and '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not set",
                    where,
                    "set LYNCHPIN_SCHEDULER_TLS_CA_FILE to the PEM file of the cluster's own certificate authority and "
                    "LYNCHPIN_SCHEDULER_TLS_CERT (and LYNCHPIN_SCHEDULER_TLS_KEY, unless the key is in the same file) "
                    "to this server's certificate signed by it",
                )
            ]
        )
    unreadable = [
        Problem(
            f"{name} names {path}, which cannot be read",
            Location(name, path=path),
            "give the path of a PEM file that the server's user can read",
        )
        for name, path in given.items()
        if not (Path(path).is_file() and os.access(path, os.R_OK))
    ]
    if unreadable:
        raise InputError(unreadable)
    cert = given["LYNCHPIN_SCHEDULER_TLS_CERT"]  # set: `missing` above is empty
    if not files["LYNCHPIN_SCHEDULER_TLS_KEY"] and "PRIVATE KEY-----" not in Path(cert).read_text(errors="replace"):
        raise InputError(
            [
                Problem(
                    "LYNCHPIN_SCHEDULER_TLS_KEY is not set and the certificate file holds no private key",
                    Location("LYNCHPIN_SCHEDULER_TLS_CERT", path=cert),
                    "set LYNCHPIN_SCHEDULER_TLS_KEY to the PEM file of the certificate's private key",
                )
            ]
        )
    security = Security(
        require_encryption=True,
        tls_ca_file=files["LYNCHPIN_SCHEDULER_TLS_CA_FILE"],
        tls_client_cert=files["LYNCHPIN_SCHEDULER_TLS_CERT"],
        tls_client_key=files["LYNCHPIN_SCHEDULER_TLS_KEY"],
    )
    try:
        security.get_connection_args("client")  # reads the files now: a wrong one is named here, not later
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise InputError(
            [
                Problem(
                    f"the TLS files for the scheduler cannot be used: {exc}",
                    where,
                    "check that LYNCHPIN_SCHEDULER_TLS_CERT and LYNCHPIN_SCHEDULER_TLS_KEY are a certificate and its "
                    "private key in PEM form, and LYNCHPIN_SCHEDULER_TLS_CA_FILE the authority that signed it",
                )
            ]
        ) from None
    return security
