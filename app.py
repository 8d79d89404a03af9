#!/usr/bin/env python3
"""The CDK app: `make synth`, `make deploy` (see docs/deploy.md)."""

import aws_cdk as cdk

from infra.stack import add_photogram

app = cdk.App()
add_photogram(app)
app.synth()
