"""Two overlapping requests in one process each see their own event, as two Lambda
instances would (Powertools keeps the event on a class; local/powertools_patches.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from local import powertools_patches


def event(user: str) -> dict:
    return {
        "httpMethod": "GET",
        "path": "/whoami",
        "resource": "/whoami",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"requestId": user, "authorizer": {"claims": {"sub": user}}},
    }


def test_overlapping_requests_keep_their_own_caller():
    powertools_patches.apply()
    first_inside, second_resolved = threading.Event(), threading.Event()

    def instance(wait_for_other: bool) -> APIGatewayRestResolver:
        # One resolver per function instance, as the local runtime imports them.
        app = APIGatewayRestResolver()

        @app.get("/whoami")
        def whoami():
            if wait_for_other:
                first_inside.set()
                assert second_resolved.wait(5)
            return {"sub": app.current_event.request_context.authorizer.claims["sub"]}

        return app

    first, second = instance(True), instance(False)

    def run_second():
        assert first_inside.wait(5)
        response = second.resolve(event("bob"), None)
        second_resolved.set()
        return response

    with ThreadPoolExecutor(2) as pool:
        alice = pool.submit(first.resolve, event("alice"), None)
        bob = pool.submit(run_second)
        assert '"sub":"alice"' in alice.result()["body"]
        assert '"sub":"bob"' in bob.result()["body"]
