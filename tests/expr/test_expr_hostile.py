"""Hostile input for verifier.expr: injection attempts execute nothing, resource attacks
finish fast with a clear error ("What it must show", item 4).

Every injection string is refused with ParseError (with declared variables and with
inferred ones) while ``eval``/``exec`` are replaced by tripwires and a canary file
that the payloads try to create is checked afterwards.  Every resource attack must
end within one second (a safety bound measured with ``time.perf_counter``, not a
benchmark) with ParseError or LimitError.
"""

from __future__ import annotations

import builtins
import time

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.errors import LimitError, ParseError, VerifierError
from verifier.expr import ParseLimits, parse, parse_with_warnings


def _injections(canary: str) -> list[str]:
    touch = f"touch {canary}"
    return [
        f"__import__('os').system('{touch}')",
        f'__import__("os").system("{touch}")',
        "__import__",
        "__builtins__",
        "__class__",
        "x.__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__.__mro__[1].__subclasses__()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "(lambda: 1)()",
        "lambda x: x",
        "lambda",
        f"exec('import os; os.system(\"{touch}\")')",
        "exec",
        "exec(x)",
        "eval",
        "eval(x)",
        "eval(chr(95)+chr(95)+chr(105)+chr(109)+chr(112))",
        "chr(95)",
        "open('/etc/passwd').read()",
        "open",
        "open(x)",
        "getattr(x, 'evalf')",
        "getattr",
        "globals()",
        "locals()",
        "vars()",
        "dir()",
        "input()",
        "compile",
        "breakpoint()",
        "Symbol('x')",
        "Symbol",
        "sympify('x')",
        "sympify",
        "S('x')",
        "S",
        "S.One",
        "Integer(1)",
        "parse_expr('x')",
        "x; import os",
        "x\nimport os",
        "x\r\nos.system('ls')",
        "x # comment",
        "'x'",
        '"x"',
        "`x`",
        "f'{x}'",
        "{'a': 1}",
        "[x]",
        "x[0]",
        "x @ x",
        "x % 2",
        "x & x",
        "x | 1",
        "x || x",
        "~x",
        "x \\ 2",
        # "{x}", "$x$" and "\\frac{1}{x}" are LaTeX now: tests/expr/test_expr_latex.py
        "x.evalf()",
        "x.subs(x, 1)",
        "x if x else x",
        "x == 1",
        "x := 1",
        "not x",
        "x and x",
        "x or x",
        "1 < x",
        "x!",
        "x ? 1 : 2",
        "os.system",
        "system",
        "import os",
        "x; __import__('os')",
        "\U0001d452\U0001d465\U0001d452\U0001d450",  # 𝑒𝑥𝑒𝑐 (mathematical italic)
        "\U0001d452\U0001d465\U0001d452\U0001d450(x)",
        "\uff45\uff56\uff41\uff4c(x)",  # full-width 'eval'
        "\u0435x\u0435c",  # Cyrillic е
        "x\u200b",
        "ex\u200dec",
        "x\u202ex",
        "\u2066x\u2069",
        "x\x00",
        "x\x1b[2J",
        "%s%s%s",
        "{0.__class__}",
        "x.__dict__",
        "__",
        "_",
        "_x",
        "x__",
        "sys.modules",
        "help",
        "exit()",
        "quit",
        "sin.__globals__",
        "sin(x).func",
        "self",
        "print(1)",
        "pow(2, 3)",
        "Rational(1, 2)",
    ]


@pytest.fixture
def tripwires(monkeypatch):
    """Wrap eval/exec: record every call that runs source text rather than a module file.

    Imports (sympy imports lazily) run code objects compiled from ``.py`` files
    through ``exec``; those pass.  Source strings, and code compiled from a
    string (``parse_expr`` and ``sympify`` end in such a call), are recorded
    and refused.
    """
    calls: list[str] = []

    def from_text(code):
        if isinstance(code, str | bytes):
            return True
        filename = getattr(code, "co_filename", "")
        return not (filename.endswith(".py") or filename.startswith("<frozen"))

    def trip(name, original):
        def wire(code, *args, **kwargs):
            if from_text(code):
                calls.append(f"{name}({code!r:.60})")
                raise AssertionError(f"{name} was called on text")
            return original(code, *args, **kwargs)

        return wire

    monkeypatch.setattr(builtins, "eval", trip("eval", builtins.eval))
    monkeypatch.setattr(builtins, "exec", trip("exec", builtins.exec))
    return calls


