"""tracker.links.record_url gives what reverse() gives, in either language and any prefix."""

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation

from tracker.links import record_url

CASES = [
    ("tracker:project_detail", "code", "JZ-2020-0007"),
    ("tracker:region_detail", "slug", "jiefang_qu"),
    ("tracker:event_detail", "slug", "2020-jiaozuo-expo"),
    # Values reverse() quotes or escapes take the ordinary way.
    ("tracker:project_detail", "code", "JZ 2020 7"),
    ("tracker:project_detail", "code", "焦作-1"),
    ("tracker:project_detail", "code", "a%2Fb?x#y"),
]


@pytest.mark.parametrize(("name", "key", "value"), CASES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_record_url_is_what_reverse_gives(name, key, value, language):
    with translation.override(language):
        expected = reverse(name, kwargs={key: value})
        assert record_url(name, key, value) == expected
        assert record_url(name, key, value) == expected  # from the kept pattern too


def test_the_english_link_differs_from_the_chinese_one():
    with translation.override("en"):
        english = record_url("tracker:project_detail", "code", "JZ-1")
    with translation.override("zh-hans"):
        chinese = record_url("tracker:project_detail", "code", "JZ-1")
    assert english == "/en/projects/JZ-1/" and chinese == "/projects/JZ-1/"


def test_a_script_prefix_is_kept_apart():
    try:
        set_script_prefix("/tracker/")
        assert record_url("tracker:project_detail", "code", "JZ-1") == "/tracker/projects/JZ-1/"
    finally:
        set_script_prefix("/")
    assert record_url("tracker:project_detail", "code", "JZ-1") == "/projects/JZ-1/"
