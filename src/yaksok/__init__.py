"""yaksok (약속, "promise"): a privacy engine that makes a privacy policy executable."""

__version__ = "0.1.0"
