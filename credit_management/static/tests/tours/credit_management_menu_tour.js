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
            content: "Open the credit customers list",
            trigger: '.dropdown-item:contains("Customers")',
            run: "click",
        },
        {
            content: "The customer list is shown",
            trigger: ".o_breadcrumb:contains(Customers)",
        },
    ],
});
