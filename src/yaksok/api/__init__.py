"""The REST API: a thin FastAPI layer over the core. See README.md for this layer's rules."""

from yaksok.api.app import create_app, create_app_from_settings

__all__ = ["create_app", "create_app_from_settings"]
