"""The filter forms' widgets written in Python give exactly what Django's templates give."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from tests import factories as make
from tracker.filtersets import EventFilterSet, PartnerFilterSet, ProjectFilterSet
from tracker.form_render import RENDERER
from tracker.models import Event, Organization, Project

pytestmark = pytest.mark.django_db

TEMPLATES = DjangoTemplates()

PROJECT_QUERIES = [
    {},
    {"q": '<b>"碳纤维" & 腾讯</b>', "region": "jiefang", "stage": ["signed", "started"]},
    {"status": ["paused"], "year": "2020", "amount_min": "10", "amount_max": "1e9"},
    {"industry": "education-equipment", "ordering": "-amount", "page": "2"},
    {"region": "no-such", "year": "abc", "amount_min": "-1", "stage": ["nope"]},
    {"event": "edu-signing", "partner": "1"},
]


def both(form) -> list[tuple[str, str, str]]:
    """(field, fast HTML, template HTML) for every field of ``form``."""
    pairs = []
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        attrs = bound.build_widget_attrs({"id": bound.auto_id} if bound.auto_id else {})
        fast = field.widget.render(bound.html_name, value, attrs, renderer=RENDERER)
        slow = field.widget.render(bound.html_name, value, attrs, renderer=TEMPLATES)
        pairs.append((name, fast, slow))
    return pairs


@pytest.fixture
def ledger():
    return make.build_ledger()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("params", PROJECT_QUERIES)
def test_project_filter_widgets_match_djangos_templates(ledger, params, language):
    with translation.override(language):
        for data in (params or None,):
            filterset = ProjectFilterSet(data, queryset=Project.objects.all())
            filterset.is_valid()
            for name, fast, slow in both(filterset.form):
                assert fast == slow, name
            assert str(filterset.form["region"]).count("<option") > 3


def test_event_and_partner_filter_widgets_match_djangos_templates(ledger):
    for filterset in (
        EventFilterSet({"q": "推介<>", "year": "2020"}, queryset=Event.objects.all()),
        PartnerFilterSet({"q": "腾讯", "kind": "university"}, queryset=Organization.objects.all()),
        PartnerFilterSet(None, queryset=Organization.objects.all()),
    ):
        for name, fast, slow in both(filterset.form):
            assert fast == slow, name


def test_other_widgets_fall_back_to_the_templates():
    class Sample(forms.Form):
        default_renderer = RENDERER
        radio = forms.ChoiceField(choices=[("a", "<A>"), ("b", "B")], widget=forms.RadioSelect)
        grouped = forms.ChoiceField(choices=[("组", [("x", "X & Y")]), ("z", "Z")])
        flag = forms.BooleanField(required=False)
        day = forms.DateField(widget=forms.SelectDateWidget)
        note = forms.CharField(widget=forms.Textarea, initial="</textarea>")

    data = {"radio": "a", "grouped": "x", "flag": "on"}
    form = Sample(data)
    for name, fast, slow in both(form):
        assert fast == slow, name
    assert form.errors  # the day is missing: its error list goes through the templates
    assert form.as_div() == Sample(data, renderer=TEMPLATES).as_div()


def test_a_whole_filter_form_renders_as_with_the_templates(ledger):
    data = {"q": "教育", "region": "jiefang", "stage": ["signed"], "year": "abc"}
    filterset = ProjectFilterSet(data, queryset=Project.objects.all())
    form = filterset.form
    assert not form.is_valid()
    assert form.as_div() == type(form)(data, renderer=TEMPLATES).as_div()
