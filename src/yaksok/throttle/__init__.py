"""Abuse limits: how often anyone may log in, sign up, ask for or check a one-time code, look a
member up or call the Data Rights Protocol (see ``limiter`` and ``logins``)."""

from yaksok.throttle.limiter import EDGE_PURPOSE, RULES, Rule, Throttle, edge_key, parse_overrides
from yaksok.throttle.logins import before_login, login_failed, login_succeeded

__all__ = ["EDGE_PURPOSE", "RULES", "Rule", "Throttle", "edge_key", "before_login", "login_failed",
           "login_succeeded", "parse_overrides"]
