"""The browser application's views, one module per area (dashboard, ledgers, values, reports,
organisations, jobs, account), all thin layers over the services and selectors.

Helpers every area shares live in :mod:`xunzhi.web.views.common` (the one public module other
apps import from). Every read goes through the models' ``.visible_to(user)`` or
:func:`xunzhi.web.scope.get_scoped_or_404`, so nothing outside the user's subtree can be read or
changed by any URL; every write goes through a service.
"""
