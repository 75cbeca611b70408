from odoo import models
from odoo.addons.base.models.ir_actions_report import _wkhtml

OWN_REPORTS = "credit_management."


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        # wkhtmltopdf built on unpatched Qt (Debian's package) cannot print
        # several documents in one call: Odoo refuses the whole batch. The
        # suite's letters, statements and case files are printed one document
        # at a time there, and Odoo merges the files.
        report = self._get_report(report_ref)
        if (
            res_ids
            and len(set(res_ids)) == len(res_ids) > 1
            and report.report_name.startswith(OWN_REPORTS)
            and not _wkhtml().is_patched_qt
        ):
            streams = {}
            for res_id in res_ids:
                streams.update(
                    super()._render_qweb_pdf_prepare_streams(report_ref, dict(data or {}), [res_id])
                )
            return streams
        return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
