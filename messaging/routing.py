"""WebSocket routes of messaging (mounted by daraport.asgi)."""

from django.urls import path

from .consumers import ConversationConsumer, UnreadConsumer

websocket_urlpatterns = [
    path("ws/conversations/<uuid:public_id>/", ConversationConsumer.as_asgi()),
    path("ws/unread/", UnreadConsumer.as_asgi()),
]
