"""PhotogramStack: every construct, wired from the declarations in resources.py and routes.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.api import Api
from infra.auth import Auth
from infra.cdn import Cdn
from infra.config import StackConfig
from infra.cors import CorsPolicy
from infra.data import Data
from infra.environment import (
    USER_POOL_CLIENT_ID_ENV_VAR,
    USER_POOL_ID_ENV_VAR,
    USER_POOL_REGION_ENV_VAR,
)
from infra.functions import FUNCTIONS_DIR, Functions
from infra.layers import Layers
from infra.live import Live
from infra.observability import Observability
from infra.ranking import Ranking
from infra.resources import CDN_SIGNING_KEY, RESOURCES, Resources
from infra.routes import FUNCTIONS, ROUTES, SOCKET_ROUTES, FunctionSpec, Route, SocketRoute
from infra.search import Search
from infra.secrets import Secrets
from infra.storage import Storage
from infra.streams import Streams
from infra.waf import Waf
from infra.workflows import Workflows

LOG_RETENTION = logs.RetentionDays.ONE_MONTH


def add_photogram(app: cdk.App, **stack_options: Any) -> PhotogramStack:
    """The stage named by the app's context, checked by cdk-nag when the app synthesizes."""
    config = StackConfig.from_context(app.node)
    stack_options.setdefault(
        "env",
        # The account and region of the deployer's credentials; none means env-agnostic.
        cdk.Environment(
            account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
            region=os.environ.get("CDK_DEFAULT_REGION"),
        ),
    )
    stack = PhotogramStack(
        app,
        "Photogram",
        stack_name=f"photogram-{config.stage}",
        description=f"Photogram backend, stage {config.stage}",
        config=config,
        **stack_options,
    )
    nag.add_checks(app)
    return stack


