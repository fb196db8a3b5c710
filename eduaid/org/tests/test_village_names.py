"""Village names as files write them (东营, 东营村, 东营村委会 …), resolved within their township."""

from __future__ import annotations

import pytest

from eduaid.org import rules
from eduaid.org.models import Village

WENCHENG, QUYANG = 1, 2
VILLAGES = rules.VillageNames(
    [
        (10, WENCHENG, "东营村民委员会"),
        (11, WENCHENG, "马庄村民委员会"),
        (12, WENCHENG, "瞿庄村民委员会"),
        (20, QUYANG, "马庄居委会"),
        (21, QUYANG, "前进社区居民委员会"),
        (22, QUYANG, "富强社区居委会"),
        (23, QUYANG, "查岈山生活区"),
    ]
)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("东营村民委员会", "东营"),
        ("东营村委会", "东营"),
        ("东营村", "东营"),
        ("铁西居民委员会", "铁西"),
        ("富强社区居委会", "富强"),
        ("前进社区居民委员会", "前进"),  # 居民委员会, then 社区
        ("高集居委会", "高集"),
        ("虚拟社区", "虚拟"),
        ("村", "村"),  # a name is never stripped to nothing
        (" 东营 村 ", "东营"),
        ("灈庄村", "瞿庄"),
        ("嵖岈山生活区", "查岈山生活区"),
    ],
)
def test_village_stem_drops_committee_and_village_endings(name: str, stem: str) -> None:
    assert rules.village_stem(name) == stem


@pytest.mark.parametrize("written", ["东营村民委员会", "东营村委会", "东营村", "东营", "东营社区", "东 营"])
def test_every_usual_spelling_finds_the_village(written: str) -> None:
    assert VILLAGES.resolve(WENCHENG, written) == 10


def test_variant_characters_are_folded() -> None:
    assert VILLAGES.resolve(WENCHENG, "灈庄村") == 12
    assert VILLAGES.resolve(QUYANG, "嵖岈山生活区") == 23


def test_a_village_is_resolved_only_within_its_township() -> None:
    assert VILLAGES.resolve(WENCHENG, "马庄") == 11
    assert VILLAGES.resolve(QUYANG, "马庄") == 20
    with pytest.raises(rules.VillageNotFound) as caught:
        VILLAGES.resolve(WENCHENG, "前进社区")
    assert (caught.value.name, caught.value.candidates) == ("前进社区", ())


def test_unknown_village_has_no_candidates() -> None:
    with pytest.raises(rules.VillageNotFound) as caught:
        VILLAGES.resolve(QUYANG, "火星村")
    assert caught.value.candidates == ()


def test_a_stem_shared_by_two_villages_is_ambiguous_unless_written_in_full() -> None:
    names = rules.VillageNames([(1, 5, "王庄村民委员会"), (2, 5, "王庄社区居民委员会")])
    with pytest.raises(rules.VillageNotFound) as caught:
        names.resolve(5, "王庄")
    assert caught.value.candidates == ("王庄村民委员会", "王庄社区居民委员会")
    assert names.resolve(5, "王庄社区居民委员会") == 2


@pytest.mark.django_db
def test_every_village_of_the_county_resolves_by_its_short_name() -> None:
    """遂平县's 204 villages: no two of one township share a stem, so 东营 alone is enough."""
    villages = list(Village.objects.values_list("pk", "township_id", "name"))
    names = rules.VillageNames(villages)
    assert len(villages) == 204
    for pk, township_id, name in villages:
        assert names.resolve(township_id, rules.village_stem(name)) == pk
        assert names.resolve(township_id, name) == pk
