"""The policy file: its model, loader with line numbers, cross-reference checks, lint and render.

This is the core every other part asks; it imports nothing from the API, web or CLI layers.
"""

from yaksok.policy.loader import LoadedPolicy, load_file, load_policy, load_source
from yaksok.policy.model import LAWFUL_BASES, RIGHTS, Policy
from yaksok.policy.problems import Problem

__all__ = [
    "LAWFUL_BASES",
    "RIGHTS",
    "LoadedPolicy",
    "Policy",
    "Problem",
    "load_file",
    "load_policy",
    "load_source",
]
