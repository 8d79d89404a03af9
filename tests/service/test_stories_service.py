"""The stories domain's rules, called as services (no HTTP) on the local runtime's
table: views count once, a story goes when it expires, a highlight keeps what it
holds, and the rate limit charges only what is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from photogram import clock
from photogram.errors import Conflict, NotFound, RateLimited
from photogram.limits import keys as limit_keys
from photogram.limits.repository import LimitRow
from photogram.media import repository as media_repo
from photogram.media.repository import HIGHLIGHT_HOLDER, STORY_HOLDER
from photogram.pagination import PageRequest
from photogram.settings import settings
from photogram.stories import highlights, repository, service
from photogram.stories.models import CreateHighlightIn, CreateStoryIn, UpdateHighlightIn
from tests.service.conftest import Person

# Past a story's 24 hours.
LATER = timedelta(hours=repository.STORY_HOURS, minutes=1)


@pytest.fixture
def frozen(runtime) -> Iterator[clock.FrozenClock]:
    with clock.FrozenClock() as frozen:
        yield frozen


@pytest.fixture
def alice(person) -> Person:
    return person("alice")


@pytest.fixture
def bob(person) -> Person:
    return person("bob")


@pytest.fixture
def post_story(ready_media) -> Callable[[Person], str]:
    """A factory: a new story of the author's, of a new READY story upload."""

    def post(author: Person) -> str:
        media_id = ready_media(author.user_id, "story")
        return service.create_story(author.user_id, CreateStoryIn(media_id=media_id)).story_id

    return post


def views_of(story_id: str) -> int:
    return repository.view_counts([story_id])[story_id]


def uses_of(user: Person, action: str) -> int:
    key = limit_keys.limit_key(user.user_id, action, limit_keys.day_of(clock.now()))
    return int(LimitRow.get(*key, consistent_read=True).uses)


def highlight_of(owner: Person, *story_ids: str) -> str:
    request = CreateHighlightIn(title="Trip", story_ids=list(story_ids))
    return highlights.create_highlight(owner.user_id, request).highlight_id


# --- stories and views --------------------------------------------------------------------


def test_viewing_a_story_twice_counts_one_view(alice, bob, post_story):
    story_id = post_story(alice)
    service.view_story(bob.user_id, story_id)

    service.view_story(bob.user_id, story_id)

    assert views_of(story_id) == 1


def test_a_repeated_view_spends_no_use_of_the_limit(alice, bob, post_story):
    story_id = post_story(alice)
    service.view_story(bob.user_id, story_id)

    service.view_story(bob.user_id, story_id)

    assert uses_of(bob, "story_view") == 1


def test_the_authors_own_views_are_not_counted(alice, post_story):
    story_id = post_story(alice)

    service.view_story(alice.user_id, story_id)

    assert views_of(story_id) == 0


def test_posting_the_same_media_again_returns_the_same_story(alice, ready_media):
    media_id = ready_media(alice.user_id, "story")
    first = service.create_story(alice.user_id, CreateStoryIn(media_id=media_id))

    again = service.create_story(alice.user_id, CreateStoryIn(media_id=media_id))

    assert again.story_id == first.story_id
    assert uses_of(alice, "story") == 1


def test_a_story_is_gone_the_moment_it_expires(frozen, alice, bob, post_story):
    story_id = post_story(alice)

    frozen.advance(LATER)

    with pytest.raises(NotFound) as error:
        service.view_story(bob.user_id, story_id)
    assert error.value.code == "story_not_found"


def test_a_deleted_story_cannot_be_deleted_again(alice, post_story):
    story_id = post_story(alice)
    service.delete_story(alice.user_id, story_id)

    with pytest.raises(NotFound) as error:
        service.delete_story(alice.user_id, story_id)

    assert error.value.code == "story_not_found"
    assert repository.get_story(story_id) is None


@pytest.fixture
def one_view_a_minute(monkeypatch, runtime) -> Iterator[None]:
    monkeypatch.setenv("PHOTOGRAM_STORY_VIEWS_PER_MINUTE", "1")
    settings.cache_clear()
    yield
    monkeypatch.undo()
    settings.cache_clear()


def test_a_view_over_the_limit_is_refused_and_not_counted(
    one_view_a_minute, alice, bob, post_story
):
    first, second = post_story(alice), post_story(alice)
    with clock.FrozenClock(clock.now().replace(second=0)):
        service.view_story(bob.user_id, first)

        with pytest.raises(RateLimited) as error:
            service.view_story(bob.user_id, second)

    assert error.value.details["limit"] == "per_minute_story_views"
    assert views_of(second) == 0


# --- highlights ---------------------------------------------------------------------------


def test_a_highlight_holds_its_stories_media(alice, post_story):
    story_id = post_story(alice)
    story = repository.get_story(story_id)
    assert story is not None

    highlight_id = highlight_of(alice, story_id)

    media = media_repo.get(story.media_id)
    assert media is not None
    assert media.holders == {STORY_HOLDER + story_id, HIGHLIGHT_HOLDER + highlight_id}


def test_a_highlight_keeps_an_expired_storys_media(frozen, alice, post_story):
    story_id = post_story(alice)
    story = repository.get_story(story_id)
    assert story is not None
    highlight_of(alice, story_id)
    frozen.advance(LATER)

    # What the stream does when the story's TTL deletes it.
    gone = media_repo.release(story.media_id, STORY_HOLDER + story_id)

    assert not gone and media_repo.get(story.media_id) is not None
    page = highlights.list_highlights(alice.user_id, alice.handle, PageRequest(limit=10))
    assert [s.story_id for h in page.items for s in h.stories] == [story_id]


def test_a_story_that_expires_while_highlighting_is_refused(monkeypatch, frozen, alice, post_story):
    story_id = post_story(alice)
    read = repository.stories_by_id

    def read_then_expire(story_ids):
        found = read(story_ids)
        frozen.advance(LATER)
        return found

    monkeypatch.setattr(repository, "stories_by_id", read_then_expire)

    with pytest.raises(Conflict) as error:
        highlight_of(alice, story_id)

    assert error.value.code == "story_expired"
    assert repository.count_highlights(alice.user_id) == 0


def test_a_highlight_keeps_its_expired_stories_through_an_edit(frozen, alice, post_story):
    story_id = post_story(alice)
    highlight_id = highlight_of(alice, story_id)
    frozen.advance(LATER)

    edited = highlights.update_highlight(
        alice.user_id, highlight_id, UpdateHighlightIn(title="Renamed", story_ids=[story_id])
    )

    assert edited.title == "Renamed"
    assert [s.story_id for s in edited.stories] == [story_id]


def test_an_edit_from_a_stale_read_is_refused(monkeypatch, alice, post_story):
    highlight_id = highlight_of(alice, post_story(alice))
    stale = repository.get_highlight(highlight_id)
    highlights.update_highlight(alice.user_id, highlight_id, UpdateHighlightIn(title="First"))
    monkeypatch.setattr(repository, "get_highlight", lambda _: stale)

    with pytest.raises(Conflict):
        highlights.update_highlight(alice.user_id, highlight_id, UpdateHighlightIn(title="Lost"))

    monkeypatch.undo()
    stored = repository.get_highlight(highlight_id)
    assert stored is not None and stored.title == "First"
