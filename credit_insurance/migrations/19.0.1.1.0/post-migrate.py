def migrate(cr, version):
    """Claims sent before the update record what they sent: the documents
    attached to the claim when it was submitted (the payload and the file
    export send every attachment of the claim), so that those stay frozen."""
    if not version:
        return
    cr.execute(
        """
        INSERT INTO credit_insurance_claim_sent_document_rel (claim_id, attachment_id)
        SELECT claim.id, att.id
          FROM credit_insurance_claim claim
          JOIN ir_attachment att
            ON att.res_model = 'credit.insurance.claim' AND att.res_id = claim.id
           AND att.create_date <= claim.date_submitted
         WHERE claim.date_submitted IS NOT NULL
        ON CONFLICT DO NOTHING
        """
    )
