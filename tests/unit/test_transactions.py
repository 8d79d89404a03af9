"""How a cancelled transaction is read: a conflict with another transaction on the
same items is tried again; a failed condition is the caller's to answer. (moto never
cancels for conflicts, so they are built here as DynamoDB reports them.)"""

import pytest
from pynamodb.connection.base import VerboseClientError
from pynamodb.exceptions import CancellationReason, TransactWriteError

from photogram import db


def cancelled(*codes):
    reasons = [CancellationReason(code=c) if c else None for c in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("cancelled", cause=cause)


@pytest.fixture
def attempts(monkeypatch):
    outcomes: list = []
    calls = []

    def transact(build):
        calls.append(build)
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(db, "transact", transact)
    monkeypatch.setattr(db.time, "sleep", lambda _: None)
    return outcomes, calls


def test_conflicts_are_tried_again_until_it_commits(attempts):
    outcomes, calls = attempts
    outcomes += [cancelled(None, "TransactionConflict"), cancelled("TransactionConflict"), None]

    db.transact_through_conflicts(lambda tx: None)

    assert len(calls) == 3


def test_a_failed_condition_is_raised_at_once(attempts):
    outcomes, calls = attempts
    outcomes += [cancelled("ConditionalCheckFailed", "TransactionConflict")]

    with pytest.raises(TransactWriteError) as raised:
        db.transact_through_conflicts(lambda tx: None)

    assert db.failed_conditions(raised.value) == {0} and len(calls) == 1


def test_endless_conflicts_end_in_a_409(attempts):
    outcomes, _ = attempts
    outcomes += [cancelled("TransactionConflict")] * 8

    with pytest.raises(db.Contention):
        db.transact_through_conflicts(lambda tx: None)
