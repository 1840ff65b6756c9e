"""The models package keeps the import paths that migrations and tools rely on."""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import import_string

from tracker.models import NameKeyField, Organization


def test_name_key_field_deconstructs_to_the_path_the_first_migration_imports():
    _name, path, _args, kwargs = Organization._meta.get_field("name_key").deconstruct()

    assert path == "tracker.models.NameKeyField"
    assert import_string(path) is NameKeyField
    assert kwargs["source"] == "name"


def test_every_tracker_model_is_defined_where_its_module_says():
    # manage.py shell imports each model from its __module__; a historical model
    # filed under the bare app package is reported as "could not be imported".
    misplaced = [
        model._meta.label
        for model in apps.get_app_config("tracker").get_models()
        if getattr(import_module(model.__module__), model.__name__, None) is not model
    ]

    assert misplaced == []
