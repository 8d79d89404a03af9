"""A single-item write refused by its condition is told apart from every other failure
(the callers answer the first, idempotently, and raise the rest)."""

import pytest
from pynamodb.connection.base import VerboseClientError
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from photogram import db


def failed(error_cls, code):
    cause = VerboseClientError({"Error": {"Code": code, "Message": "refused"}}, "Write")
    return error_cls("refused", cause=cause)


@pytest.mark.parametrize("error_cls", [PutError, UpdateError, DeleteError])
def test_a_failed_condition_is_recognised_on_every_kind_of_write(error_cls):
    error = failed(error_cls, "ConditionalCheckFailedException")

    assert db.condition_failed(error)


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ValidationException", "ThrottlingException"]
)
def test_other_refusals_are_not_a_failed_condition(code):
    error = failed(UpdateError, code)

    assert not db.condition_failed(error)


def test_an_error_without_a_response_is_not_a_failed_condition():
    error = PutError("connection reset")

    assert not db.condition_failed(error)
