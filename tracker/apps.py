from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("招商项目台账")

    def ready(self):
        # Public data changes queue an open-data rebuild (see tracker/signals.py).
        from . import signals

        signals.connect()
