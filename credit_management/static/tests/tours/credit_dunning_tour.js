import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("credit_dunning_tour", {
    steps: () => [
        {
            content: "Rename the policy",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Policy",
        },
        {
            content: "Add a level",
            trigger: ".o_field_widget[name=level_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Level name",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Tour reminder",
        },
        {
            content: "One day late",
            trigger: ".modal .o_field_widget[name=days] input",
            run: "edit 1",
        },
        {
            content: "Save the level",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The level is listed",
            trigger: '.o_field_widget[name=level_ids] .o_data_row:contains("Tour reminder")',
        },
        {
            content: "Save the policy",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Open the Credit Control menu",
            trigger: '.o_main_navbar button:contains("Credit Control")',
            run: "click",
        },
        {
            content: "Open the dunning runs",
            trigger: '.dropdown-item:contains("Dunning Runs")',
            run: "click",
        },
        {
            content: "New run",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Compute the preview",
            trigger: "button[name=action_preview]",
            run: "click",
        },
        {
            content: "Confirm and send",
            trigger: "button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The run is done",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Done)",
        },
        {
            content: "Open its communications",
            trigger: "button[name=action_open_communications]",
            run: "click",
        },
        {
            content: "Open the reminder to the customer",
            trigger: '.o_data_row .o_data_cell:contains("Dunning Tour Customer")',
            run: "click",
        },
        {
            content: "It lists the overdue invoice at the new level",
            trigger: '.o_field_widget[name=line_ids] .o_data_row:contains("Tour reminder")',
        },
        {
            content: "And it was sent",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(Sent)",
        },
    ],
});
