"""The local API Gateway decodes a path once, as API Gateway does."""

from local.http import GatewayApp


def test_path_parameters_are_the_path_decoded_once():
    gateway = GatewayApp(pools={}, authorizer=None)  # type: ignore[arg-type]

    # werkzeug hands over /users/a%2541 decoded once, as /users/a%41.
    route, params, _ = gateway._match("/users/a%41", "GET")

    assert route is not None and route.path == "/users/{handle}"
    assert params == {"handle": "a%41"}
