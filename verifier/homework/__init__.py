"""Homework: what was typed -> expression, the judgement of one answer, a whole class."""