class PhotogramStack(cdk.Stack):
    """The API, its functions, the table and its stream's consumers, the user pool, the
    secrets, the media buckets, the CDN and the media pipeline of one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        resources: Resources = RESOURCES,
        functions: tuple[FunctionSpec, ...] = FUNCTIONS,
        routes: tuple[Route, ...] = ROUTES,
        socket_routes: tuple[SocketRoute, ...] = SOCKET_ROUTES,
        functions_dir: Path = FUNCTIONS_DIR,
        **stack_options: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_options)
        self.config = config
        self.specs = functions

        self.data = Data(self, "Data", spec=resources.table)
        self.secrets = Secrets(self, "Secrets", specs=resources.secrets)
        self.auth = Auth(self, "Auth", spec=resources.user_pool, stage=config.stage)
        self.layers = Layers(self, "Layers")
        cors = CorsPolicy(config.cors_origins)
        self.storage = Storage(self, "Storage", specs=resources.buckets, cors=cors)
        cdn_origins = [spec.logical_id for spec in resources.buckets if spec.cdn_origin]
        if len(cdn_origins) != 1:
            raise ValueError(
                f"one bucket must be the CDN's origin (cdn_origin=True): {cdn_origins}"
            )
        self.cdn = Cdn(
            self,
            "Cdn",
            origin_bucket=self.storage.bucket(cdn_origins[0]),
            log_bucket=self.storage.access_logs,
            price_class=config.cdn_price_class,
            domain_name=config.cdn_domain,
            certificate_arn=config.cdn_certificate_arn,
            cors=cors,
            signing_public_keys=config.cdn_signing_public_keys,
        )
        # The WebSocket API and its stage before the functions, whose environment names
        # the stage's management endpoint; its routes, which name the functions, after.
        self.live: Live | None = None
        if socket_routes:
            self.live = Live(
                self,
                "Live",
                stage=config.stage,
                throttle_rate=config.throttle_rate,
                throttle_burst=config.throttle_burst,
                log_retention=LOG_RETENTION,
            )
        self.functions = Functions(
            self,
            "Functions",
            specs=functions,
            data=self.data,
            secrets=self.secrets,
            layers=self.layers,
            storage=self.storage,
            cdn_base_url=self.cdn.base_url,
            log_retention=LOG_RETENTION,
            functions_dir=functions_dir,
            user_pool={
                USER_POOL_ID_ENV_VAR: self.auth.user_pool.user_pool_id,
                USER_POOL_CLIENT_ID_ENV_VAR: self.auth.client.user_pool_client_id,
                USER_POOL_REGION_ENV_VAR: self.region,
            },
            live_endpoint=self.live.management_endpoint if self.live else None,
        )
        if self.live is not None:
            self.live.connect(
                routes=socket_routes, specs=functions, functions=dict(self.functions.by_name)
            )
        self.workflows = Workflows(
            self,
            "Workflows",
            specs=resources.state_machines,
            functions=dict(self.functions.by_name),
            buckets=dict(self.storage.by_logical_id),
            stage=config.stage,
            log_retention=LOG_RETENTION,
        )
        self.streams = Streams(
            self,
            "Streams",
            specs=functions,
            functions=dict(self.functions.by_name),
            table=self.data.table,
        )
        self.api = Api(
            self,
            "Api",
            routes=routes,
            functions=dict(self.functions.by_name),
            user_pool=self.auth.user_pool,
            stage=config.stage,
            throttle_rate=config.throttle_rate,
            throttle_burst=config.throttle_burst,
            log_retention=LOG_RETENTION,
            cors=cors,
            waf=config.waf,
        )
        if self.live is not None:
            # The stage's access logs need the account's API Gateway logging role, which
            # the REST API sets (its CfnAccount).
            self.live.stage.node.add_dependency(self.api.rest_api.node.find_child("Account"))
        if cors.origins:
            # The functions answer with the same rule as the gateway (photogram.api).
            for name in sorted({route.function for route in routes}):
                for key, value in cors.function_env().items():
                    self.functions.by_name[name].add_environment(key, value)
        self._optional_parts()
        self.observability = Observability(
            self,
            "Observability",
            stage=config.stage,
            api=self.api,
            functions=dict(self.functions.by_name),
            workflows=self.workflows,
            streams=self.streams,
            ranker=self.ranking is not None,
            alarm_email=config.alarm_email,
            live=self.live,
        )
        self._outputs()

    def _optional_parts(self) -> None:
        """Constructs that a context flag turns on (ranking, search, ...) are added here."""
        self.waf: Waf | None = None
        if self.config.waf:
            self.waf = Waf(self, "Waf", api=self.api, rate_limit=self.config.waf_rate_limit)
        self.ranking: Ranking | None = None
        if self.config.ranking == "sagemaker":
            self.ranking = Ranking(
                self,
                "Ranking",
                feed=self.functions.by_name["feed"],
                stage=self.config.stage,
                memory_mb=self.config.ranker_memory_mb,
                max_concurrency=self.config.ranker_max_concurrency,
            )
        self.search: Search | None = None
        if self.config.search == "opensearch":
            self.search = Search(
                self,
                "Search",
                stage=self.config.stage,
                functions={
                    spec.name: self.functions.by_name[spec.name]
                    for spec in self.specs
                    if spec.uses_search
                },
                layers=self.layers,
                table=self.data.table,
                standby=self.config.search_standby,
                log_retention=LOG_RETENTION,
            )

    def _outputs(self) -> None:
        cdk.CfnOutput(self, "ApiUrl", value=self.api.rest_api.url, description="Base URL")
        if self.live is not None:
            cdk.CfnOutput(
                self,
                "LiveUrl",
                value=self.live.url,
                description="The live connection (WebSocket): open it with ?token=<id token>",
            )
        cdk.CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        cdk.CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)
        cdk.CfnOutput(self, "Region", value=self.region)
        cdk.CfnOutput(
            self,
            "CdnDomain",
            value=self.cdn.distribution.distribution_domain_name,
            description="The distribution's domain (a custom CDN domain's DNS points here)",
        )
        cdk.CfnOutput(
            self, "CdnBaseUrl", value=self.cdn.base_url, description="Media URLs start so"
        )
        if CDN_SIGNING_KEY.env_var in self.secrets.by_env_var:
            cdk.CfnOutput(
                self,
                "CdnSigningSecretArn",
                value=self.secrets.for_env_var(CDN_SIGNING_KEY.env_var).secret_arn,
                description="Store the CDN signing key pair here (docs/deploy.md, Private media)",
            )
        if self.cdn.signing_keys:
            cdk.CfnOutput(
                self,
                "CdnSigningKeyIds",
                value=cdk.Fn.join(",", [k.public_key_id for k in self.cdn.signing_keys]),
                description="CloudFront's ids of the signing public keys, in the order given: "
                "the key_pair_id to store with the private key (docs/deploy.md)",
            )
        if self.search is not None:
            cdk.CfnOutput(
                self,
                "SearchEndpoint",
                value=self.search.endpoint,
                description="The OpenSearch Serverless collection's endpoint (SigV4, aoss)",
            )
            cdk.CfnOutput(
                self,
                "SearchSetupFunction",
                value=self.search.setup.function_name,
                description='Invoke with {"reindex": {}} to rebuild the search indexes',
            )
