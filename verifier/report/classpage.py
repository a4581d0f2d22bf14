"""The teacher's page of a class, and every feedback file ``verifier grade`` writes.

:func:`teacher_page` shows the score distribution (an inline SVG bar chart), per problem the
commonest mistakes in words with their counts and example answers (escaped), and the list of
student pages.  :func:`write_feedback` writes, into the output folder, each student's page
(``feedback/<name>.html``, see :func:`verifier.report.feedback.safe_filename`), the teacher's
page (``teacher.html``) and the gradebooks (``gradebook-moodle.csv``, ``gradebook-canvas.csv``:
:mod:`verifier.homework.gradebook`, cells made safe by :func:`verifier.report.tables.to_csv`).
Every file is written whole.

>>> import pandas as pd
>>> from verifier.homework.classroom import Problem, grade_class
>>> subs = pd.DataFrame({"student": ["a", "b"], "problem": ["p", "p"], "answer": ["2x", "-2x"]})
>>> page = teacher_page(grade_class(subs, [Problem("p", "x^2")]))
>>> "<svg" in page and "feedback/a.html" in page
True
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from verifier.files import write_atomic
from verifier.homework.feedback import class_mistakes, graded_problems, mistake_words
from verifier.homework.feedback import student_feedback as _student_feedback
from verifier.homework.gradebook import canvas_gradebook, moodle_gradebook, scores_table
from verifier.i18n import _
from verifier.report.feedback import e, html_page, number, student_page, task_math, unique_filenames
from verifier.report.tables import to_csv

__all__ = ["score_bins", "score_chart", "teacher_page", "write_feedback"]

#: how many bars the score distribution has (tenths of the maximum score)
N_BINS = 10


def score_bins(totals: list[float], max_score: float) -> list[int]:
    """How many students scored in each tenth of ``max_score`` (the last tenth includes 100%).

    >>> score_bins([0, 5, 9.9, 10], 10)
    [1, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    """
    counts = [0] * N_BINS
    for t in totals:
        share = t / max_score if max_score > 0 else 0.0
        counts[min(N_BINS - 1, max(0, int(share * N_BINS + 1e-9)))] += 1
    return counts


def score_chart(totals: list[float], max_score: float) -> str:
    """The score distribution as an inline SVG bar chart (no script, no external resource).

    >>> svg = score_chart([1, 2, 2], 2)
    >>> svg.startswith("<svg") and svg.count("<rect") == 10
    True
    """
    counts = score_bins(totals, max_score)
    width, height, left, bottom, top = 640, 260, 40, 46, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(counts) or 1
    bar_w = plot_w / N_BINS
    title = _("Score distribution")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{e(title)}"><title>{e(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#333"/>',
    ]
    for i, n in enumerate(counts):
        h = plot_h * n / peak
        x = left + i * bar_w + 3
        y = top + plot_h - h
        lo, hi = i * 10, 100 if i == N_BINS - 1 else i * 10 + 9
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 6:.1f}" height="{h:.1f}" '
            f'fill="#4263eb"><title>{lo}-{hi}%: {n}</title></rect>'
        )
        if n:
            parts.append(
                f'<text x="{x + (bar_w - 6) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="12">{n}</text>'
            )
        parts.append(
            f'<text x="{x + (bar_w - 6) / 2:.1f}" y="{top + plot_h + 15}" text-anchor="middle" '
            f'font-size="11">{lo}-{hi}%</text>'
        )
    label = _("share of the maximum score")
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
        f'font-size="12">{e(label)}</text>'
    )
    ylabel = _("students")
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{e(ylabel)}</text></svg>'
    )
    return "".join(parts)


def _what_went_wrong(verdict: str, mistake: str) -> str:
    if verdict == "invalid":
        return _("could not be read (how it was typed)")
    if not mistake:
        return _("incorrect, with no common mistake recognised")
    description = mistake_words(mistake)[0]
    return _(description) if description else mistake


def _problem_block(pid: str, problem: Any, graded_rows: Any, mistakes: Any, top: int) -> str:
    verdicts = Counter(graded_rows["verdict"])
    n = len(graded_rows)
    stats = _("{n} answers: {correct} correct, {incorrect} incorrect, {invalid} unreadable").format(
        n=n,
        correct=verdicts["correct"],
        incorrect=verdicts["incorrect"],
        invalid=verdicts["invalid"],
    )
    head = _("Problem {id}").format(id=pid)
    out = [f"<section><h3>{e(head)}: {task_math(problem)}</h3><p>{e(stats)}</p>"]
    mine = mistakes[mistakes["problem"] == pid].head(top)
    if len(mine):
        rows = "".join(
            f"<tr><td>{e(_what_went_wrong(r.verdict, r.mistake))}</td><td>{int(r.count)}</td>"
            f"<td>{' '.join(f'<code>{e(a)}</code>' for a in r.examples)}</td></tr>"
            for r in mine.itertuples()
        )
        heads = (_("What went wrong"), _("How many"), _("Example answers"))
        out.append(
            '<table class="mistakes"><thead><tr>'
            + "".join(f"<th>{e(h)}</th>" for h in heads)
            + f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        out.append("<p>" + e(_("No mistakes in this problem.")) + "</p>")
    out.append("</section>")
    return "".join(out)


def teacher_page(graded: Any, files: dict[str, str] | None = None, top: int = 5) -> str:
    """The class page: the score distribution, per problem the commonest mistakes (at most
    ``top``) with counts and example answers, and links to the student pages (``files``:
    student -> file name under ``feedback/``; by default :func:`unique_filenames`).

    >>> import pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> from verifier.i18n import use_language
    >>> g = grade_class(pd.DataFrame({"student": ["a"], "problem": ["p"], "answer": ["x^2"]}),
    ...                 [Problem("p", "x^2")])
    >>> with use_language("en"):
    ...     "<td>the answer is the original function, not its derivative</td>" in teacher_page(g)
    True
    """
    cols = graded.attrs.get("columns", {"problem": "problem"})
    problems = graded_problems(graded)
    table = scores_table(graded)
    max_score = float(sum(p.points for p in problems.values()))
    totals = [float(t) for t in table["total"]]
    files = files or unique_filenames(list(table.index))
    title = _("Class report")
    mean = number(sum(totals) / len(totals)) if totals else "-"
    summary = _("{n} students; mean score {mean} of {points} points").format(
        n=len(totals), mean=mean, points=number(max_score)
    )
    body = [
        f"<h1>{e(title)}</h1><p>{e(summary)}</p>",
        "<h2>" + e(_("Score distribution")) + "</h2>",
        f'<figure class="bars">{score_chart(totals, max_score)}</figure>',
        "<h2>" + e(_("Commonest mistakes per problem")) + "</h2>",
    ]
    mistakes = class_mistakes(graded)
    pcol = graded[cols["problem"]].astype(str).str.strip()
    for pid, problem in problems.items():
        body.append(_problem_block(pid, problem, graded[pcol == pid], mistakes, top))
    links = "".join(
        f'<tr><td><a href="feedback/{e(files[s])}">{e(s)}</a></td>'
        f"<td>{e(number(t))}</td><td>{e(number(max_score))}</td></tr>"
        for s, t in zip(table.index, totals, strict=True)
    )
    heads = (_("Student"), _("Score"), _("Maximum"))
    body.append(
        "<h2>"
        + e(_("Student pages"))
        + '</h2><table class="students"><thead><tr>'
        + "".join(f"<th>{e(h)}</th>" for h in heads)
        + f"</tr></thead><tbody>{links}</tbody></table>"
    )
    return html_page(title, "\n".join(body))


def write_feedback(graded: Any, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the student pages, the teacher's page and both gradebooks into ``out``.

    >>> import tempfile, pandas as pd
    >>> from verifier.homework.classroom import Problem, grade_class
    >>> subs = pd.DataFrame({"student": ["김민준"], "problem": ["p"], "answer": ["2x"]})
    >>> paths = write_feedback(grade_class(subs, [Problem("p", "x^2")]), tempfile.mkdtemp())
    >>> sorted(p.name for p in paths.values())
    ['feedback', 'gradebook-canvas.csv', 'gradebook-moodle.csv', 'teacher.html']
    >>> [p.name for p in paths["feedback"].iterdir()]
    ['김민준.html']
    """
    d = Path(out)
    folder = d / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    students = _student_feedback(graded)
    files = unique_filenames([s.student for s in students])
    for fb in students:
        write_atomic(folder / files[fb.student], student_page(fb))
    paths = {
        "feedback": folder,
        "teacher": d / "teacher.html",
        "moodle": d / "gradebook-moodle.csv",
        "canvas": d / "gradebook-canvas.csv",
    }
    write_atomic(paths["teacher"], teacher_page(graded, files))
    write_atomic(paths["moodle"], to_csv(moodle_gradebook(graded)))
    write_atomic(paths["canvas"], to_csv(canvas_gradebook(graded)))
    return paths
