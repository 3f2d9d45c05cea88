"""Deterministic demo data for the portal (`manage.py seed_demo`).

`seeder` simulates suggestions through the workflow's states and bulk-inserts the rows,
`vocabulary` holds the words they are made of, and `checks` the rules the data keeps.
"""

from .checks import problems
from .seeder import (
    BASE_REFERENCE_DATE,
    DEMO_PASSWORD,
    REFERENCE_DATE,
    TERM_NAME,
    DemoConflict,
    conflicts,
    demo_present,
    seed,
)

__all__ = [
    "BASE_REFERENCE_DATE",
    "DEMO_PASSWORD",
    "REFERENCE_DATE",
    "TERM_NAME",
    "DemoConflict",
    "conflicts",
    "demo_present",
    "problems",
    "seed",
]
