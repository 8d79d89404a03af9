"""Notifications: my activity inbox, its unread count, marking it seen, my settings."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.notifications import service
from photogram.notifications.models import (
    NotificationPage,
    NotificationSettings,
    NotificationSettingsIn,
    SeenOut,
    UnreadCount,
)

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)


@app.get("/me/notifications")
def list_notifications(limit: api.Limit = None, cursor: api.Cursor = None) -> NotificationPage:
    return service.list_notifications(api.caller_id(app), api.page(limit, cursor))


@app.get("/me/notifications/unread-count")
def unread_count() -> UnreadCount:
    return service.unread_count(api.caller_id(app))


@app.post("/me/notifications/seen")
def mark_seen() -> SeenOut:
    return service.mark_seen(api.caller_id(app))


@app.get("/me/notification-settings")
def get_settings() -> NotificationSettings:
    return service.get_settings(api.caller_id(app))


@app.put("/me/notification-settings")
def change_settings(change: NotificationSettingsIn) -> NotificationSettings:
    return service.change_settings(api.caller_id(app), change)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
