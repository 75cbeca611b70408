import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("factoring_batch_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        {
            content: "Open the Credit Control menu",
            trigger: '.o_main_navbar button:contains("Credit Control")',
            run: "click",
        },
        {
            content: "Open the factoring batches",
            trigger: '.dropdown-item[data-menu-xmlid="factoring_connector.factoring_batch_menu"]',
            run: "click",
        },
        {
            content: "The batches are listed",
            trigger: '.o_breadcrumb:contains("Factoring Batches")',
        },
        {
            content: "New batch",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the demo contract",
            trigger: ".o_field_widget[name=contract_id] input",
            run: "edit Northbank",
        },
        {
            content: "Pick it in the list",
            trigger: '.o-autocomplete--dropdown-item:contains("Northbank, notified")',
            run: "click",
        },
        {
            content: "Add the eligible documents (saves the batch)",
            trigger: "button[name=action_add_documents]",
            run: "click",
        },
        {
            content: "An invoice of an approved debtor is in the batch",
            trigger: '.o_field_widget[name=line_ids] .o_data_row:contains("Fabrikam")',
        },
        {
            content: "Generate the file",
            trigger: "button[name=action_generate]",
            run: "click",
        },
        {
            content: "The batch is generated",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Generated)",
        },
        {
            content: "Its file is attached",
            trigger: '.o_field_widget[name=attachment_ids] .o_data_row:contains(".txt")',
        },
        {
            content: "Send it to the factor",
            trigger: "button[name=action_send]",
            run: "click",
        },
        {
            content: "The batch is sent",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Sent)",
        },
    ],
});
