"""The local runtime: moto in-process, an API Gateway-compatible HTTP adapter, and
the wiring that makes the AWS-only parts behave as they do on AWS."""
