"""Steps that run after the geography, in this order, inside the new database of a build.

Each step takes the BuildContext and returns its StepResults for the summary. A step raises EtlError
for a bad file; the build then fails and the published database stays untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from etl.context import BuildContext, StepResult

Step = Callable[[BuildContext], list[StepResult]]

STEPS: list[tuple[str, Step]] = []
