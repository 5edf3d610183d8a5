"""Steps that run after the geography, in this order, inside the new database of a build.

Each step takes the BuildContext and returns its StepResults for the summary. A step raises EtlError
for a bad file; the build then fails and the published database stays untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from etl import imports, reference
from etl.context import BuildContext, StepResult
from etl.demo import demo_step
from etl.dictionary import dictionary_step
from etl.metrics import metrics_step

Step = Callable[[BuildContext], list[StepResult]]

STEPS: list[tuple[str, Step]] = [
    # reference data and imports go first: the demo step leaves out regions with real values
    ("Referenzdaten", reference.load),
    ("Importe", imports.load),
    ("Demodaten", demo_step),
    ("Kennzahlen", metrics_step),
    ("Datenlexikon", dictionary_step),
]
