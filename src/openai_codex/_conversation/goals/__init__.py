"""Thread goals: the runtime's continuation turns, run and streamed as one handle.

``operation`` is the sans-IO bookkeeping of one goal run (also used by the official-style
low-level client); ``handles`` holds ``AsyncGoalHandle``/``GoalHandle``.
"""
