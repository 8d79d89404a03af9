"""The Rekognition moderator, against botocore's Stubber (moto has no Rekognition)."""

import boto3
import pytest
from botocore.stub import ANY, Stubber
from PIL import Image

from photogram.adapters import phash
from photogram.adapters.moderation import BlocklistModerator, RekognitionModerator
from photogram.adapters.storage import TransientError
from tests import corpus

BLOCKED = {"Explicit Nudity", "Violence", "Hate Symbols"}


@pytest.fixture
def rekognition():
    client = boto3.client(
        "rekognition", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber


def picture():
    """A picture with structure (a uniform image has no meaningful perceptual hash)."""
    gradient = Image.linear_gradient("L").resize((1600, 1200))
    return Image.merge(
        "RGB", (gradient, gradient.rotate(90), Image.radial_gradient("L").resize((1600, 1200)))
    )


def test_a_label_in_a_blocked_category_rejects(rekognition):
    client, stubber = rekognition
    stubber.add_response(
        "detect_moderation_labels",
        {
            "ModerationLabels": [
                {"Name": "Graphic Violence", "ParentName": "Violence", "Confidence": 97.0}
            ]
        },
        {"Image": {"Bytes": ANY}, "MinConfidence": 80.0},
    )

    verdict = RekognitionModerator(client, 80.0, BLOCKED).check(picture())

    assert (verdict.safe, verdict.reason, verdict.labels) == (
        False,
        "moderation_blocked",
        ["Graphic Violence"],
    )


def test_labels_outside_the_blocked_categories_pass(rekognition):
    client, stubber = rekognition
    stubber.add_response(
        "detect_moderation_labels",
        {
            "ModerationLabels": [
                {"Name": "Smoking", "ParentName": "Drugs & Tobacco", "Confidence": 90.0}
            ]
        },
        {"Image": {"Bytes": ANY}, "MinConfidence": 80.0},
    )

    assert RekognitionModerator(client, 80.0, BLOCKED).check(picture()).safe is True


def test_the_image_sent_is_a_jpeg_under_rekognitions_5_mb(rekognition):
    client, stubber = rekognition
    sent = {}

    def capture(params, **_):
        sent.update(params)

    client.meta.events.register("provide-client-params.rekognition.DetectModerationLabels", capture)
    stubber.add_response(
        "detect_moderation_labels",
        {"ModerationLabels": []},
        {"Image": {"Bytes": ANY}, "MinConfidence": 80.0},
    )

    RekognitionModerator(client, 80.0, BLOCKED).check(Image.new("RGB", (6000, 4000)))

    data = sent["Image"]["Bytes"]
    assert data[:3] == b"\xff\xd8\xff" and len(data) < 5 * 1024 * 1024


def test_throttling_is_transient_so_the_workflow_retries(rekognition):
    client, stubber = rekognition
    stubber.add_client_error(
        "detect_moderation_labels", service_error_code="ThrottlingException", http_status_code=400
    )

    with pytest.raises(TransientError):
        RekognitionModerator(client, 80.0, BLOCKED).check(picture())


def test_other_errors_are_not_retried(rekognition):
    client, stubber = rekognition
    stubber.add_client_error(
        "detect_moderation_labels", service_error_code="InvalidImageFormatException"
    )

    with pytest.raises(Exception) as error:
        RekognitionModerator(client, 80.0, BLOCKED).check(picture())

    assert not isinstance(error.value, TransientError)


@pytest.mark.parametrize(
    "pair",
    corpus.params(
        corpus.pairs(
            ("jpg/hdr/iphone_hdr_YES.jpg", "orientation/landscape_1.jpg"),
            ("jpg/mobile/jolla.jpg", "gps.jpg"),
        )
    ),
)
def test_the_blocklist_matches_near_copies_only(pair):
    listed_path, other_path = pair
    listed = Image.open(listed_path)
    moderator = BlocklistModerator([phash.hash_image(listed)], max_distance=31)

    assert moderator.check(listed.resize((800, 600))).safe is False
    assert moderator.check(Image.open(other_path)).safe is True
