"""``hqg serve``'s listener: connections it accepts send small responses without delay."""

from __future__ import annotations

import socket

from cli.serve import listen_without_delay


def test_connections_accepted_by_the_server_have_nagle_turned_off() -> None:
    listener = listen_without_delay("127.0.0.1", 0)
    try:
        client = socket.create_connection(listener.getsockname()[:2], timeout=5)
        accepted, _ = listener.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
