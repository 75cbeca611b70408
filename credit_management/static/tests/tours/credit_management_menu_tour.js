import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("credit_management_menu_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open the Invoicing app"),
        {
            content: "Open the Credit Control menu",
            trigger: '.o_main_navbar button:contains("Credit Control")',
            run: "click",
        },
        {
            content: "Open the partners over their limit",
            trigger: '.dropdown-item:contains("Over Limit")',
            run: "click",
        },
        {
            content: "The over-limit list is shown with its filter",
            trigger: '.o_breadcrumb:contains("Over Limit")',
        },
        {
            content: "Its filter is applied",
            trigger: '.o_searchview_facet:contains("Over Limit")',
        },
    ],
});
