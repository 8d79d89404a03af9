"""The optional web ACL in front of the API stage (context `waf=true`): a rate limit
per source IP and AWS's common rule set. docs/deploy.md (Rate limits) says how it
composes with the stage's throttle and the per-account limits in the functions."""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.api import Api, ErrorResponse, error_template, gateway_cors_headers

# WAF counts each IP's requests over this window (60, 120, 300 or 600 seconds).
WINDOW_SECONDS = 300
# What the rate rule answers: the API's own 429 envelope. WAF re-evaluates its rate
# limits about every half minute, so a minute is an honest Retry-After.
RETRY_AFTER_SECONDS = 60
RATE_LIMITED_BODY = json.dumps(
    {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests from this address; retry later.",
        }
    }
)
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
# Rules of the common set that only count here: WAF inspects the first 8 KB of a
# regional API's body, and the API takes JSON bodies up to 64 KB (its handlers refuse
# larger ones with 413); a caption or comment is text, never HTML the API serves, so a
# body that looks like a script is not an attack on anything.
COUNTED_COMMON_RULES = ("SizeRestrictions_BODY", "CrossSiteScripting_BODY")
# A request the common rule set blocks reaches the caller as API Gateway's WAF_FILTERED
# response: in the API's envelope, as its other gateway responses are.
WAF_FILTERED = ErrorResponse("WAF_FILTERED", "forbidden", "403", "The request was refused.")


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


class Waf(Construct):
    """A REGIONAL web ACL associated with `api`'s stage: `rate_limit` requests per IP
    per 5 minutes (then 429), and AWS's common rule set (403)."""

    def __init__(self, scope: Construct, construct_id: str, *, api: Api, rate_limit: int) -> None:
        super().__init__(scope, construct_id)
        stage = api.rest_api.deployment_stage
        name = f"{api.rest_api.rest_api_name}-api"
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            description="Photogram API: requests per IP limit, AWS common rule set",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            custom_response_bodies={
                "RateLimited": wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=RATE_LIMITED_BODY
                )
            },
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="RequestsPerIp",
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP",
                            limit=rate_limit,
                            evaluation_window_sec=WINDOW_SECONDS,
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(
                        block=wafv2.CfnWebACL.BlockActionProperty(
                            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                                response_code=429,
                                custom_response_body_key="RateLimited",
                                response_headers=[
                                    wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                                        name="Retry-After", value=str(RETRY_AFTER_SECONDS)
                                    )
                                ],
                            )
                        )
                    ),
                    visibility_config=_visibility(f"{name}-requests-per-ip"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name="CommonRuleSet",
                    priority=1,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name=COMMON_RULE_SET,
                            rule_action_overrides=[
                                wafv2.CfnWebACL.RuleActionOverrideProperty(
                                    name=rule,
                                    action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                                )
                                for rule in COUNTED_COMMON_RULES
                            ],
                        )
                    ),
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    visibility_config=_visibility(f"{name}-common-rule-set"),
                ),
            ],
        )
        # The stage's ARN refers to the stage, so CloudFormation creates the stage first.
        self.association = wafv2.CfnWebACLAssociation(
            self,
            "StageAssociation",
            resource_arn=stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        api.rest_api.add_gateway_response(
            "WafFilteredResponse",
            type=apigw.ResponseType.WAF_FILTERED,
            status_code=WAF_FILTERED.status,
            templates={"application/json": error_template(WAF_FILTERED)},
            response_headers=gateway_cors_headers(api.cors) or None,
        )
