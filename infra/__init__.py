"""CDK constructs and stacks, plus the plain declarations both runtimes read.

`resources.py` and `routes.py` import nothing from aws_cdk: the local runtime
reads them too, so a resource or route cannot exist in one runtime only.
"""