def test_the_tripwire_would_catch_sympify(tripwires):
    """The tripwire is live: sympy's own string parser trips it."""
    with pytest.raises(Exception):  # noqa: B017 - whatever sympy wraps the AssertionError in
        sympy.sympify("x + 1")
    assert tripwires
    tripwires.clear()


def test_at_least_sixty_injection_attempts(tmp_path):
    assert len(_injections(str(tmp_path / "CANARY"))) >= 60


@pytest.mark.parametrize("variables", [("x",), None], ids=["declared", "inferred"])
def test_injection_attempts_are_refused_and_execute_nothing(tmp_path, tripwires, variables):
    canary = tmp_path / "CANARY"
    refused = 0
    for text in _injections(str(canary)):
        with pytest.raises(ParseError) as info:
            parse(text, variables=variables)
        assert not isinstance(info.value, LimitError)
        assert info.value.message, text
        assert info.value.position is not None, text
        refused += 1
    assert refused >= 60
    assert tripwires == []
    assert not canary.exists()


def test_the_error_names_a_hidden_character():
    err = pytest.raises(ParseError, parse, "ex\u200dec").value
    assert "ZERO WIDTH JOINER" in err.message and err.position == 2
    err = pytest.raises(ParseError, parse, "\U0001d452\U0001d465").value
    assert "MATHEMATICAL ITALIC SMALL E" in err.message and err.position == 0
    err = pytest.raises(ParseError, parse, "\u0435x").value
    assert "CYRILLIC SMALL LETTER IE" in err.message


BIG = ParseLimits(max_length=10**6, max_tokens=10**6)

