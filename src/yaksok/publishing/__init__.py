"""Publishing a policy version with its notices: the workflow ``yaksok policy publish`` runs.

- ``notices``  ``publish_with_notice``: the diff, re-consent marks, the version, the notice
               board and the individual notices through the outbox (P0.1, P10.3, P11.1)
- ``inbox``    a member's in-app notices: listed, marked read
- ``preview``  from a staff session: check a text, preview the diff and the notices, publish
               exactly the previewed text (``policy_publish``)
- ``history``  the published versions with their notices, as staff read them

See README.md for this layer's rule.
"""

from yaksok.publishing.history import VersionEntry, version_history
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
from yaksok.publishing.preview import (
    PublishPreview,
    preview_publish,
    publish_previewed,
    source_digest,
)

__all__ = ["CHANNEL_MAP", "Notice", "PublishPreview", "PublishResult", "VersionEntry",
           "get_notice", "list_notices", "notice_texts", "preview_publish", "publish_previewed",
           "publish_with_notice", "renewals_of", "source_digest", "version_history"]
