"""``hqg serve``'s listener: connections it accepts send small responses without delay."""

from __future__ import annotations

import socket

import uvicorn

from cli.serve import listen_without_delay


def test_connections_accepted_by_the_server_have_nagle_turned_off() -> None:
    config = uvicorn.Config(app=None, host="127.0.0.1", port=0)
    listener = listen_without_delay(config)
    try:
        listener.listen()  # uvicorn listens when it starts serving
        client = socket.create_connection(listener.getsockname()[:2], timeout=5)
        accepted, _ = listener.accept()
        with client, accepted:
            # the option asyncio would not set (uvicorn's listener has protocol number 0)
            assert accepted.proto != socket.IPPROTO_TCP
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
