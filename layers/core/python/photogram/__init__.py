"""Photogram's domain package, shipped as the core Lambda layer.

Domain subpackages (`users`, `social`, ...) hold service logic and their
repositories; `api` holds the edge helpers the Lambda handlers share; nothing
here imports `functions/`, `infra/` or `local/`.
"""
