"""Alarms on everything an operator must hear about, one topic they all notify, an
email subscription only when asked for, and a dashboard of routes and outcomes."""

from __future__ import annotations

import json

import pytest

from infra.config import StackConfig
from infra.observability import API_5XX_PERCENT, RANKER_FALLBACK_PERCENT
from infra.resources import METRICS_NAMESPACE
from infra.routes import FUNCTIONS, ROUTES
from tests.infra.synth import Synth, synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

EMAIL = "ops@example.com"


@pytest.fixture(scope="module")
def with_email(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.stack import add_photogram

    return synthesize(tmp_path_factory.mktemp("alarm-email"), add_photogram, alarm_email=EMAIL)


def alarms(synth: Synth) -> dict[str, dict]:
    """Alarm name without the stage prefix -> its properties."""
    return {
        r["Properties"]["AlarmName"].removeprefix("photogram-dev-"): r["Properties"]
        for r in synth.of_type("AWS::CloudWatch::Alarm").values()
    }


def metric_stats(alarm: dict) -> dict[str, dict]:
    """A math alarm's metrics by id: {"errors": {"MetricName": ..., ...}}."""
    return {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}


def expression(alarm: dict) -> str:
    (found,) = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    return found


def test_the_api_alarms_on_its_5xx_rate_and_p99_latency(photogram):
    found = alarms(photogram)

    rate = found["api-5xx-rate"]
    stats = metric_stats(rate)
    assert (stats["errors"]["MetricName"], stats["requests"]["MetricName"]) == ("5XXError", "Count")
    assert "100 * errors / requests" in expression(rate)
    assert rate["Threshold"] == API_5XX_PERCENT
    latency = found["api-latency-p99"]
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("Latency", "p99")
    assert {d["Name"] for d in latency["Dimensions"]} == {"ApiName", "Stage"}


def test_every_function_alarms_on_errors_and_throttles(photogram):
    found = alarms(photogram)
    functions = photogram.function_ids()

    for spec in FUNCTIONS:
        for suffix, metric in (("errors", "Errors"), ("throttles", "Throttles")):
            alarm = found[f"{spec.name}-{suffix}"]
            assert alarm["MetricName"] == metric and alarm["Namespace"] == "AWS/Lambda"
            assert alarm["Dimensions"] == [
                {"Name": "FunctionName", "Value": {"Ref": functions[spec.name]}}
            ]


def test_the_media_pipeline_alarms_on_failed_and_timed_out_executions(photogram):
    found = alarms(photogram)
    (machine,) = photogram.of_type("AWS::StepFunctions::StateMachine")

    for name, metric in (
        ("media-pipeline-executions-failed", "ExecutionsFailed"),
        ("media-pipeline-executions-timed-out", "ExecutionsTimedOut"),
    ):
        alarm = found[name]
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/States", metric)
        assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine}}]


def test_every_dead_letter_queue_alarms_on_a_waiting_message(photogram):
    queues = photogram.of_type("AWS::SQS::Queue")
    watched = [
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms(photogram).values()
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    ]

    assert queues and sorted(watched) == sorted(queues)
    assert all(
        a["Threshold"] == 1 and a["Statistic"] == "Maximum"
        for a in alarms(photogram).values()
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    )


def test_every_stream_consumer_alarms_on_its_iterator_age(photogram):
    mappings = photogram.of_type("AWS::Lambda::EventSourceMapping").values()
    consumers = sorted(m["Properties"]["FunctionName"]["Ref"] for m in mappings)

    watched = sorted(
        a["Dimensions"][0]["Value"]["Ref"]
        for a in alarms(photogram).values()
        if a.get("MetricName") == "IteratorAge"
    )

    assert consumers and watched == consumers


def test_the_ranker_fallback_rate_divides_fallbacks_by_re_ranked_pages(photogram):
    alarm = alarms(photogram)["ranker-fallback-rate"]

    stats = metric_stats(alarm)
    assert stats["fallbacks"]["MetricName"] == "RankerFallbacks"
    assert stats["pages"]["MetricName"] == "FeedPages"
    assert {d["Name"]: d["Value"] for d in stats["pages"]["Dimensions"]} == {
        "service": "feed",
        "source": "rank",
    }
    assert {s["Namespace"] for s in stats.values()} == {METRICS_NAMESPACE}
    assert alarm["Threshold"] == RANKER_FALLBACK_PERCENT


def test_every_alarm_notifies_the_topic_on_alarm_and_ok_and_ignores_missing_data(photogram):
    (topic,) = photogram.of_type("AWS::SNS::Topic")

    for name, alarm in alarms(photogram).items():
        assert alarm["AlarmActions"] == [{"Ref": topic}], name
        assert alarm["OKActions"] == [{"Ref": topic}], name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_the_topic_takes_tls_only_and_this_stages_alarms(photogram):
    (policy,) = photogram.of_type("AWS::SNS::TopicPolicy").values()

    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    tls = statements["AllowPublishThroughSSLOnly"]
    assert tls["Effect"] == "Deny"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    alarms_publish = statements["AlarmsOfThisStagePublish"]
    assert alarms_publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms_publish["Action"] == "sns:Publish"
    assert "alarm:photogram-dev-*" in json.dumps(alarms_publish["Condition"]["ArnLike"])
    assert "aws:SourceAccount" in alarms_publish["Condition"]["StringEquals"]


def test_no_subscription_without_alarm_email(photogram):
    assert photogram.of_type("AWS::SNS::Subscription") == {}


def test_alarm_email_subscribes_that_address(with_email):
    (subscription,) = with_email.of_type("AWS::SNS::Subscription").values()

    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == EMAIL


def test_alarm_email_keeps_cdk_nag_clean(with_email):
    unsuppressed = [
        v["ruleName"]
        for plugin in with_email.report["pluginReports"]
        for v in plugin.get("violations", [])
    ]

    assert unsuppressed == []


@pytest.mark.parametrize("value", ["ops", "ops@", "a@b", "ops@example.com,more@example.com"])
def test_a_malformed_alarm_email_is_refused(value):
    import aws_cdk as cdk

    with pytest.raises(ValueError, match="alarm_email"):
        StackConfig.from_context(cdk.App(context={"alarm_email": value}).node)


def test_the_dashboard_shows_every_route_and_the_pipeline_outcomes(photogram):
    (dashboard,) = photogram.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])

    for route in ROUTES:
        assert f"{route.method} {route.path}" in body
    for metric in ("4XXError", "5XXError", "p50", "p99", "Count"):
        assert metric in body
    for outcome in ("MediaReady", "MediaRejected", "MediaFailed"):
        assert outcome in body


def test_the_dashboard_shows_rate_limit_refusals_by_action_and_limit(photogram):
    (dashboard,) = photogram.of_type("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])

    assert "{Photogram,service,action,limit}" in body and "RateLimited" in body
