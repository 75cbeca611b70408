import { registry } from "@web/core/registry";

// The aged report of a month ago: the tour customer owed its invoice then.
const asOf = luxon.DateTime.now().minus({ days: 30 });

registry.category("web_tour.tours").add("credit_management_dashboard_tour", {
    url: "/odoo/dashboards",
    steps: () => [
        {
            content: "Open the Credit Control dashboard",
            trigger: '.o_search_panel_category_value:contains("Credit Control")',
            run: "click",
        },
        {
            content: "It is the active dashboard",
            trigger: '.o_search_panel_category_value.active:contains("Credit Control")',
        },
        {
            content: "Its key figures are drawn",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer canvas.o-scorecard",
        },
        {
            content: "and its charts",
            trigger: ".o_spreadsheet_dashboard_action .o_renderer .o-chart-container canvas",
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
            content: "Open the aged receivables",
            trigger:
                '.dropdown-item[data-menu-xmlid="credit_management.credit_aged_receivable_menu"]',
            run: "click",
        },
        {
            content: "Focus the date (a filled date is a button until then)",
            trigger: ".modal .o_field_widget[name=date] button",
            run: "click",
        },
        {
            content: "Ask for the receivables of a month ago",
            trigger: ".modal .o_field_widget[name=date] input",
            run: `edit ${asOf.toFormat("MM/dd/yyyy")}`,
        },
        {
            content: "Leave the date (closes its picker)",
            trigger: ".modal .o_form_view .text-muted",
            run: "click",
        },
        {
            content: "Show the report",
            trigger: ".modal button[name=action_open]",
            run: "click",
        },
        {
            content: "The report is of that date",
            trigger: `.o_breadcrumb:contains("${asOf.toISODate()}")`,
        },
        {
            content: "Open the tour customer's items on that date",
            trigger:
                '.o_data_row:contains("Dashboard Tour Customer") button[name=action_open_items]',
            run: "click",
        },
        {
            content: "Open the invoice it owed then",
            trigger: '.o_data_row:contains("777") button[name=action_open_move]',
            run: "click",
        },
        {
            content: "The invoice is shown",
            trigger: ".o_form_view .o_field_widget[name=name]:contains(INV/)",
        },
    ],
});
