"""WebSocket routes of the video room (mounted by daraport.asgi)."""

from django.urls import path

from .consumers import LobbyConsumer, VideoConsumer

websocket_urlpatterns = [
    path("ws/video/lobby/", LobbyConsumer.as_asgi()),
    path("ws/video/<uuid:public_id>/", VideoConsumer.as_asgi()),
]
