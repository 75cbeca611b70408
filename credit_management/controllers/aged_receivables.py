from odoo import http
from odoo.http import content_disposition, request


class AgedReceivablesController(http.Controller):
    @http.route(
        "/credit_management/aged_receivables/<int:wizard_id>/xlsx",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def aged_receivables_xlsx(self, wizard_id):
        """The report as .xlsx, as the user: the wizard's access rules (its
        creator only) and those of the journal items apply."""
        wizard = request.env["credit.aged.receivable.wizard"].browse(wizard_id).exists()
        if not wizard:
            raise request.not_found()
        wizard.check_access("read")
        content = wizard._xlsx_content()
        return request.make_response(
            content,
            headers=[
                (
                    "Content-Type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("Content-Disposition", content_disposition(wizard._xlsx_filename(wizard))),
            ],
        )
