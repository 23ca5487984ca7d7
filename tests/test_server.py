"""The kernel websocket connection that `make lab` and `make dashboard` use (itclusters.server).

The explorer's pictures are small messages; with Nagle's algorithm on, one may wait for the
browser's acknowledgement of the previous message (up to 40 ms on Linux).  This checks the real
socket: a Tornado websocket served through :class:`NoDelayConnection` has ``TCP_NODELAY`` set,
and the same server with Jupyter Server's own connection class has not.
"""
from __future__ import annotations

import asyncio
import socket

import pytest
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application
from tornado.websocket import WebSocketHandler, websocket_connect

from itclusters.server import CONNECTION_CLASS, NoDelayConnection


def _nodelay_of_served_socket(connection_class) -> int:
    """Open a websocket to a server whose handler connects ``connection_class`` as Jupyter
    Server's handler does (in ``open``); the server side's TCP_NODELAY."""
    seen: dict = {}

    class Handler(KernelWebsocketHandler):
        """Jupyter Server's kernel websocket handler without its login and kernel lookup."""

        async def prepare(self):
            pass

        async def get(self, *args, **kwargs):
            await WebSocketHandler.get(self, *args, **kwargs)

        def check_origin(self, origin):
            return True

        def select_subprotocol(self, subprotocols):
            return None

        def open(self):  # as KernelWebsocketHandler.open: the connection connects the socket
            self.connection = connection_class(websocket_handler=self)
            self.connection.connect()
            sock = self.ws_connection.stream.socket
            seen["nodelay"] = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            self.write_message("open")

        def on_close(self):
            pass

    async def run():
        listeners = bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        server = HTTPServer(Application([("/ws", Handler)]))
        server.add_sockets(listeners)
        port = listeners[0].getsockname()[1]
        client = await asyncio.wait_for(websocket_connect(f"ws://127.0.0.1:{port}/ws"), 30)
        try:
            assert await asyncio.wait_for(client.read_message(), 30) == "open"
        finally:
            client.close()
            await asyncio.wait_for(client.read_message(), 30)  # None once closed
            server.stop()
            await server.close_all_connections()

    asyncio.run(run())
    return seen["nodelay"]


@pytest.fixture
def no_kernel(monkeypatch):
    """Jupyter Server's connect() wires a kernel's channels; there is no kernel here."""
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect", lambda self: None)


def test_the_suites_connection_sends_without_nagles_delay(no_kernel):
    assert _nodelay_of_served_socket(NoDelayConnection) != 0


def test_jupyter_servers_own_connection_leaves_nagle_on(no_kernel):
    # what the suite changes: without NoDelayConnection the option is off
    assert _nodelay_of_served_socket(ZMQChannelsWebsocketConnection) == 0


def test_the_dotted_name_given_to_the_servers_is_the_class():
    from traitlets.utils.importstring import import_item

    assert import_item(CONNECTION_CLASS) is NoDelayConnection
    assert issubclass(NoDelayConnection, ZMQChannelsWebsocketConnection)
