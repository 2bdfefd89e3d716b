"""Registers the models the user added with ``models add`` (read from their config file).

Imported last by :mod:`catalog`, so a user name that clashes with a built-in one is reported as
such; a broken config file raises here, on the first command that lists or loads models.
"""

from boundary_core.models.user import register_user_models

register_user_models()
