"""Search on Amazon OpenSearch Serverless (context `search=opensearch`; off by default).

A SEARCH collection `photogram-<stage>` with its encryption policy (an AWS-owned key)
and network policy (a public HTTPS endpoint: every request is SigV4-signed and must
pass the data access policy), the data access policy naming each function that uses
search with only the index permissions it needs, the functions' settings and IAM
right to call the collection, and a custom resource whose function creates the
indexes (their analyzers are more than AWS::OpenSearchServerless::Index can say).

With `search=off` none of it is built and the functions' settings say
`PHOTOGRAM_SEARCH_ENGINE=off` (infra/environment.py): the search routes answer 503.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchserverless as aoss
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra import nag
from infra.environment import SEARCH_ENGINE_ENV_VAR, Deployed, function_environment
from infra.layers import ARCHITECTURE, ROOT, RUNTIME, Layers
from infra.resources import TABLE
from infra.routes import FunctionSpec

SETUP = FunctionSpec(
    "search-setup",
    "Search: creates the OpenSearch indexes (a CloudFormation custom resource)",
    memory_mb=512,
    # Creating the indexes takes a minute at most (retries while the data access
    # policy takes effect); a rebuild (`{"reindex": ...}`) as long as Lambda allows.
    timeout_seconds=900,
    # Reads the table only to rebuild the indexes: Scan, granted below, nothing else.
    uses_table=False,
    uses_secrets=(),
    uses_search=True,
    folder="search_setup",
)
# The indexes' names start so (PHOTOGRAM_SEARCH_INDEX_PREFIX): the access policy names
# only them.
INDEX_PREFIX = "photogram"
# What each function may do to the indexes (OpenSearch Serverless's data access
# permissions; docs: "Supported operations and plugins in Amazon OpenSearch
# Serverless"). Search reads; the stream consumer writes (bulk index and delete);
# the setup function creates indexes, and alone may change or drop them, and writes
# every document when it rebuilds them (docs/deploy.md, "Rebuilding the indexes"). None needs a
# collection-level permission (aoss:DescribeCollectionItems covers aliases and
# templates, which Photogram does not use).
INDEX_PERMISSIONS: Mapping[str, tuple[str, ...]] = {
    "search": ("aoss:DescribeIndex", "aoss:ReadDocument"),
    "streams": ("aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument"),
    SETUP.name: (
        "aoss:CreateIndex",
        "aoss:DescribeIndex",
        "aoss:UpdateIndex",
        "aoss:DeleteIndex",
        "aoss:ReadDocument",
        "aoss:WriteDocument",
    ),
}
# The adapter whose mappings and analyzers the indexes are made with: a change to it
# updates the custom resource, so the setup function runs again (and creates any
# index that is new; an existing index keeps its mapping until it is rebuilt).
XRAY_REASON = (
    "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level "
    "permissions; '*' is the only resource they accept. Every other statement names "
    "its resources."
)
ADAPTER = ROOT / "layers/core/python/photogram/adapters/search/opensearch.py"


def policy_json(document: Any) -> str:
    """A policy document as OpenSearch Serverless takes it: compact JSON (it refuses
    some whitespace), CDK tokens (role ARNs) left for CloudFormation to fill in."""
    return json.dumps(document, separators=(",", ":"))


class Search(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        functions: Mapping[str, lambda_.Function],
        layers: Layers,
        table: dynamodb.ITable,
        standby: bool,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        unknown = sorted(set(functions) - set(INDEX_PERMISSIONS))
        if unknown:
            raise ValueError(f"add to INDEX_PERMISSIONS what {unknown} may do to the indexes")
        # ^[a-z][a-z0-9-]{2,27}$; the stage is at most 16 characters (infra/config.py).
        self.name = f"photogram-{stage}"
        collection_resource = [f"collection/{self.name}"]

        encryption = aoss.CfnSecurityPolicy(
            self,
            "EncryptionPolicy",
            name=f"{self.name}-enc",
            type="encryption",
            description="The search collection's data at rest, under an AWS-owned key",
            policy=policy_json(
                {
                    "Rules": [{"ResourceType": "collection", "Resource": collection_resource}],
                    "AWSOwnedKey": True,
                }
            ),
        )
        network = aoss.CfnSecurityPolicy(
            self,
            "NetworkPolicy",
            name=f"{self.name}-net",
            type="network",
            description="The collection's endpoint from the internet (no dashboards); "
            "every request is signed and checked against the data access policy",
            policy=policy_json(
                [
                    {
                        "Rules": [{"ResourceType": "collection", "Resource": collection_resource}],
                        "AllowFromPublic": True,
                    }
                ]
            ),
        )
        self.collection = aoss.CfnCollection(
            self,
            "Collection",
            name=self.name,
            type="SEARCH",
            description=f"Photogram {stage}: users, follows, hashtags and places",
            # ENABLED: replicas in a second AZ (twice the idle OCUs; docs/deploy.md, Search).
            standby_replicas="ENABLED" if standby else "DISABLED",
        )
        # A collection can only be created once a policy covers its name.
        self.collection.add_resource_dependency(encryption)
        self.collection.add_resource_dependency(network)
        self.endpoint = self.collection.attr_collection_endpoint

        settings = {
            SEARCH_ENGINE_ENV_VAR: "opensearch",
            "PHOTOGRAM_SEARCH_ENDPOINT": self.endpoint,
            "PHOTOGRAM_SEARCH_SIGNING_SERVICE": "aoss",
            "PHOTOGRAM_SEARCH_REGION": stack.region,
            "PHOTOGRAM_SEARCH_INDEX_PREFIX": INDEX_PREFIX,
            # AWS does not document external versions on Serverless (decisions §40);
            # the indexer's re-read keeps the current state without them.
            "PHOTOGRAM_SEARCH_EXTERNAL_VERSIONS": "false",
        }
        self.setup = self._setup_function(
            settings, layers=layers, table=table, log_retention=log_retention
        )

        roles: dict[str, iam.IRole] = {}
        for name, function in sorted({**functions, SETUP.name: self.setup}.items()):
            if name != SETUP.name:
                for key, value in settings.items():
                    function.add_environment(key, value)
            # Both gates: IAM lets the role call this collection's API at all, the data
            # access policy says what it may do to which index.
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["aoss:APIAccessAll"], resources=[self.collection.attr_arn]
                )
            )
            assert function.role is not None
            roles[name] = function.role

        indexes = [f"index/{self.name}/{INDEX_PREFIX}-*"]
        self.access_policy = aoss.CfnAccessPolicy(
            self,
            "DataAccessPolicy",
            name=f"{self.name}-data",
            type="data",
            description="Each Photogram function's rights on the search indexes",
            policy=policy_json(
                [
                    {
                        "Description": f"the {name} function",
                        "Rules": [
                            {
                                "ResourceType": "index",
                                "Resource": indexes,
                                "Permission": list(INDEX_PERMISSIONS[name]),
                            }
                        ],
                        "Principal": [role.role_arn],
                    }
                    for name, role in roles.items()
                ]
            ),
        )

        self.provider = self._provider(log_retention)
        self.indexes = cdk.CustomResource(
            self,
            "Indexes",
            service_token=self.provider.service_token,
            resource_type="Custom::PhotogramSearchIndexes",
            properties={
                "Endpoint": self.endpoint,
                "IndexPrefix": INDEX_PREFIX,
                "Definition": hashlib.sha256(ADAPTER.read_bytes()).hexdigest(),
            },
        )
        # The setup function's first call needs the policy that lets it in.
        self.indexes.node.add_dependency(self.access_policy)

    def _setup_function(
        self,
        settings: Mapping[str, str],
        *,
        layers: Layers,
        table: dynamodb.ITable,
        log_retention: logs.RetentionDays,
    ) -> lambda_.Function:
        scope = Construct(self, "Setup")
        log_group = logs.LogGroup(
            scope, "Logs", retention=log_retention, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Photogram {SETUP.name} function",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        # A rebuild scans the table: that action on the table alone (no index, no write).
        role.add_to_policy(
            iam.PolicyStatement(actions=["dynamodb:Scan"], resources=[table.table_arn])
        )
        environment = function_environment(
            SETUP, Deployed(table=("", ""), search=settings), overrides={}
        )
        environment[TABLE.env_var] = table.table_name
        # Creating an index takes longer than a query's 2 s budget.
        environment["PHOTOGRAM_SEARCH_TIMEOUT_SECONDS"] = "30"
        function = lambda_.Function(
            scope,
            "Function",
            description=SETUP.description,
            code=lambda_.Code.from_asset(
                str(ROOT / "functions" / SETUP.folder_name),
                exclude=["**/__pycache__", "**/*.pyc"],
            ),
            handler=SETUP.handler,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            memory_size=SETUP.memory_mb,
            timeout=cdk.Duration.seconds(SETUP.timeout_seconds),
            layers=layers.all,
            environment=environment,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        nag.acknowledge(
            role.node.find_child("DefaultPolicy"), "AwsSolutions-IAM5[Resource::*]", XRAY_REASON
        )
        return function

    def _provider(self, log_retention: logs.RetentionDays) -> cr.Provider:
        """CDK's custom-resource framework, which calls the setup function: with a log
        group and role of ours, so its function has no AWS-managed policy and no log
        retention function beside it."""
        scope = Construct(self, "Framework")
        log_group = logs.LogGroup(
            scope, "Logs", retention=log_retention, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="CDK's custom-resource framework for the search indexes",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        provider = cr.Provider(
            scope,
            "Provider",
            on_event_handler=self.setup,
            framework_on_event_role=role,
            log_group=log_group,
        )
        # It relays one event and waits: the least memory. Traced like every function
        # (cfn-lint's serverless rules want both said, ES1005 and WS1000; CDK says neither).
        framework = provider.node.find_child("framework-onEvent").node.default_child
        assert isinstance(framework, lambda_.CfnFunction)
        framework.memory_size = 128
        framework.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        policy = role.node.find_child("DefaultPolicy")
        nag.acknowledge(policy, "AwsSolutions-IAM5[Resource::*]", XRAY_REASON)
        invoke = f"{self.setup.function_arn}:*"
        nag.acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{nag.finding_text(self, invoke)}]",
            "CDK's custom-resource framework grants itself lambda:InvokeFunction on the "
            "setup function's ARN and its versions (`:*`); it names that one function.",
        )
        return provider
