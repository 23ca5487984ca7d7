"""Kernel websockets that send each message at once: the explorer's pictures arrive without a pause.

Jupyter Server (and Voilà, which uses its kernel websocket) leaves Nagle's algorithm on for the
websocket between the server and the browser.  A message that does not fill its last TCP
segment then waits for the browser's acknowledgement of the previous one, which Linux may
delay by up to 40 ms: a picker change whose new picture is a small message (the explorer's
fill layer is a few kB) sometimes takes 40 ms longer to reach the page than a large one.
:class:`NoDelayConnection` is Jupyter Server's own kernel connection with ``TCP_NODELAY`` set on
its websocket (Tornado's ``WebSocketHandler.set_nodelay``), and nothing else changed.

Use it with JupyterLab and Voilà (``make lab`` and ``make dashboard`` do)::

    jupyter lab --ServerApp.kernel_websocket_connection_class=itclusters.server.NoDelayConnection
    voila notebooks/dashboard.ipynb --Voila.kernel_websocket_connection_class=itclusters.server.NoDelayConnection

``benchmarks/bench_explorer_browser.py`` measures the difference (each app runs with and
without it).

The dashboard's page is Voilà's "lab" page without the two stylesheets it asks of a CDN (Voilà's
own script carries the same icons): the template ``itclusters`` under :data:`JUPYTER_DATA`, so
that the page opens where there is no internet::

    JUPYTER_PATH=lib/itclusters/share/jupyter voila notebooks/dashboard.ipynb --template=itclusters
"""
from __future__ import annotations

from pathlib import Path

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["NoDelayConnection", "CONNECTION_CLASS", "JUPYTER_DATA", "VOILA_TEMPLATE"]

#: A Jupyter data folder (for ``JUPYTER_PATH``) holding the dashboard's Voilà template.
JUPYTER_DATA = Path(__file__).resolve().parent / "share" / "jupyter"
#: The name of that template (Voilà's ``--template``).
VOILA_TEMPLATE = "itclusters"

#: The dotted name to give ``kernel_websocket_connection_class``.
CONNECTION_CLASS = "itclusters.server.NoDelayConnection"


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """Jupyter Server's kernel websocket connection, sending without Nagle's delay."""

    def connect(self):
        # the websocket is open by now (the handler's open() calls connect())
        self.websocket_handler.set_nodelay(True)
        return super().connect()
