"""The route table: every HTTP route, the Lambda function serving it, and
whether it needs a signed-in caller.

Read by the CDK API construct (one API Gateway method per row) and by the local
HTTP adapter (`local/http.py`). `tests/unit/test_routes.py` holds each
function's Powertools resolver to the rows naming it, and `tests/infra` holds
the synthesized template to the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.resources import CDN_SIGNING_KEY, CURSOR_KEY, MEDIA, RAW_MEDIA, TABLE

# Bucket access a function may be granted: (bucket logical id, access).
READ, WRITE, DELETE, PRESIGN_POST = "read", "write", "delete", "presign_post"


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: `functions/<folder>/handler.py`, entry point `entry`."""

    name: str
    description: str
    memory_mb: int = 1024
    timeout_seconds: int = 10
    # What the function may touch; CDK grants exactly this and sets the env vars.
    uses_table: bool = True
    uses_secrets: tuple[str, ...] = (CURSOR_KEY.env_var,)
    buckets: tuple[tuple[str, str], ...] = ()
    # Gets the CDN base URL (PHOTOGRAM_CDN_BASE_URL) to build media URLs.
    uses_cdn: bool = False
    # Actions with no resource-level permissions (granted on "*").
    service_actions: tuple[str, ...] = ()
    # Reads and writes the search engine (photogram.adapters.search): CDK gives it the
    # engine's settings and the right to call it; "off" where the stack has none.
    uses_search: bool = False
    # Verifies the user pool's id tokens itself (photogram.tokens): CDK gives it the
    # pool's and app client's ids.
    uses_user_pool: bool = False
    # Sends to live connections (photogram.live): CDK gives it the WebSocket API's
    # management endpoint and execute-api:ManageConnections on its stage.
    uses_live: bool = False
    # Consumes the table's stream (an event source mapping on AWS, the local stream
    # poller locally), in batches of this size; 0 means no stream.
    stream_batch_size: int = 0
    # Several functions may share one folder (the pipeline's steps do).
    folder: str | None = None
    entry: str = "lambda_handler"

    @property
    def folder_name(self) -> str:
        return self.folder or self.name

    @property
    def handler(self) -> str:
        return f"handler.{self.entry}"


