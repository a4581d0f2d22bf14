"""Homework: what was typed -> expression (answer), the judgement of one answer (judge), a whole
class (classroom)."""
