"""The organisational measures register: evidence per measure, staff training, and the record of
changes of access rights. See README.md and docs/measures.md.

- ``evidence``  who owns each organisational measure, its evidence, last done, next review;
                which promises that makes *recorded* (or *overdue*)
- ``training``  staff training records; changes of access rights, for the officer and auditor
"""

from yaksok.measures.evidence import (
    MeasureState,
    evidenced_promises,
    measure_states,
    organisational,
    record_evidence,
)
from yaksok.measures.training import (
    TrainingState,
    access_changes,
    record_training,
    training_states,
)

__all__ = ["MeasureState", "TrainingState", "access_changes", "evidenced_promises",
           "measure_states", "organisational", "record_evidence", "record_training",
           "training_states"]
