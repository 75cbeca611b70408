"""Install, upgrade and uninstall checks, run as an integrator would.

``bin/test`` installs the addons with demo data into the run's main
database; here a second, empty database gets them without demo data, is
upgraded, then uninstalled, and must be left without a trace of them.
"""

import pytest

from .odoo_process import drop_database, odoo_bin, query, settings

ADDONS = [
    "credit_management",
    "credit_management_sale",
    "credit_management_spreadsheet_dashboard",
    "credit_management_portal",
    "credit_insurance",
    "factoring_connector",
]

# Records that only our addons own (inherited models share "id" and
# "display_name" with every addon that extends them: those stay).
OWNED = """
    SELECT d.model, d.res_id, d.name FROM ir_model_data d
     WHERE d.module = ANY(%(addons)s) AND d.model = ANY(%(models)s)
       AND NOT EXISTS (
           SELECT 1 FROM ir_model_data other
            WHERE other.model = d.model AND other.res_id = d.res_id
              AND other.module != ALL(%(addons)s))
"""
TABLES = {"ir.actions.act_window": "ir_act_window"}
TRACKED = [
    "ir.model",
    "ir.model.fields",
    "ir.ui.view",
    "ir.ui.menu",
    "res.groups",
    "ir.model.access",
    "ir.rule",
    "ir.actions.act_window",
    "ir.cron",
    "spreadsheet.dashboard",
]


@pytest.fixture(scope="module")
def bare_db():
    db = settings()["db"] + "_bare"
    drop_database(db)
    odoo_bin(
        "-d",
        db,
        "-i",
        ",".join(ADDONS),
        "--without-demo",
        "--stop-after-init",
        "--log-level=warn",
    )
    yield db
    drop_database(db)


def module_states(db):
    return dict(
        query(db, "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)", [ADDONS])
    )


def test_installed_with_demo_data():
    db = settings()["db"]
    assert module_states(db) == dict.fromkeys(ADDONS, "installed")
    demo_users = query(db, "SELECT login FROM res_users WHERE login = 'credit.controller'")
    assert demo_users == [("credit.controller",)]


def test_installed_without_demo_data(bare_db):
    assert module_states(bare_db) == dict.fromkeys(ADDONS, "installed")
    assert query(bare_db, "SELECT count(*) FROM res_users WHERE login = 'credit.controller'") == [
        (0,)
    ]
    groups = query(bare_db, OWNED, {"addons": ADDONS, "models": ["res.groups"]})
    assert {name for _model, _id, name in groups} >= {
        "group_credit_control_user",
        "group_credit_control_manager",
    }


def test_usable_without_demo_data(bare_db):
    """Risk classes A-E (shared) and a standard dunning policy per company,
    new companies included; no company reminds anybody until someone picks a
    policy."""
    odoo_bin(
        "shell",
        "-d",
        bare_db,
        "--no-http",
        "--log-level=warn",
        stdin="env['res.company'].create({'name': 'Company Made Later'})\nenv.cr.commit()\n",
    )
    classes = query(
        bare_db, "SELECT code FROM credit_risk_class WHERE company_id IS NULL ORDER BY code"
    )
    assert classes == [(code,) for code in "ABCDE"]
    policies = query(
        bare_db,
        """
        SELECT company.name, company.credit_dunning_policy_id, COUNT(level.id),
               COUNT(*) FILTER (WHERE level.fee_type != 'none' OR level.charge_interest
                                   OR level.charge_compensation)
          FROM res_company company
          LEFT JOIN credit_dunning_policy policy ON policy.company_id = company.id
          LEFT JOIN credit_dunning_level level ON level.policy_id = policy.id
         GROUP BY company.id ORDER BY company.id""",
    )
    assert len(policies) == 2
    assert policies[1][0] == "Company Made Later"
    assert [row[1:] for row in policies] == [(None, 4, 0), (None, 4, 0)]


def test_upgrade(bare_db):
    log = odoo_bin("-d", bare_db, "-u", ",".join(ADDONS), "--stop-after-init", "--log-level=info")
    assert "Modules loaded." in log
    assert module_states(bare_db) == dict.fromkeys(ADDONS, "installed")


def test_uninstall_leaves_nothing_behind(bare_db):
    owned = query(bare_db, OWNED, {"addons": ADDONS, "models": TRACKED})
    models = [row[1] for row in owned if row[0] == "ir.model"]
    model_names = [
        name
        for (name,) in query(bare_db, "SELECT model FROM ir_model WHERE id = ANY(%s)", [models])
    ]
    fields = query(
        bare_db,
        """
        SELECT f.model, f.name, f.store FROM ir_model_fields f
         WHERE f.id = ANY(%s)""",
        [[row[1] for row in owned if row[0] == "ir.model.fields"]],
    )
    assert {row[0] for row in owned} >= {"ir.ui.menu", "res.groups"}, "nothing to check"
    triggers = "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'credit_management%'"
    assert len(query(bare_db, triggers)) == 3, "the open balance triggers are installed"

    odoo_bin(
        "shell",
        "-d",
        bare_db,
        "--no-http",
        "--log-level=warn",
        stdin=f"env['ir.module.module'].search([('name', 'in', {ADDONS!r})])"
        ".button_immediate_uninstall()\n",
    )

    assert module_states(bare_db) == dict.fromkeys(ADDONS, "uninstalled")
    assert (
        query(bare_db, "SELECT model, name FROM ir_model_data WHERE module = ANY(%s)", [ADDONS])
        == []
    )
    for model, ids in _ids_by_model(owned).items():
        table = TABLES.get(model, model.replace(".", "_"))
        left = query(bare_db, f"SELECT id FROM {table} WHERE id = ANY(%s)", [ids])
        assert left == [], f"{model} records left behind: {left}"
    for model in model_names:
        table = model.replace(".", "_")
        assert query(bare_db, "SELECT to_regclass(%s)", [table]) == [(None,)], table
    for model, name, store in fields:
        if not store or model in model_names:
            continue
        column = query(
            bare_db,
            """
            SELECT 1 FROM information_schema.columns
             WHERE table_name = %s AND column_name = %s""",
            [model.replace(".", "_"), name],
        )
        assert column == [], f"column {model}.{name} left behind"
    functions = query(
        bare_db, "SELECT proname FROM pg_proc WHERE proname LIKE 'credit_management%'"
    )
    assert functions == [], f"SQL functions left behind: {functions}"
    # Left behind, they would make every write to journal items fail.
    assert query(bare_db, triggers) == [], "triggers left behind"


def _ids_by_model(owned):
    result = {}
    for model, res_id, _name in owned:
        result.setdefault(model, []).append(res_id)
    return result
