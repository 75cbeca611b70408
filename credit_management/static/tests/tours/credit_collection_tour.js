import { registry } from "@web/core/registry";

const promised = luxon.DateTime.now().plus({ days: 7 });

registry.category("web_tour.tours").add("credit_collection_tour", {
    steps: () => [
        {
            content: "Open the customer's Credit tab",
            trigger: ".o_notebook .nav-link[name=credit_management]",
            run: "click",
        },
        {
            content: "Open its collection case",
            trigger: "button[name=action_credit_open_case]",
            run: "click",
        },
        {
            content: "The case covers the overdue invoice",
            trigger: '.o_field_widget[name=item_ids] .o_data_row:contains("INV/")',
        },
        {
            content: "The case is open",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Open)",
        },
        {
            content: "Record a promise to pay",
            trigger: "button[name=action_new_promise]",
            run: "click",
        },
        {
            content: "Promised amount",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 400",
        },
        {
            content: "Promised date",
            trigger: ".modal .o_field_widget[name=date] input",
            run: `edit ${promised.toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Leave the date (closes its picker)",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "click",
        },
        {
            content: "Save the promise",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The case moved to Promised",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Promised)",
        },
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Invoicing",
            trigger: '.o_app[data-menu-xmlid="account.menu_finance"]',
            run: "click",
        },
        {
            content: "Open the Credit Control menu",
            trigger: '.o_main_navbar button:contains("Credit Control")',
            run: "click",
        },
        {
            content: "Open the worklist",
            trigger: '.dropdown-item[data-menu-xmlid="credit_management.credit_collection_case_menu"]',
            run: "click",
        },
        {
            content: "The case is on the worklist, promised",
            trigger: '.o_data_row:contains("Collection Tour Customer"):contains("Promised")',
        },
        {
            content: "Switch to the kanban by stage",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The case is in the Promised column",
            trigger: '.o_kanban_group:contains("Promised") .o_kanban_record:contains("Collection Tour Customer")',
        },
    ],
});
