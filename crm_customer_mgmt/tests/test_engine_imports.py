import ast
from pathlib import Path

from odoo.tests import BaseCase, tagged

ENGINE = Path(__file__).resolve().parent.parent / "engine"


def foreign_imports(source, depth=1):
    """The imports in ``source`` that reach Odoo or, relatively, leave the engine package.

    ``depth`` is how many packages deep the file sits, the engine itself counting as one:
    a relative import may climb that many levels and stay inside.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_odoo(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            name = "." * node.level + (node.module or "")
            if node.level > depth or (not node.level and _is_odoo(node.module)):
                found.append(name)
    return found


def _is_odoo(module):
    return module == "odoo" or module.startswith("odoo.")


@tagged("post_install", "-at_install")
class TestEngineImports(BaseCase):
    def test_the_engine_imports_nothing_from_odoo(self):
        files = sorted(ENGINE.rglob("*.py"))
        self.assertIn(ENGINE / "card.py", files)
        for path in files:
            with self.subTest(file=str(path.relative_to(ENGINE))):
                depth = len(path.relative_to(ENGINE).parts)
                source = path.read_text(encoding="utf-8")
                self.assertEqual(foreign_imports(source, depth), [])

    def test_the_check_finds_what_it_forbids(self):
        source = "\n".join(
            [
                "import odoo",
                "import odoo.tools, math",
                "from odoo import fields",
                "from odoo.addons.crm_customer_mgmt.models import res_partner",
                "from .. import models",
                "from ..models.res_partner import ResPartner",
                "def late():",
                "    from odoo.tools import float_round",
                "import odoolike",
                "from . import credit",
                "from .credit import score",
            ]
        )
        self.assertEqual(
            foreign_imports(source),
            [
                "odoo",
                "odoo.tools",
                "odoo",
                "odoo.addons.crm_customer_mgmt.models",
                "..",
                "..models.res_partner",
                "odoo.tools",
            ],
        )
        self.assertEqual(foreign_imports("from ..card import weighted_score", depth=2), [])


@tagged("post_install", "-at_install")
class TestOdooRunsEveryTest(BaseCase):
    """odoo-bin --test-enable runs the test modules that tests/__init__.py imports; pytest
    runs every test_*.py file. Both must run the same tests."""

    def test_every_test_module_is_imported(self):
        from .. import tests

        folder = Path(__file__).resolve().parent
        modules = sorted(path.stem for path in folder.glob("test_*.py"))
        self.assertIn("test_engine_imports", modules)
        self.assertEqual([name for name in modules if not hasattr(tests, name)], [])
