import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("credit_limit_request_tour", {
    steps: () => [
        {
            content: "Open the Credit tab of the customer",
            trigger: '.o_notebook .nav-link:contains("Credit")',
            run: "click",
        },
        {
            content: "Exposure is shown",
            trigger: '.o_field_widget[name=credit_exposure]:contains("80.00")',
        },
        {
            content: "Request a new limit",
            trigger: "button[name=action_credit_request_limit]",
            run: "click",
        },
        {
            content: "Requested amount",
            trigger: ".modal .o_field_widget[name=requested_limit] input",
            run: "edit 500",
        },
        {
            content: "Reason",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Seasonal orders",
        },
        {
            content: "Send the request",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The request is listed on the customer",
            trigger: '.o_field_widget[name=credit_limit_request_ids] .o_data_row:contains("To Approve")',
        },
        {
            content: "Open the Credit Control menu",
            trigger: '.o_main_navbar button:contains("Credit Control")',
            run: "click",
        },
        {
            content: "Open the limit requests",
            trigger: '.dropdown-item:contains("Limit Requests")',
            run: "click",
        },
        {
            content: "Open the request to decide",
            trigger: '.o_data_row .o_data_cell:contains("Tour Customer")',
            run: "click",
        },
        {
            content: "Approve it",
            trigger: "button[name=action_approve]",
            run: "click",
        },
        {
            content: "The request is approved",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Open the customer invoices",
            trigger: '.o_main_navbar button:contains("Customers")',
            run: "click",
        },
        {
            content: "Invoices",
            trigger: '.dropdown-item:contains("Invoices")',
            run: "click",
        },
        {
            content: "Open the customer's draft invoice",
            trigger: '.o_data_row .o_data_cell:contains("Tour Customer")',
            run: "click",
        },
        {
            content: "The banner gives the reason",
            trigger: '.o_form_view .alert:contains("would exceed its available credit")',
        },
        {
            content: "Try to confirm the invoice",
            trigger: "button[name=action_post]",
            run: "click",
        },
        {
            content: "The credit check stops it with the numbers",
            trigger: '.modal:contains("Excess")',
        },
        {
            content: "Do not override",
            trigger: '.modal-footer button:contains("Cancel")',
            run: "click",
        },
        {
            content: "The invoice is still a draft",
            trigger: ".o_form_view .o_arrow_button_current[data-value=draft]",
        },
    ],
});