# (name, text, limits): each must end in < 1 s with ParseError or LimitError
RESOURCE_ATTACKS = [
    ("100 KB of x", "x" * 100_000, None),
    ("100 KB of digits", "9" * 100_000, None),
    ("10,000 nested parentheses", "(" * 10_000 + "x" + ")" * 10_000, None),
    ("10,000 nested parentheses, no length limit", "(" * 10_000 + "x" + ")" * 10_000, BIG),
    ("10,000 unbalanced parentheses", "(" * 10_000, BIG),
    ("60 nested parentheses", "(" * 60 + "x" + ")" * 60, None),
    ("10,000 nested bars", "|" * 10_000 + "x" + "|" * 10_000, BIG),
    ("10,000 nested sin", "sin(" * 10_000 + "x" + ")" * 10_000, BIG),
    ("unbracketed sin chain", "sin " * 5000 + "x", BIG),
    ("sign chain", "-" * 50_000 + "x", BIG),
    ("power tower x^x^x", "x^" * 5000 + "x", BIG),
    ("superscript tower", "x" + "²" * 5000, BIG),
    ("9^9^9^9", "9^9^9^9", None),
    ("10^10^10", "10^10^10", None),
    ("x^(10^100)", "x^(10^100)", None),
    ("(3x)^10000", "(3x)^10000", None),
    ("exp(10^9 log 2)", "exp(10^9 log 2)", None),
    ("e^(10^9 ln 2)", "e^(10^9 ln 2)", None),
    ("exp(10^9*log(2) + x)", "exp(10^9*log(2) + x)", None),
    ("2^(10^9)", "2^(10^9)", None),
    ("2^2^2^2^2^2", "2^2^2^2^2^2", None),
    ("factorial(10^9)", "factorial(10^9)", None),
    ("(x+1)^1000", "(x+1)^1000", None),
    ("((x+1)^100)^100", "((x+1)^100)^100", None),
    ("(2^1000)^1000", "(2^1000)^1000", None),
    ("root of a 300-digit number", "sqrt(2^999)", None),
    ("1e1000", "1e1000", None),
    ("1e-99999999", "1e-99999999", None),
    ("huge literal", "1" * 5000, BIG),
    ("huge decimal", "0." + "1" * 5000, BIG),
    ("product of big literals", "*".join(["9" * 100] * 12), None),
    ("sum of tiny fractions", "+".join(f"1/{p}^150" for p in (3, 7, 11, 13, 17, 19, 23)), None),
    ("many terms", "+".join(f"{i}x" for i in range(1, 20_000)), BIG),
    ("many tokens", "x+" * 600 + "x", None),
    ("many factors", "x*" * 100_000 + "x", BIG),
    ("many sines", "+".join(f"sin({i}x)" for i in range(1, 5000)), BIG),
    ("merged powers 2^a*2^b", "*".join(["2^(1000+x)*2^(-x)"] * 5), None),
    ("(2^(1/x))^(1000x) chain", "((2^(1/x))^(1000x))^1000", None),
    ("exp(x)^1000", "exp(x)^1000", None),
    ("e^e^e^e", "e^e^e^e", None),
    ("pi^pi^pi^pi", "pi^pi^pi^pi", None),
    ("exponential tower found by fuzzing", "exppilog(010^10^-e^√9910^pi)", None),
    ("decimal exponent of a composite number", "999^0.51009", None),
    ("decimal exponent through exp and log", "exp(0.51009 ln 999)", None),
    ("exponent with a 300-digit denominator", "10^0.5^999", None),
    ("exponent that is a fraction of 1000-digit numbers", "2^(0.7^999)", None),
    ("tiny base and tiny exponent", "(0.7^999)^(0.7^999)", None),
    ("reciprocal of a log near zero", "exp(1/log(1+10^-900))", None),
    ("near a pole of tan", "e^(tan(pi/2 - 10^-900))", None),
    ("sinh(sinh(sinh(10)))", "sinh(sinh(sinh(10)))", None),
    ("sine of a 10^1294 constant", "|sin(e^(e^8))|", None),
    ("e^(1/x)^(10^6 x)", "(e^(log(2)/x))^(1000000x)", None),
    (
        "numeric sign decisions",
        "+".join(f"|sin(pi/{n})^2+cos(pi/{n})^2-1|" for n in range(3, 200)),
        BIG,
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "limits"), RESOURCE_ATTACKS, ids=[a[0] for a in RESOURCE_ATTACKS]
)
def test_resource_attack_finishes_fast_with_a_clear_error(name, text, limits):
    started = time.perf_counter()
    with pytest.raises((ParseError, LimitError)) as info:
        parse(text, limits=limits)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{name}: {elapsed:.2f} s"
    assert str(info.value)
    if isinstance(info.value, LimitError):
        assert info.value.limit, name


def test_at_least_twenty_resource_attacks():
    assert len(RESOURCE_ATTACKS) >= 20


def test_nothing_is_computed_for_big_exponents():
    """A refused power costs microseconds: the check happens before sympy evaluates."""
    started = time.perf_counter()
    for text in ("9^9^9^9", "10^10^10", "exp(10^9 log 2)", "2^(10^9)"):
        with pytest.raises(LimitError):
            parse(text)
    assert time.perf_counter() - started < 0.1


_ALPHABET = list(
    [
        "x",
        "y",
        "e",
        "0",
        "1",
        "2",
        "9",
        ".",
        "+",
        "-",
        "*",
        "/",
        "^",
        "(",
        ")",
        ",",
        "|",
        "√",
        "²",
        "⁻",
        "π",
        "sin",
        "cos",
        "ln",
        "log",
        "exp",
        "abs",
        "sqrt",
        "_",
        "₁",
        "E",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_ALPHABET + [" "]), max_size=40))
def test_random_token_soup_never_escapes_as_another_exception(pieces):
    text = "".join(pieces)
    started = time.perf_counter()
    try:
        parsed = parse_with_warnings(text, variables=("x", "y"))
    except VerifierError as err:
        assert isinstance(err, ParseError | LimitError)
    else:
        assert isinstance(parsed.expr, sympy.Expr)
    assert time.perf_counter() - started < 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=30))
def test_random_unicode_never_escapes_as_another_exception(text):
    try:
        parse(text, variables=None)
    except VerifierError as err:
        assert isinstance(err, ParseError | LimitError)
