import pytest

from tests.video.turn_server import require_turnserver, start_turn_server, stop_turn_server


@pytest.fixture(scope="session")
def turn_server():
    """A real coturn on loopback for the whole run (tests/video/turn_server.py)."""
    require_turnserver()
    server = start_turn_server()
    yield server
    stop_turn_server(server)
