"""The one walk of the region tree (``tracker.models.RegionTree``) and what relies on it."""

import pytest

from tracker.models import Region, RegionTree


@pytest.fixture
def tree_rows(db):
    city = Region.objects.create(name="焦作市", slug="jiaozuo", kind="city")
    district = Region.objects.create(name="解放区", slug="jiefang", kind="district", parent=city)
    park = Region.objects.create(name="科技园", slug="keji", kind="park", parent=district)
    return city, district, park


def test_a_subtree_lists_each_region_once_when_the_roots_overlap(tree_rows):
    city, district, park = tree_rows

    ids = RegionTree.load().subtree_ids(district, park)

    assert sorted(ids) == sorted([district.pk, park.pk])


def test_a_park_rolls_up_to_the_district_below_the_city(tree_rows):
    city, district, park = tree_rows
    tree = RegionTree.load()

    assert tree.district_of(park.pk) == district
    assert tree.district_of(district.pk) == district
    assert tree.district_of(city.pk) == city


def test_a_parent_cycle_written_past_clean_does_not_hang_the_walks(tree_rows):
    # Region.clean() refuses a cycle, but an update or a reference-table import
    # (which does not run clean) can still write one; the walks must end.
    city, district, park = tree_rows
    Region.objects.filter(pk=district.pk).update(parent=park)
    tree = RegionTree.load()

    assert sorted(Region.objects.subtree_ids(district)) == sorted([district.pk, park.pk])
    assert tree.district_of(park.pk) is None
    assert [r.pk for _depth, r in tree.walk()] == [city.pk]