def _step(name: str, entry: str, description: str, **options: object) -> FunctionSpec:
    """A media pipeline step: invoked by Step Functions, no HTTP route."""
    defaults: dict[str, object] = {"uses_secrets": (), "folder": "media_pipeline", "entry": entry}
    return FunctionSpec(name, description, **(defaults | options))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Route:
    method: str
    # API Gateway's form: /users/{handle}
    path: str
    function: str
    authorized: bool = True

    @property
    def resolver_path(self) -> str:
        """The same path in Powertools' form: /users/<handle>."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "users",
        "Profiles: /me and /users/{handle}",
        # Replacing an avatar removes the old one's published files.
        buckets=((MEDIA.logical_id, DELETE),),
        uses_cdn=True,
    ),
    FunctionSpec(
        "social",
        "The follow graph: follows, requests, blocks, mutes, close friends",
        uses_cdn=True,
    ),
    FunctionSpec(
        "media",
        "Uploads: presigned POSTs and media status",
        memory_mb=512,
        # The owner's own private (message) media is shown with signed URLs.
        uses_secrets=(CURSOR_KEY.env_var, CDN_SIGNING_KEY.env_var),
        buckets=((RAW_MEDIA.logical_id, PRESIGN_POST),),
        uses_cdn=True,
    ),
    FunctionSpec(
        "posts",
        "Posts: create, read, change, delete; profile grids, hashtags and places",
        memory_mb=1024,
        # Deleting a post removes its media's published files.
        buckets=((MEDIA.logical_id, DELETE),),
        uses_cdn=True,
    ),
    FunctionSpec(
        "feed",
        "The ranked home feed",
        memory_mb=1024,
        uses_cdn=True,
    ),
    FunctionSpec(
        "stories",
        "Stories: 24-hour stories, the tray, views, highlights",
        memory_mb=1024,
        uses_cdn=True,
    ),
    FunctionSpec(
        "search",
        "Search: users, hashtags and places as people type",
        memory_mb=1024,
        uses_cdn=True,
        uses_search=True,
    ),
    FunctionSpec(
        "streams",
        "Table stream consumer: feed fan-out and aggregates, story rings, media cleanup, "
        "search indexing, notifications",
        memory_mb=1024,
        timeout_seconds=60,
        uses_secrets=(),
        uses_search=True,
        # Each new or updated notification is pushed to its recipient's devices.
        uses_live=True,
        stream_batch_size=100,
        # Expired and deleted stories' media files, once nothing keeps them.
        buckets=((MEDIA.logical_id, DELETE),),
    ),
    FunctionSpec(
        "notifications",
        "Notifications: the activity inbox, its unread count and settings",
        memory_mb=1024,
        uses_cdn=True,
    ),
    FunctionSpec(
        "messages",
        "Direct messages: conversations, members, messages, read marks, requests",
        memory_mb=1024,
        uses_cdn=True,
        # A message's photo is private: its URLs are signed for the members.
        uses_secrets=(CURSOR_KEY.env_var, CDN_SIGNING_KEY.env_var),
        # A send pushes the message to the members' live connections.
        uses_live=True,
        # Removing a message removes its photo's files.
        buckets=((MEDIA.logical_id, DELETE),),
    ),
    FunctionSpec(
        "live",
        "Live connections: connect, disconnect and the client's messages (ping, typing, read)",
        memory_mb=512,
        uses_secrets=(),
        # It answers a ping on the connection it came from, and tells the other members
        # of a conversation that someone is typing or has read.
        uses_live=True,
    ),
    FunctionSpec(
        "live-authorizer",
        "Live connections: the $connect authorizer (the Cognito id token in ?token=)",
        memory_mb=256,
        timeout_seconds=5,
        uses_table=False,
        uses_secrets=(),
        uses_user_pool=True,
        folder="live_authorizer",
    ),
    _step(
        "media-validate",
        "validate",
        "Pipeline: real format, size and pixel-count checks; marks PROCESSING once",
        memory_mb=1024,
        timeout_seconds=30,
        # DELETE: a second upload posted to a key already claimed is discarded.
        buckets=((RAW_MEDIA.logical_id, READ), (RAW_MEDIA.logical_id, DELETE)),
    ),
    # 12 MP decodes to 36 MB RGB; HEIC decodes at full size with libheif's buffers
    # (~3x), and 1,769 MB is where Lambda gives a full vCPU to the resize.
    _step(
        "media-resize",
        "resize",
        "Pipeline: upright sRGB variants without metadata, written to the media bucket",
        memory_mb=1769,
        timeout_seconds=60,
        # DELETE: it removes its own variants when a sibling step failed the workflow.
        buckets=(
            (RAW_MEDIA.logical_id, READ),
            (MEDIA.logical_id, WRITE),
            (MEDIA.logical_id, DELETE),
        ),
    ),
    _step(
        "media-metadata",
        "metadata",
        "Pipeline: camera, time and GPS kept private to the owner",
        memory_mb=512,
        timeout_seconds=30,
        uses_table=False,
        buckets=((RAW_MEDIA.logical_id, READ),),
    ),
    _step(
        "media-moderate",
        "moderate",
        "Pipeline: moderation (Rekognition on AWS, a perceptual-hash blocklist locally)",
        memory_mb=1024,
        timeout_seconds=30,
        buckets=((RAW_MEDIA.logical_id, READ),),
        service_actions=("rekognition:DetectModerationLabels",),
    ),
    _step(
        "media-publish",
        "publish",
        "Pipeline: records variants and marks the media READY",
        memory_mb=512,
        timeout_seconds=30,
        uses_cdn=True,
        buckets=((RAW_MEDIA.logical_id, DELETE),),
    ),
    _step(
        "media-reject",
        "reject",
        "Pipeline: marks REJECTED with a reason and removes raw and partial files",
        memory_mb=512,
        timeout_seconds=30,
        buckets=((RAW_MEDIA.logical_id, DELETE), (MEDIA.logical_id, DELETE)),
    ),
    _step(
        "media-fail",
        "fail",
        "Pipeline: marks FAILED with a reason after an unexpected error",
        memory_mb=512,
        timeout_seconds=30,
        buckets=((RAW_MEDIA.logical_id, DELETE), (MEDIA.logical_id, DELETE)),
    ),
)

ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "users", authorized=False),
    Route("GET", "/me", "users"),
    Route("PUT", "/me", "users"),
    Route("GET", "/users/{handle}", "users"),
    Route("POST", "/users/{handle}/follow", "social"),
    Route("DELETE", "/users/{handle}/follow", "social"),
    Route("GET", "/users/{handle}/followers", "social"),
    Route("GET", "/users/{handle}/following", "social"),
    Route("DELETE", "/me/followers/{handle}", "social"),
    Route("GET", "/me/follow-requests", "social"),
    Route("POST", "/me/follow-requests/{handle}/approve", "social"),
    Route("POST", "/me/follow-requests/{handle}/deny", "social"),
    Route("POST", "/users/{handle}/block", "social"),
    Route("DELETE", "/users/{handle}/block", "social"),
    Route("GET", "/me/blocks", "social"),
    Route("POST", "/users/{handle}/mute", "social"),
    Route("DELETE", "/users/{handle}/mute", "social"),
    Route("GET", "/me/mutes", "social"),
    Route("PUT", "/me/close-friends/{handle}", "social"),
    Route("DELETE", "/me/close-friends/{handle}", "social"),
    Route("GET", "/me/close-friends", "social"),
    Route("POST", "/media", "media"),
    Route("GET", "/media/{media_id}", "media"),
    Route("POST", "/posts", "posts"),
    Route("GET", "/posts/{post_id}", "posts"),
    Route("PATCH", "/posts/{post_id}", "posts"),
    Route("DELETE", "/posts/{post_id}", "posts"),
    Route("GET", "/users/{handle}/posts", "posts"),
    Route("GET", "/hashtags/{tag}", "posts"),
    Route("GET", "/hashtags/{tag}/posts", "posts"),
    Route("GET", "/places/{place_id}", "posts"),
    Route("GET", "/places/{place_id}/posts", "posts"),
    Route("PUT", "/posts/{post_id}/like", "posts"),
    Route("DELETE", "/posts/{post_id}/like", "posts"),
    Route("GET", "/posts/{post_id}/likes", "posts"),
    Route("PUT", "/posts/{post_id}/save", "posts"),
    Route("DELETE", "/posts/{post_id}/save", "posts"),
    Route("GET", "/me/saved", "posts"),
    Route("POST", "/posts/{post_id}/comments", "posts"),
    Route("GET", "/posts/{post_id}/comments", "posts"),
    Route("DELETE", "/posts/{post_id}/comments/{comment_id}", "posts"),
    Route("GET", "/feed", "feed"),
    Route("POST", "/stories", "stories"),
    Route("GET", "/stories/tray", "stories"),
    Route("DELETE", "/stories/{story_id}", "stories"),
    Route("POST", "/stories/{story_id}/view", "stories"),
    Route("GET", "/stories/{story_id}/viewers", "stories"),
    Route("GET", "/users/{handle}/stories", "stories"),
    Route("POST", "/highlights", "stories"),
    Route("PATCH", "/highlights/{highlight_id}", "stories"),
    Route("DELETE", "/highlights/{highlight_id}", "stories"),
    Route("GET", "/users/{handle}/highlights", "stories"),
    Route("GET", "/search", "search"),
    Route("GET", "/search/users", "search"),
    Route("GET", "/search/hashtags", "search"),
    Route("GET", "/search/places", "search"),
    Route("GET", "/me/notifications", "notifications"),
    Route("GET", "/me/notifications/unread-count", "notifications"),
    Route("POST", "/me/notifications/seen", "notifications"),
    Route("GET", "/me/notification-settings", "notifications"),
    Route("PUT", "/me/notification-settings", "notifications"),
    Route("POST", "/conversations", "messages"),
    Route("GET", "/me/conversations", "messages"),
    Route("GET", "/conversations/{conversation_id}", "messages"),
    Route("PATCH", "/conversations/{conversation_id}", "messages"),
    Route("POST", "/conversations/{conversation_id}/members", "messages"),
    Route("DELETE", "/conversations/{conversation_id}/members/{handle}", "messages"),
    Route("POST", "/conversations/{conversation_id}/leave", "messages"),
    Route("POST", "/conversations/{conversation_id}/accept", "messages"),
    Route("POST", "/conversations/{conversation_id}/messages", "messages"),
    Route("GET", "/conversations/{conversation_id}/messages", "messages"),
    Route("DELETE", "/conversations/{conversation_id}/messages/{message_id}", "messages"),
    Route("POST", "/conversations/{conversation_id}/read", "messages"),
)


@dataclass(frozen=True)
class SocketRoute:
    """A route of the WebSocket API: `$connect`, `$disconnect`, `$default`, or the
    `action` of a client's JSON message (SOCKET_ROUTE_SELECTION)."""

    key: str
    function: str


# WebSocket APIs take no Cognito authorizer: this Lambda REQUEST authorizer checks the
# id token on $connect (the only route that can carry one), read from the query string
# because browsers cannot set headers on a WebSocket handshake.
SOCKET_AUTHORIZER = "live-authorizer"
SOCKET_TOKEN_PARAMETER = "token"  # noqa: S105 - a query parameter name, not a secret
SOCKET_ROUTE_SELECTION = "$request.body.action"
SOCKET_ROUTES: tuple[SocketRoute, ...] = (
    SocketRoute("$connect", "live"),
    SocketRoute("$disconnect", "live"),
    SocketRoute("$default", "live"),
    SocketRoute("ping", "live"),
    SocketRoute("typing", "live"),
    SocketRoute("read", "live"),
)
# API Gateway's limits on a WebSocket connection, which the local gateway emulates.
SOCKET_MESSAGE_MAX_BYTES = 128 * 1024
SOCKET_IDLE_SECONDS = 10 * 60
SOCKET_LIFETIME_SECONDS = 2 * 3600

TABLE_ENV_VAR = TABLE.env_var


def function(name: str) -> FunctionSpec:
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def routes_of(function_name: str) -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.function == function_name)
