"""The feed's ranking model on SageMaker (context `ranking=sagemaker`, the default):
the committed model.tar.gz as an S3 asset, a model in SageMaker's XGBoost
container running our `code/inference.py`, a serverless endpoint, and the feed
function allowed to invoke that endpoint only. With `ranking=heuristic` none of it
is built and the feed ranks with the heuristic.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from infra import nag
from models.ranking.artifact import ARCHIVE

# The container's XGBoost must read what `make train` saved: 3.2, as the
# xgboost-cpu pin in pyproject.toml (a test checks the two agree). XGBoost 1.7
# cannot load a model saved by 3.2 ("Invalid cast, from Null to Object").
XGBOOST_IMAGE = "sagemaker-xgboost:3.2-0"
# The account that publishes SageMaker's XGBoost container in each commercial
# region (the SageMaker Python SDK's image_uri_config/xgboost.json, version 3.2-0).
XGBOOST_REGISTRIES = {
    "af-south-1": "510948584623",
    "ap-east-1": "651117190479",
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "720646828776",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "341280168497",
    "ca-west-1": "190319476487",
    "eu-central-1": "492215442770",
    "eu-central-2": "680994064768",
    "eu-north-1": "662702820516",
    "eu-south-1": "978288397137",
    "eu-south-2": "104374241257",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "801668240914",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}


class Ranking(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        feed: lambda_.Function,
        stage: str,
        memory_mb: int,
        max_concurrency: int,
        archive: Path = ARCHIVE,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        if not cdk.Token.is_unresolved(stack.region) and stack.region not in XGBOOST_REGISTRIES:
            # Said now, not as a FindInMap failure halfway through a deploy.
            raise ValueError(
                f"ranking=sagemaker: SageMaker publishes no {XGBOOST_IMAGE} image in "
                f"{stack.region}; deploy there with -c ranking=heuristic"
            )
        artifact = s3_assets.Asset(self, "Artifact", path=str(archive))
        registries = cdk.CfnMapping(
            self,
            "XgboostRegistry",
            mapping={
                region: {"account": account} for region, account in XGBOOST_REGISTRIES.items()
            },
            # In a concrete region the account is written in place and the mapping left out.
            lazy=True,
        )
        registry = registries.find_in_map(stack.region, "account")
        repository = XGBOOST_IMAGE.split(":")[0]

        role = iam.Role(
            self,
            "ModelRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="The feed ranker's SageMaker model: its artifact, its image, its logs",
        )
        artifact.grant_read(role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                resources=[
                    f"arn:{stack.partition}:ecr:{stack.region}:{registry}:repository/{repository}"
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        endpoint_logs = (
            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:"
            "log-group:/aws/sagemaker/Endpoints/*"
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[endpoint_logs],
            )
        )
        asset_read = (
            "Part of the CDK asset read grant: the model role reads the artifact's object "
            "in the CDK assets bucket, nothing else."
        )
        policy = role.node.find_child("DefaultPolicy")
        for rule, reason in (
            (
                "AwsSolutions-IAM5[Resource::*]",
                "ecr:GetAuthorizationToken has no resource-level permissions; '*' is the "
                "only resource it accepts.",
            ),
            (
                f"AwsSolutions-IAM5[Resource::{nag.finding_text(self, endpoint_logs)}]",
                "SageMaker names an endpoint's log group after the endpoint when it creates "
                "it; the grant is limited to endpoint log groups of this account and region.",
            ),
            (
                "AwsSolutions-IAM5[Action::s3:GetObject*]",
                "The CDK asset grant (read of the model artifact's one object) uses wildcard "
                "actions; the resource is that object's bucket and key only.",
            ),
            ("AwsSolutions-IAM5[Action::s3:GetBucket*]", asset_read),
            ("AwsSolutions-IAM5[Action::s3:List*]", asset_read),
            (
                # The bootstrap bucket's name holds the account and region.
                "AwsSolutions-IAM5[Resource::"
                f"{nag.finding_text(self, artifact.bucket.arn_for_objects('*'))}]",
                "The CDK asset grant is written on the bootstrap assets bucket's objects; "
                "the artifact's key is a content hash known only at publish time.",
            ),
        ):
            nag.acknowledge(policy, rule, reason)

        model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=f"{registry}.dkr.ecr.{stack.region}.{stack.url_suffix}/{XGBOOST_IMAGE}",
                model_data_url=artifact.s3_object_url,
                environment={
                    # Script mode: the container serves our hosting functions.
                    "SAGEMAKER_PROGRAM": "inference.py",
                    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
                },
            ),
        )
        model.node.add_dependency(role)
        config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    model_name=model.attr_model_name,
                    variant_name="AllTraffic",
                    serverless_config=sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
                        memory_size_in_mb=memory_mb, max_concurrency=max_concurrency
                    ),
                )
            ],
        )
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_config_name=config.attr_endpoint_config_name,
            endpoint_name=f"photogram-{stage}-ranker",
        )
        self.endpoint_name = f"photogram-{stage}-ranker"
        feed.add_environment("PHOTOGRAM_RANKER", "sagemaker")
        feed.add_environment("PHOTOGRAM_RANKER_ENDPOINT", self.endpoint_name)
        feed.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sagemaker:InvokeEndpoint"],
                resources=[
                    f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:"
                    f"endpoint/{self.endpoint_name}"
                ],
            )
        )
