"""The single DynamoDB table, built from `resources.TABLE`."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.resources import TableSpec


class Data(Construct):
    """Photogram's one table: on demand, PITR, a stream and TTL, never deleted by a stack."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: TableSpec) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.table = dynamodb.Table(
            self,
            spec.logical_id,
            partition_key=_string_key(spec.partition_key),
            sort_key=_string_key(spec.sort_key),
            # On demand: no capacity to plan, nothing billed while idle.
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # The AWS-managed key (aws/dynamodb): auditable in CloudTrail, no $1/month key.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            stream=dynamodb.StreamViewType[spec.stream_view],
            time_to_live_attribute=spec.ttl_attribute,
            # Users' data outlives any stack: `cdk destroy` leaves the table behind.
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_string_key(index.partition_key),
                sort_key=_string_key(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )

    @property
    def index_arns(self) -> list[str]:
        """The ARN of each index by name, so grants need no `index/*` wildcard."""
        return [f"{self.table.table_arn}/index/{index.name}" for index in self.spec.indexes]


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)
