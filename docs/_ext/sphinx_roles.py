"""A griffe extension for the API reference: Sphinx roles in docstrings become links.

ganaug's docstrings follow numpydoc, whose cross-references are Sphinx roles
(``:func:`evaluate```, ``:class:`~ganaug.errors.ModelFileError```); the site
renders Markdown, where such a role would show as raw text. Once the whole
package is loaded, this extension rewrites each role in every docstring into
an optional autorefs reference: a link where the target is on the site, code
text where it is not (a private helper, or scikit-learn's ``Pipeline``).
``mkdocs.yml`` loads it (``extensions:`` of the Python handler).
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|obj|exc|const):`(?P<target>[^`]+)`")


def role_to_reference(target: str, resolve: Any) -> str:
    """One role's target (``~ganaug.x.y``, ``.y``, ``y``) as an inline autorefs element.

    ``resolve(name)`` returns the full dotted path of a relative name, or None.
    ``~`` shows only the last component, as in Sphinx.
    """
    short = target.startswith("~")
    name = target.lstrip("~!.")
    shown = name.rsplit(".", 1)[-1] if short else name
    path = name if name.split(".")[0] == "ganaug" else resolve(name)
    code = f"`{shown}`"  # a Markdown code span: `__all__` would turn bold inside <code>
    if path is None:  # outside ganaug (scikit-learn, torch): code text, no link
        return code
    return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of the loaded package into autorefs references."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._rewrite(pkg, set())

    def _rewrite(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None and ROLE.search(obj.docstring.value):
            resolve = _resolver(obj)
            obj.docstring.value = ROLE.sub(lambda m: role_to_reference(m["target"], resolve),
                                           obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:  # an alias is rewritten where it is defined
                self._rewrite(member, seen)


def _resolver(obj: griffe.Object) -> Any:
    """Resolve a relative name as Sphinx would: members of the object, its class, its module, imports."""

    def resolve(name: str) -> str | None:
        head, _, rest = name.partition(".")
        scope: Any = obj
        while scope is not None:
            if head in scope.members:
                found = scope.members[head]
                path = found.target_path if found.is_alias else found.path
                return f"{path}.{rest}" if rest else path
            scope = scope.parent
        return None

    return resolve
