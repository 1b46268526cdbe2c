"""The privacy center: a member's own pages under ``/center`` (issue 18).

Server-rendered (Jinja2), Korean first (``?lang=en``), with one stylesheet and one small script
of our own. ``router`` is mounted by ``yaksok.api.create_app``. See README.md for the rules.
"""

from yaksok.web.pages import router

__all__ = ["router"]
