"""Search: users, hashtags and places as people type them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.search import service
from photogram.search.models import HashtagResults, PlaceResults, SearchTop, UserResults

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)

Q = Annotated[
    str,
    Query(
        min_length=1,
        max_length=service.MAX_QUERY,
        description="What was typed so far (a leading @ or # is ignored).",
    ),
]


@app.get("/search/users")
def search_users(q: Q, limit: api.Limit = None, cursor: api.Cursor = None) -> UserResults:
    return service.search_users(api.caller_id(app), q, api.page(limit, cursor))


@app.get("/search/hashtags")
def search_hashtags(q: Q, limit: api.Limit = None, cursor: api.Cursor = None) -> HashtagResults:
    return service.search_hashtags(api.caller_id(app), q, api.page(limit, cursor))


Lat = Annotated[float | None, Query(ge=-90, le=90, description="Rank places from here (with lng).")]
Lng = Annotated[
    float | None, Query(ge=-180, le=180, description="Rank places from here (with lat).")
]


@app.get("/search/places")
def search_places(
    q: Q, lat: Lat = None, lng: Lng = None, limit: api.Limit = None, cursor: api.Cursor = None
) -> PlaceResults:
    return service.search_places(api.caller_id(app), q, lat, lng, api.page(limit, cursor))


@app.get("/search")
def search_top(q: Q, lat: Lat = None, lng: Lng = None) -> SearchTop:
    return service.search_top(api.caller_id(app), q, lat, lng)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
