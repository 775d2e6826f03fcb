"""The embedded graph server starts again on the ports it had when they are free, so clients
holding its URL reconnect after a restart (the restart itself: apps/graph/tests/
test_sync_outage.py)."""

import json
import socket

from apps.core.runtime.graph_server import _free_port, _ports


def kept(tmp_path, bolt_port, http_port):
    address = tmp_path / "address.json"
    address.write_text(json.dumps({"bolt_port": bolt_port, "http_port": http_port}))
    return address


def test_the_last_ports_are_kept_when_free(tmp_path):
    ports = (_free_port(), _free_port())
    assert _ports(kept(tmp_path, *ports)) == ports


def test_new_ports_when_one_is_taken(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        http_port = _free_port()
        bolt_port, _ = _ports(kept(tmp_path, taken, http_port))
    assert bolt_port != taken


def test_new_ports_on_a_first_start(tmp_path):
    bolt_port, http_port = _ports(tmp_path / "address.json")
    assert bolt_port > 0 and http_port > 0 and bolt_port != http_port
