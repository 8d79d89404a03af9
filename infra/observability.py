"""What an operator watches: alarms on the API, every function, the workflows, the
dead-letter queues, the stream consumers and the ranker, all notifying one SNS
topic, and a dashboard with each route's golden signals and the business metrics
that photogram.metrics emits (EMF, namespace `METRICS_NAMESPACE`, `service` = the
function's name). docs/deploy.md (Alarms) says what each alarm means and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.api import Api
from infra.functions import pascal_case
from infra.live import Live
from infra.resources import METRICS_NAMESPACE
from infra.streams import Streams
from infra.workflows import Workflows

PERIOD = Duration.minutes(5)
# The API's 5xx share (percent of requests) and p99 latency (ms) that page someone.
API_5XX_PERCENT = 5
API_P99_MS = 2500
# Below this many requests in a period, a rate says nothing (one 5xx in two requests).
MIN_REQUESTS = 20
# A function's unhandled errors (timeouts, crashes: the handlers answer errors
# themselves) and throttles per period.
FUNCTION_ERRORS = 5
FUNCTION_THROTTLES = 5
# Live connection requests ($connect, messages) whose function answered an error or
# could not be reached, per period.
LIVE_INTEGRATION_ERRORS = 5
# How far a stream consumer may lag behind the table (IteratorAge, ms): fan-out and
# the feed's aggregates are meant to be seconds behind.
STREAM_LAG_MS = 5 * 60 * 1000
# Share of re-ranked feed pages scored by the heuristic because the endpoint failed.
RANKER_FALLBACK_PERCENT = 10
MIN_RANKINGS = 20


@dataclass(frozen=True)
class BusinessMetric:
    """A count photogram.metrics emits, and the function (its `service`) emitting it."""

    name: str
    service: str

    def metric(self, label: str | None = None, **dimensions: str) -> cw.Metric:
        return cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=self.name,
            dimensions_map={"service": self.service, **dimensions},
            statistic=cw.Stats.SUM,
            period=PERIOD,
            label=label or self.name,
        )


MEDIA_READY = BusinessMetric("MediaReady", "media-publish")
MEDIA_REJECTED = BusinessMetric("MediaRejected", "media-reject")
MEDIA_FAILED = BusinessMetric("MediaFailed", "media-fail")
FEED_PAGES = BusinessMetric("FeedPages", "feed")
RANKER_FALLBACKS = BusinessMetric("RankerFallbacks", "feed")
ENGAGEMENT = (
    BusinessMetric("UploadsStarted", "media"),
    BusinessMetric("PostsCreated", "posts"),
    BusinessMetric("Likes", "posts"),
    BusinessMetric("Comments", "posts"),
    BusinessMetric("Follows", "social"),
    BusinessMetric("StoriesPosted", "stories"),
    BusinessMetric("StoriesViewed", "stories"),
)
# Refusals of the per-account rate limits (photogram.limits), by action and limit.
RATE_LIMITED = "RateLimited"
STREAM_METRICS = (
    BusinessMetric("StreamBatches", "streams"),
    BusinessMetric("StreamRecordsFailed", "streams"),
    BusinessMetric("StreamBatchesFailed", "streams"),
)


class Observability(Construct):
    """The alarms (by name: `observability.alarms["api-5xx-rate"]`), their topic and
    the dashboard of one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        api: Api,
        functions: dict[str, lambda_.Function],
        workflows: Workflows,
        streams: Streams,
        ranker: bool,
        alarm_email: str | None = None,
        live: Live | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        # Not encrypted at rest: it carries alarm names, states and metric values, no
        # user data; CloudWatch cannot publish to a topic under the AWS-managed SNS key,
        # and a customer-managed key would cost more than the topic. Publishing to it
        # requires TLS (cdk-nag's AwsSolutions-SNS3).
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name=f"Photogram {stage} alarms",
            enforce_ssl=True,
        )
        # enforce_ssl gives the topic a resource policy, which replaces the default one:
        # without this statement CloudWatch may not publish to it ("no resource-based
        # policy allows the SNS:Publish action"). Only this stage's alarms may.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AlarmsOfThisStagePublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Stack.of(self).account},
                    "ArnLike": {
                        "aws:SourceArn": Stack.of(self).format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name=f"photogram-{stage}-*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = cw_actions.SnsAction(self.topic)
        self.alarms: dict[str, cw.Alarm] = {}

        stage_ = api.rest_api.deployment_stage
        self._api_alarms(stage_)
        if live is not None:
            self._alarm(
                "LiveIntegrationErrors",
                "live-integration-errors",
                live.stage.metric("IntegrationError", period=PERIOD, statistic=cw.Stats.SUM),
                threshold=LIVE_INTEGRATION_ERRORS,
                description=f"{LIVE_INTEGRATION_ERRORS}+ live connection requests ($connect, "
                "messages) in 5 minutes got an error from their function or none.",
            )
        for name, function in functions.items():
            self._function_alarms(name, function)
        for logical_id, machine in workflows.by_logical_id.items():
            self._alarm(
                f"{logical_id}Failed",
                f"{_kebab(logical_id)}-executions-failed",
                machine.metric_failed(period=PERIOD, statistic=cw.Stats.SUM),
                threshold=1,
                description=f"{logical_id} executions failed (not an upload marked FAILED: "
                "the workflow itself broke).",
            )
            self._alarm(
                f"{logical_id}TimedOut",
                f"{_kebab(logical_id)}-executions-timed-out",
                machine.metric_timed_out(period=PERIOD, statistic=cw.Stats.SUM),
                threshold=1,
                description=f"{logical_id} executions ran past the workflow's TimeoutSeconds.",
            )
        queues: dict[str, sqs.IQueue] = {
            f"{logical_id}StartFailures": queue
            for logical_id, queue in workflows.dead_letters.items()
        }
        queues |= {
            f"{pascal_case(name)}StreamFailures": queue
            for name, queue in streams.dead_letters.items()
        }
        for name, queue in queues.items():
            self._alarm(
                f"{name}Waiting",
                f"{_kebab(name)}-dead-letters",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic=cw.Stats.MAXIMUM
                ),
                threshold=1,
                description=f"Messages wait in the {name} dead-letter queue: work was given "
                "up on after its retries.",
            )
        for name in streams.dead_letters:
            self._alarm(
                f"{pascal_case(name)}IteratorAge",
                f"{name}-stream-lag",
                functions[name].metric("IteratorAge", period=PERIOD, statistic=cw.Stats.MAXIMUM),
                threshold=STREAM_LAG_MS,
                evaluation_periods=2,
                description=f"The {name} stream consumer is over {STREAM_LAG_MS // 60000} "
                "minutes behind the table for 10 minutes.",
            )
        if ranker:
            self._alarm(
                "RankerFallbackRate",
                "ranker-fallback-rate",
                cw.MathExpression(
                    expression=f"IF(pages >= {MIN_RANKINGS}, 100 * FILL(fallbacks, 0) / pages, 0)",
                    using_metrics={
                        "fallbacks": RANKER_FALLBACKS.metric(),
                        "pages": FEED_PAGES.metric(source="rank"),
                    },
                    period=PERIOD,
                    label="Ranker fallbacks, % of re-ranked feed pages",
                ),
                threshold=RANKER_FALLBACK_PERCENT,
                evaluation_periods=3,
                description=f"Over {RANKER_FALLBACK_PERCENT}% of re-ranked feed pages were "
                "scored by the heuristic for 15 minutes: the SageMaker endpoint fails or is "
                "too slow.",
            )
        self.dashboard = self._dashboard(api, functions, workflows, queues, streams, live)

    # --- alarms ---------------------------------------------------------------------------

    def _alarm(
        self,
        construct_id: str,
        name: str,
        metric: cw.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            construct_id,
            alarm_name=f"photogram-{self.stage}-{name}",
            alarm_description=f"{description} docs/deploy.md, Alarms: {name}.",
            metric=metric,
            threshold=threshold,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            # No data is no traffic (or no failure), not a failure.
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms[name] = alarm
        return alarm

    def _api_alarms(self, stage: apigw.Stage) -> None:
        self._alarm(
            "Api5xxRate",
            "api-5xx-rate",
            cw.MathExpression(
                expression=f"IF(requests >= {MIN_REQUESTS}, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": stage.metric_server_error(period=PERIOD, statistic=cw.Stats.SUM),
                    "requests": stage.metric_count(period=PERIOD, statistic=cw.Stats.SUM),
                },
                period=PERIOD,
                label="5xx, % of requests",
            ),
            threshold=API_5XX_PERCENT,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            description=f"Over {API_5XX_PERCENT}% of API requests answered 5xx in 2 of 3 "
            "five-minute periods.",
        )
        self._alarm(
            "ApiLatencyP99",
            "api-latency-p99",
            stage.metric_latency(period=PERIOD, statistic=cw.Stats.p(99)),
            threshold=API_P99_MS,
            evaluation_periods=3,
            description=f"The API's p99 latency was over {API_P99_MS} ms for 15 minutes.",
        )

    def _function_alarms(self, name: str, function: lambda_.Function) -> None:
        self._alarm(
            f"{pascal_case(name)}Errors",
            f"{name}-errors",
            function.metric_errors(period=PERIOD, statistic=cw.Stats.SUM),
            threshold=FUNCTION_ERRORS,
            description=f"The {name} function failed {FUNCTION_ERRORS}+ invocations in 5 "
            "minutes (unhandled errors and timeouts; handled errors are answered, not raised).",
        )
        self._alarm(
            f"{pascal_case(name)}Throttles",
            f"{name}-throttles",
            function.metric_throttles(period=PERIOD, statistic=cw.Stats.SUM),
            threshold=FUNCTION_THROTTLES,
            description=f"Lambda refused {FUNCTION_THROTTLES}+ invocations of {name} in 5 "
            "minutes for want of concurrency.",
        )

    # --- dashboard ------------------------------------------------------------------------

    def _dashboard(
        self,
        api: Api,
        functions: dict[str, lambda_.Function],
        workflows: Workflows,
        queues: dict[str, sqs.IQueue],
        streams: Streams,
        live: Live | None,
    ) -> cw.Dashboard:
        dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=f"photogram-{self.stage}")
        dashboard.add_widgets(
            cw.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=24, height=4
            )
        )
        dashboard.add_widgets(*self._media_widgets(workflows), *self._feed_widgets())
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Engagement (per 5 minutes)",
                left=[metric.metric() for metric in ENGAGEMENT],
                width=12,
            ),
            cw.GraphWidget(
                title="Rate-limited writes by action and limit (429 rate_limited)",
                left=[
                    cw.MathExpression(
                        expression=f"SEARCH('{{{METRICS_NAMESPACE},service,action,limit}} "
                        f"MetricName=\"{RATE_LIMITED}\"', 'Sum', 300)",
                        label=RATE_LIMITED,
                        period=PERIOD,
                    )
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Stream consumers",
                left=[metric.metric() for metric in STREAM_METRICS],
                right=[
                    functions[name].metric(
                        "IteratorAge",
                        period=PERIOD,
                        statistic=cw.Stats.MAXIMUM,
                        label=f"{name} IteratorAge (ms)",
                    )
                    for name in streams.dead_letters
                ],
                width=24,
            ),
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Function errors and throttles",
                left=[
                    function.metric_errors(period=PERIOD, label=f"{name} errors")
                    for name, function in functions.items()
                ],
                right=[
                    function.metric_throttles(period=PERIOD, label=f"{name} throttles")
                    for name, function in functions.items()
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Dead-letter queues (messages waiting)",
                left=[
                    queue.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic=cw.Stats.MAXIMUM, label=name
                    )
                    for name, queue in queues.items()
                ],
                width=12,
            ),
        )
        if live is not None:
            dashboard.add_widgets(self._live_widget(live))
        dashboard.add_widgets(*self._route_widgets(api))
        return dashboard

    def _live_widget(self, live: Live) -> cw.IWidget:
        def metric(name: str, label: str) -> cw.IMetric:
            return live.stage.metric(name, period=PERIOD, statistic=cw.Stats.SUM, label=label)

        return cw.GraphWidget(
            title="Live connection (WebSocket API)",
            left=[metric("ConnectCount", "connects"), metric("MessageCount", "messages")],
            right=[
                metric("ClientError", "client errors (4xx, e.g. refused tokens)"),
                metric("IntegrationError", "integration errors"),
                metric("ExecutionError", "execution errors"),
            ],
            width=24,
        )

    def _media_widgets(self, workflows: Workflows) -> list[cw.IWidget]:
        outcomes = cw.GraphWidget(
            title="Media pipeline outcomes",
            left=[
                MEDIA_READY.metric("READY"),
                MEDIA_REJECTED.metric("REJECTED"),
                MEDIA_FAILED.metric("FAILED"),
            ],
            right=[
                machine.metric_failed(period=PERIOD, label=f"{logical_id} executions failed")
                for logical_id, machine in workflows.by_logical_id.items()
            ],
            width=12,
        )
        reasons = cw.GraphWidget(
            title="Rejected and failed uploads by reason",
            left=[
                cw.MathExpression(
                    expression=f"SEARCH('{{{METRICS_NAMESPACE},service,reason}} "
                    f"MetricName=\"{metric.name}\"', 'Sum', 300)",
                    label=metric.name,
                    period=PERIOD,
                )
                for metric in (MEDIA_REJECTED, MEDIA_FAILED)
            ],
            width=12,
        )
        return [outcomes, reasons]

    def _feed_widgets(self) -> list[cw.IWidget]:
        return [
            cw.GraphWidget(
                title="Feed pages and ranker fallbacks",
                left=[
                    FEED_PAGES.metric("pages from the cache", source="cache"),
                    FEED_PAGES.metric("pages ranked anew", source="rank"),
                ],
                right=[
                    RANKER_FALLBACKS.metric("fallbacks: timeout", cause="timeout"),
                    RANKER_FALLBACKS.metric("fallbacks: error", cause="error"),
                ],
                width=24,
            )
        ]

    def _route_widgets(self, api: Api) -> list[cw.IWidget]:
        """Requests, 4xx, 5xx and p50/p99 latency of each route: the stage has detailed
        (per resource and method) metrics on (infra/api.py, `metrics_enabled`)."""
        rest_api = api.rest_api
        widgets: list[cw.IWidget] = [
            cw.TextWidget(markdown="## Routes (API Gateway, per method)", width=24, height=1)
        ]
        for method, path in api.methods:
            dimensions = {
                "ApiName": rest_api.rest_api_name,
                "Stage": rest_api.deployment_stage.stage_name,
                "Resource": path,
                "Method": method,
            }

            def metric(name: str, statistic: str, label: str) -> cw.Metric:
                return cw.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name=name,
                    dimensions_map=dimensions,  # noqa: B023 - called at once
                    statistic=statistic,
                    period=PERIOD,
                    label=label,
                )

            widgets.append(
                cw.GraphWidget(
                    title=f"{method} {path}",
                    left=[
                        metric("Count", cw.Stats.SUM, "requests"),
                        metric("4XXError", cw.Stats.SUM, "4xx"),
                        metric("5XXError", cw.Stats.SUM, "5xx"),
                    ],
                    right=[
                        metric("Latency", cw.Stats.p(50), "p50 ms"),
                        metric("Latency", cw.Stats.p(99), "p99 ms"),
                    ],
                    width=8,
                    height=5,
                )
            )
        return widgets


def _kebab(name: str) -> str:
    """ "MediaPipelineStartFailures" -> "media-pipeline-start-failures"."""
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")
