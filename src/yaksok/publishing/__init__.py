"""Publishing a policy version with its notices: the workflow ``yaksok policy publish`` runs.

- ``notices``  ``publish_with_notice``: the diff, re-consent marks, the version, the notice
               board and the individual notices through the outbox (P0.1, P10.3, P11.1)
- ``inbox``    a member's in-app notices: listed, marked read

See README.md for this layer's rule.
"""

from yaksok.publishing.notices import (
    CHANNEL_MAP,
    Notice,
    PublishResult,
    get_notice,
    list_notices,
    notice_texts,
    publish_with_notice,
    renewals_of,
)

__all__ = ["CHANNEL_MAP", "Notice", "PublishResult", "get_notice", "list_notices",
           "notice_texts", "publish_with_notice", "renewals_of"]
