import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("credit_portal_application_tour", {
    steps: () => [
        {
            content: "Open Credit from My Account",
            trigger: 'a[href="/my/credit"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "No application yet: apply",
            trigger: "a.o_credit_apply",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Legal name",
            trigger: "form.o_credit_apply_form input[name=legal_name]",
            run: "edit Tour Applicant Ltd",
        },
        {
            content: "Country",
            trigger: "form.o_credit_apply_form select[name=country_id]",
            run: "selectByLabel Belgium",
        },
        {
            content: "Amount of credit",
            trigger: "form.o_credit_apply_form input[name=requested_limit]",
            run: "edit 12000",
        },
        {
            content: "Expected monthly purchases",
            trigger: "form.o_credit_apply_form input[name=monthly_purchases]",
            run: "edit 3000",
        },
        {
            content: "Years in business",
            trigger: "form.o_credit_apply_form input[name=years_in_business]",
            run: "edit 4",
        },
        {
            content: "Trade references",
            trigger: "form.o_credit_apply_form textarea[name=trade_references]",
            run: "edit Supplier One, one@example.com",
        },
        {
            content: "Send the application",
            trigger: "button.o_credit_apply_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The application is under review",
            trigger: '.o_credit_application .badge:contains("Under Review")',
        },
        {
            content: "Back to the list of applications",
            trigger: '.breadcrumb a[href="/my/credit"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The application is listed with its status",
            trigger: 'tr:contains("Tour Applicant Ltd") .badge:contains("Under Review")',
        },
    ],
});
