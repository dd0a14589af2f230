"""Nothing a member reads lands in Python unwrapped: messages and validation errors are
translatable (issue 19).

Scans every package of the app (not the tests, the sandbox, the bench or migrations) for
`messages.<level>(request, …)`, `messages.add_message(request, level, …)` and
`ValidationError(…)` whose text is a literal (a string, an f-string, strings joined) rather
than a call of `gettext` and its kin.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SCANNED = {"tests", "linkedin_sandbox", "bench", "migrations", ".venv", "node_modules"}
LEVELS = {"debug", "info", "success", "warning", "error"}


def app_modules() -> list[Path]:
    packages = [path.parent for path in ROOT.glob("*/__init__.py")]
    return sorted(
        module
        for package in packages
        if package.name not in NOT_SCANNED
        for module in package.rglob("*.py")
        if not NOT_SCANNED & set(module.relative_to(ROOT).parts)
    )


def is_literal(node: ast.AST) -> bool:
    """True for text written in place: "…", f"…", "…" + "…", "…" % (…), "…".format(…)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_literal(node.left) or is_literal(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and is_literal(node.func.value)
    return False


def shown_text(call: ast.Call) -> ast.AST | None:
    """The argument of `call` a person reads, if it is a message or a validation error."""
    func = call.func
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id == "messages" and func.attr in LEVELS:
            return call.args[1] if len(call.args) > 1 else keywords.get("message")
        if func.value.id == "messages" and func.attr == "add_message":
            return call.args[2] if len(call.args) > 2 else keywords.get("message")
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name == "ValidationError":
        return call.args[0] if call.args else keywords.get("message")
    return None


def unwrapped(source: str) -> list[int]:
    """The lines of `source` where a message or validation error is a bare literal."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and (text := shown_text(node)) is not None
        and is_literal(text)
    ]


def test_the_check_finds_what_it_is_for_and_lets_wrapped_text_through():
    assert unwrapped('messages.info(request, "Saved.")') == [1]
    assert unwrapped('messages.success(request, f"Hi {name}.")') == [1]
    assert unwrapped('messages.add_message(request, 20, "A" "B")') == [1]
    assert unwrapped('raise forms.ValidationError("Too long.")') == [1]
    assert unwrapped('raise ValidationError("%s" % x)') == [1]
    assert unwrapped('messages.info(request, _("Saved."))') == []
    assert unwrapped('messages.info(request, _("Hi %(n)s.") % {"n": n})') == []
    assert unwrapped('raise ValidationError(gettext_lazy("Too long."), code="long")') == []
    assert unwrapped("messages.error(request, error)") == []  # worded where it was made


def test_the_scan_covers_the_apps_views():
    scanned = {module.relative_to(ROOT).as_posix() for module in app_modules()}
    assert {"exports/views.py", "devices/views.py", "contactsapp/views.py"} <= scanned
    assert not any(path.startswith(("tests/", "linkedin_sandbox/")) for path in scanned)
    assert not any("/migrations/" in path for path in scanned)


def test_no_message_or_validation_error_in_the_apps_is_left_untranslatable():
    found = [
        f"{module.relative_to(ROOT)}:{line}"
        for module in app_modules()
        for line in unwrapped(module.read_text(encoding="utf-8"))
    ]
    assert found == [], "wrap these in gettext: " + ", ".join(found)
