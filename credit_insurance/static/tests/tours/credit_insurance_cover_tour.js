import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("credit_insurance_cover_tour", {
    steps: () => [
        {
            content: "Open the Credit tab of the customer",
            trigger: '.o_notebook .nav-link:contains("Credit")',
            run: "click",
        },
        {
            content: "Nothing is insured yet",
            trigger: '.o_field_widget[name=credit_insured_limit]:contains("0.00")',
        },
        {
            content: "Ask the insurer for a cover",
            trigger: "button[name=action_credit_insurance_request]",
            run: "click",
        },
        {
            content: "Choose the policy",
            trigger: ".modal .o_field_widget[name=policy_id] input",
            run: "edit TOUR-POLICY",
        },
        {
            content: "Pick it in the list",
            trigger: '.o-autocomplete--dropdown-item:contains("TOUR-POLICY")',
            run: "click",
        },
        {
            content: "Amount asked",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 40000",
        },
        {
            content: "Send the request",
            trigger: '.modal button[name=action_confirm]',
            run: "click",
        },
        {
            content: "The insurer's decision is on the cover",
            trigger: '.o_form_view .o_statusbar_status .o_arrow_button_current:contains("Approved")',
        },
        {
            content: "With the insured amount",
            trigger: '.o_form_view .o_field_widget[name=amount]:contains("40,000.00")',
        },
        {
            content: "And its history",
            trigger: '.o_field_widget[name=event_ids] .o_data_row:contains("Approved")',
        },
        {
            content: "Back to the customer",
            trigger: '.o_breadcrumb a:contains("Tour Insured Buyer")',
            run: "click",
        },
        {
            content: "Open the Credit tab again",
            trigger: '.o_notebook .nav-link:contains("Credit")',
            run: "click",
        },
        {
            content: "The cover caps the limit",
            trigger: '.o_field_widget[name=credit_limit_effective]:contains("40,000.00")',
        },
        {
            content: "And is listed with its state",
            trigger: '.o_field_widget[name=credit_insurance_cover_ids] .o_data_row:contains("Approved")',
        },
    ],
});
