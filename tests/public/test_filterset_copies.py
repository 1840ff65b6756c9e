"""tracker.filtersets.FilterSet: django-filter's filter set, its filters copied shallowly.

Each filter set must end in the state django-filter's own would have, and share
nothing that one request may change with another filter set or the declarations.
"""

import django_filters as filters
import pytest
from django.http import QueryDict

from tests import factories as make
from tracker import selectors
from tracker.filtersets import (
    EventFilterSet,
    FilterSet,
    LazyChoices,
    PartnerFilterSet,
    ProjectFilterSet,
)

pytestmark = pytest.mark.django_db

STATE = ("field_name", "lookup_expr", "label", "distinct", "exclude", "model")


def comparable(extra: dict) -> dict:
    # A widget instance is compared by what it is: the form field deep-copies it anyway.
    widget = extra.get("widget")
    if widget is not None and not isinstance(widget, type):
        extra = {**extra, "widget": (type(widget), widget.attrs)}
    if "queryset" in extra:  # the form field takes a clone (ModelChoiceField.queryset)
        extra = {**extra, "queryset": str(extra["queryset"].query)}
    if isinstance(extra.get("choices"), LazyChoices):  # each filter set's own, by content
        extra = {**extra, "choices": list(extra["choices"])}
    return extra


@pytest.mark.parametrize("filterset_class", [ProjectFilterSet, EventFilterSet, PartnerFilterSet])
def test_each_filter_ends_as_django_filters_own_copy_would(filterset_class, monkeypatch):
    queryset = filterset_class._meta.model.objects.all()
    ours = filterset_class(QueryDict(), queryset)
    ours.form  # noqa: B018 — built before the base is swapped below
    # The same declarations under django-filter's own __init__ and form class.
    monkeypatch.setattr(FilterSet, "__init__", filters.FilterSet.__init__)
    monkeypatch.setattr(FilterSet, "get_form_class", filters.FilterSet.get_form_class)
    plain = filterset_class(QueryDict(), queryset)
    assert list(ours.filters) == list(plain.filters)
    for name, mine in ours.filters.items():
        theirs = plain.filters[name]
        assert type(mine) is type(theirs), name
        for attribute in STATE:
            assert getattr(mine, attribute) == getattr(theirs, attribute), (name, attribute)
        assert comparable(mine.extra) == comparable(theirs.extra), name
        assert mine.parent is ours and mine is not filterset_class.base_filters[name]
        if mine.method is not None:
            assert mine.filter.f is mine  # the method resolves on this filter set
    assert list(ours.form.fields) == list(plain.form.fields)


def test_filter_sets_share_no_filter_field_or_choices():
    make.region("甲区", slug="jia")
    first = ProjectFilterSet(QueryDict("region=jia"), selectors.project_list())
    second = ProjectFilterSet(QueryDict(), selectors.project_list())
    assert first.is_valid() and second.is_valid()
    for name in first.filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].extra is not second.filters[name].extra
        assert first.form.fields[name] is not second.form.fields[name]
        assert first.form.fields[name].widget is not second.form.fields[name].widget
    first.form.fields["region"].widget.attrs["data-x"] = "1"
    assert "data-x" not in second.form.fields["region"].widget.attrs
    assert "data-x" not in ProjectFilterSet(QueryDict(), None).form.fields["region"].widget.attrs
    # The declaration never gets a request's choices or field.
    declared = ProjectFilterSet.base_filters["region"]
    assert "_field" not in declared.__dict__ and "choices" not in declared.extra


def test_a_method_filter_filters_through_its_own_filter_set(db):
    ledger = make.build_ledger()
    matched = ProjectFilterSet(QueryDict("region=" + ledger.jiefang.slug), selectors.project_list())
    assert matched.is_valid()
    codes = set(matched.qs.values_list("code", flat=True))
    assert codes == set(
        selectors.project_list().in_region(ledger.jiefang).values_list("code", flat=True)
    )
