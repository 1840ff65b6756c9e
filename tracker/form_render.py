"""The public filter forms' widgets written in Python, byte for byte Django's own templates.

Django renders every widget, and every ``<option>`` and checkbox inside one, through
a template include: the region dropdown and the stage and status checkboxes cost
about a third of the project list's CPU that way. ``FilterFormRenderer`` writes the
plain input, select and checkbox widgets itself, with the same markup and escaping
as ``django/forms/widgets/*.html`` (``tests/public/test_form_render.py`` compares
the two); anything else (error lists, other widgets) goes to the templates as before.
"""

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape

WIDGETS = "django/forms/widgets/"


def _attrs(attrs: dict) -> str:
    """``attrs.html``: `` name="value"``, a bare `` name`` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Each template file ends in a newline, and a file that only includes another adds its
# own: ``search.html`` gives ``<input …>\n\n``. The functions below keep those too.


def _input(widget: dict) -> str:
    """``input.html``."""
    value = widget["value"]
    shown = "" if value is None else f' value="{escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>\n'
    )


def _included(write):
    """A template that is ``{% include %}`` of another and its own newline."""
    return lambda *args: write(*args) + "\n"


def _select_option(option: dict) -> str:
    return (
        f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>\n"
    )


def _input_option(option: dict) -> str:
    if not option["wrap_label"]:
        return _input(option) + "\n"
    target = option["attrs"].get("id")
    label_for = f' for="{conditional_escape(target)}"' if target else ""
    return f"<label{label_for}>{_input(option)} {conditional_escape(option['label'])}</label>\n"


def _option(option: dict, renderer) -> str:
    write = OPTIONS.get(option["template_name"])
    if write is None:
        return renderer.render(option["template_name"], {"widget": option})
    return write(option)


def _select(widget: dict, renderer) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend("\n  " + _option(option, renderer) for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


def _multiple_input(widget: dict, renderer) -> str:
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{conditional_escape(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{conditional_escape(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        parts.extend(f"<div>\n    {_option(option, renderer)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>\n")
    return "".join(parts)


INPUTS = {
    f"{WIDGETS}input.html": _input,
    **{
        f"{WIDGETS}{name}.html": _included(_input)
        for name in ("text", "search", "number", "hidden")
    },
}
OPTIONS = {
    f"{WIDGETS}select_option.html": _select_option,
    f"{WIDGETS}input_option.html": _input_option,
    f"{WIDGETS}checkbox_option.html": _included(_input_option),
    f"{WIDGETS}radio_option.html": _included(_input_option),
}
GROUPS = {
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}multiple_input.html": _multiple_input,
    f"{WIDGETS}checkbox_select.html": _included(_multiple_input),
    f"{WIDGETS}radio.html": _included(_multiple_input),
}


class FilterFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None:
            # Stripped, as BaseRenderer.render strips what a template gives.
            if template_name in INPUTS:
                return INPUTS[template_name](widget).strip()
            if template_name in GROUPS:
                return GROUPS[template_name](widget, self).strip()
            if template_name in OPTIONS:
                return OPTIONS[template_name](widget).strip()
        return super().render(template_name, context, request)


# One for the process: a renderer keeps its template engine.
RENDERER = FilterFormRenderer()


class FilterForm(forms.Form):
    """The form class of the public filter sets (``Meta.form``)."""

    default_renderer = RENDERER
