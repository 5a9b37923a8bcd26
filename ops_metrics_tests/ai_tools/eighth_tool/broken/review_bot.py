"""A simulator module that fails on import, as a half-written one would."""

raise RuntimeError("review_bot simulator is half-written")
