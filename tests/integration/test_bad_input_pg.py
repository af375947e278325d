"""Bad input answered in words (tests/unit/test_bad_input.py), run again on PostgreSQL: a NUL
or an over-long number reaches a different driver there, and must be refused in the same words
before it does."""

from tests.unit.test_bad_input import *  # noqa: F401,F403
