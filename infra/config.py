"""Deploy-time choices, read once from CDK context (cdk.json or `-c key=value`).

To add an optional part (say `search=opensearch|none`): add a field here with
its default, parse and check it in `from_context`, build its construct in
`PhotogramStack._optional_parts` when it is on, and list it in docs/deploy.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Node

STAGE_PATTERN = re.compile(r"[a-z][a-z0-9]{0,15}")


@dataclass(frozen=True)
class StackConfig:
    # Names the stack (photogram-<stage>), the API stage and the user pool.
    stage: str = "dev"
    # Stage-wide steady-state requests per second and burst, across all callers.
    throttle_rate: float = 100.0
    throttle_burst: int = 200

    @classmethod
    def from_context(cls, node: Node) -> StackConfig:
        """The config from context; values from `-c` arrive as strings."""
        defaults = cls()
        stage = str(node.try_get_context("stage") or defaults.stage)
        if not STAGE_PATTERN.fullmatch(stage):
            raise ValueError(
                f"context stage={stage!r}: use 1-16 lowercase letters and digits, "
                "starting with a letter"
            )
        rate = float(node.try_get_context("throttle_rate") or defaults.throttle_rate)
        burst = int(node.try_get_context("throttle_burst") or defaults.throttle_burst)
        if rate <= 0 or burst <= 0:
            raise ValueError("context throttle_rate and throttle_burst must be positive")
        return cls(stage=stage, throttle_rate=rate, throttle_burst=burst)
